"""The application: Prefect flows and thin tasks, settings, and the `parallax` CLI."""
