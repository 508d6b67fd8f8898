"""The DuckDB store and its one writer path."""

from surveyapp.store.db import (
    RestoreRefused,
    StorageFull,
    Store,
    StoreLockedError,
    backup_key_path,
    held_elsewhere,
    restore,
    sweep_unfinished,
)
from surveyapp.store.failures import StoreUnavailable
from surveyapp.store.prepared import PreparedResponse, WriteOutcome
from surveyapp.store.verify import BackupUnverified

__all__ = ["BackupUnverified", "PreparedResponse", "RestoreRefused", "StorageFull", "Store", "StoreLockedError",
           "StoreUnavailable", "WriteOutcome",
           "backup_key_path", "held_elsewhere", "restore", "sweep_unfinished"]
