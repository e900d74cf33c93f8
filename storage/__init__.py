"""DuckDB: schema, migrations, the Store and read-side queries. No Prefect, no network."""

from parallax.storage.errors import DatabaseMissing, StorageError, StoreLocked
from parallax.storage.store import Store

__all__ = ["DatabaseMissing", "StorageError", "Store", "StoreLocked"]
