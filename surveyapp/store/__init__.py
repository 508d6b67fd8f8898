"""The DuckDB store and its one writer path."""

from surveyapp.store.db import (
    RestoreRefused,
    Store,
    StoreLockedError,
    backup_key_path,
    restore,
)
from surveyapp.store.writer import PreparedResponse, WriteOutcome

__all__ = ["PreparedResponse", "RestoreRefused", "Store", "StoreLockedError", "WriteOutcome",
           "backup_key_path", "restore"]
