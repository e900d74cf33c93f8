"""The outside world in: HTTP, feeds, article pages and their extraction. No Prefect, no DuckDB."""
