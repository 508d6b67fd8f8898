"""The data directory is its owner's alone: files 0600, directories 0700, checked at start-up.

The database holds families' free-text answers, and its write-ahead log and backups hold the same. Every
process that opens it (the service, and the CLI on the file) sets its umask to 077 first, so whatever it or
DuckDB creates (the database, `.wal`, temporary files, backups, keys) is the owner's only. At start-up a
directory of the data that others could enter is made private again (it holds nothing itself), while a data
file that others could read stops the start, naming it and the command that fixes it: like the return-code
key, it may already have been read, and someone should know.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY = 0o077  # the umask: group and others get nothing
_SHOWN = 5  # files named in the message, at most


def restrict() -> None:
    """From now on, files and directories this process creates are its owner's only."""
    os.umask(OWNER_ONLY)


def _open_to_others(path: Path) -> bool:
    return bool(stat.S_IMODE(path.lstat().st_mode) & 0o077)


def check(data_dir: Path, *, subdirectories: tuple[str, ...] = ("secrets", "backups")) -> None:
    """Make the data directories 0700; raise PermissionError when a file in them can be read by others."""
    exposed: list[Path] = []
    for directory in (data_dir, *(data_dir / name for name in subdirectories)):
        if not directory.is_dir() or directory.is_symlink():
            continue
        if _open_to_others(directory):
            os.chmod(directory, 0o700)
        exposed += sorted(p for p in directory.iterdir() if p.is_file() and not p.is_symlink()
                          and _open_to_others(p))
    if exposed:
        names = ", ".join(str(p) for p in exposed[:_SHOWN]) + (" and more" if len(exposed) > _SHOWN else "")
        raise PermissionError(
            f"{names} can be read by other users of this machine, and hold survey data or keys; make the data "
            f"directory its owner's only with `chmod -R go-rwx {data_dir}`, then start again")
