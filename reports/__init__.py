"""Presentation: turns query results into HTML and Markdown. No Prefect, no network."""
