"""The storage layer's errors, which the CLI turns into one-line messages.

StorageError
├── StoreLocked       another process holds the database file
├── DatabaseMissing   a read needs a database file that is not there
├── SchemaTooNew      the file was written by a newer Parallax
└── QueryError        user SQL failed (syntax, unknown table, refused file access)
"""


class StorageError(Exception):
    """Base of the storage layer's errors."""


class StoreLocked(StorageError):
    """Another process holds the database file."""


class DatabaseMissing(StorageError):
    """A read needs a database file that does not exist."""


class SchemaTooNew(StorageError):
    """The database was written by a newer version of Parallax."""


class QueryError(StorageError):
    """User SQL failed."""
