"""What a write that fails for want of disk space, or on an invalidated database, means for the store."""

from __future__ import annotations

import errno

import duckdb

# Free space, beyond the size of the write-ahead log, that the disk must have before the writer tries to re-open
# the database after a write found it full: DuckDB checkpoints the log into the file on opening, and again once
# the log reaches 16 MB (its `checkpoint_threshold`).
ROOM_TO_RECOVER = 16 * 1024 * 1024
# How often the writer looks for room again while the database cannot be written, with no job waiting.
RECOVERY_INTERVAL_SECONDS = 1.0


class StoreUnavailable(RuntimeError):
    """The database cannot take this request just now, and nothing of it was stored; the message says why.

    Raised while the database is invalidated (a checkpoint failed, usually for a full disk) or a write found the
    disk full, until the writer has re-opened it (at the next job, or within a second once there is room)."""


def invalidated(exc: BaseException) -> bool:
    """DuckDB stopped the database instance: it must be re-opened before any further use."""
    return isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc)


def durable(exc: BaseException) -> bool:
    """DuckDB says the COMMIT that raised `exc` is in the write-ahead log, and only the checkpoint after it
    failed: what it committed is stored, and comes back when the database is re-opened."""
    return invalidated(exc) and "COMMIT succeeded and is durable" in str(exc)


def disk_full(exc: BaseException) -> bool:
    """The write failed because the disk (or the owner's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, duckdb.Error) and ("No space left on device" in str(exc) or "Disk quota" in str(exc))
