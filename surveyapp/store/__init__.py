"""The DuckDB store and its one writer path."""

from surveyapp.store.db import Store, StoreLockedError, restore
from surveyapp.store.writer import PreparedResponse, WriteOutcome

__all__ = ["PreparedResponse", "Store", "StoreLockedError", "WriteOutcome", "restore"]
