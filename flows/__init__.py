"""The application: Prefect flows and thin tasks, settings, and the `parallax` CLI."""

import atexit

from parallax.flows.runtime import stop_prefect_loops

# Registered first, so it runs after the exit handlers Prefect registers as it runs.
atexit.register(stop_prefect_loops)
