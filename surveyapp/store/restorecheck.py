"""`surveyapp restore --check`: restore a backup into a scratch folder, as a real restore would, and compare it
with the manifest written when it was made; the live database is never touched."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from surveyapp.store import verify
from surveyapp.store.db import RestoreRefused, Store, backup_key_path, restore


@dataclass
class RestoreCheck:
    """What a check found: each table's figures as restored, and what differs from the manifest (empty: good)."""

    tables: verify.Figures
    problems: list[str] = field(default_factory=list)
    upgraded: list[str] = field(default_factory=list)  # migrations this release would apply to it
    notes: list[str] = field(default_factory=list)  # what was not compared, and why


def check_restore(backup: Path, *, key: Path | None = None, scratch: Path | None = None) -> RestoreCheck:
    """Check the backup's file against its manifest's SHA-256, restore it (with its key: beside it, or `key`)
    into a new folder under `scratch` (the system's temporary folder by default), compare every table's rows and
    checksum with the manifest, and open it as the service would (applying this release's migrations to the
    scratch copy). The folder is removed afterwards. FileNotFoundError, RestoreRefused or BackupUnverified when
    the backup, its key or its manifest is missing or unusable."""
    backup = backup.resolve()
    if not backup.is_file():
        raise FileNotFoundError(f"{backup} does not exist")
    expected_sha, expected, same_hash = verify.read_manifest(verify.manifest_path(backup))
    key = key or backup_key_path(backup)
    if not key.is_file():
        raise RestoreRefused(f"{key} is missing: give the backup's return-code key with --key (it is kept apart "
                             "from the backups, e.g. on SURVEYAPP_BACKUP_KEY_REMOTE)")
    problems: list[str] = []
    notes: list[str] = []
    if verify.sha256_of(backup) != expected_sha:
        problems.append(f"{backup.name}: the file's SHA-256 differs from its manifest's (changed or damaged since "
                        "it was made)")
    folder = Path(tempfile.mkdtemp(prefix="surveyapp-restore-check-", dir=scratch))
    try:
        incoming = folder / "incoming"
        incoming.mkdir()
        (incoming / backup.name).symlink_to(backup)  # restore reads the key beside the backup: put it there
        shutil.copyfile(key, backup_key_path(incoming / backup.name))
        database = folder / "data" / "surveyapp.duckdb"
        restore(incoming / backup.name, database, folder / "data" / "secrets" / "return-code.key")
        restored = verify.file_figures(database)
        if not same_hash:  # another DuckDB made the manifest: its hashes may differ; the SHA-256 and rows hold
            notes.append("the manifest was made by another DuckDB version: rows compared, table checksums not")
            expected = {t: {**f, "checksum": restored.get(t, f)["checksum"]} for t, f in expected.items()}
        problems += verify.differences(expected, restored)
        store = Store(database)  # as the service would open it: this release's migrations applied to the copy
        upgraded = store.applied_migrations
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return RestoreCheck(restored, problems, upgraded, notes)
