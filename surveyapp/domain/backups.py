"""Scheduled backups (SURVEYAPP_BACKUP_SCHEDULE): taken by the service itself, each verified by opening it,
pruned by SURVEYAPP_BACKUP_KEEP, and copied off the machine with rclone (SURVEYAPP_BACKUP_REMOTE), the return-code
key to another remote (SURVEYAPP_BACKUP_KEY_REMOTE)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from surveyapp.domain.schedule import last_due, lateness, next_due, parse_keep, parse_schedule, to_delete
from surveyapp.settings import Settings
from surveyapp.store import Store, backup_key_path
from surveyapp.store.verify import manifest_path

log = logging.getLogger("surveyapp.backups")
NAME_FORMAT = "surveyapp-%Y%m%dT%H%M%S.%f.duckdb"  # a backup's file name: to the microsecond, in UTC
RCLONE_TIMEOUT_SECONDS = 6 * 3600


class OffsiteError(RuntimeError):
    """rclone could not copy, list or delete on a remote; the message says which and rclone's reason."""


def backup_name(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime(NAME_FORMAT)


def made_at(name: str) -> dt.datetime | None:
    """When a backup named by `backup_name` was made; None for any other name."""
    try:
        return dt.datetime.strptime(name, NAME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def backups_in(folder: Path) -> dict[dt.datetime, Path]:
    """The finished backups in `folder`, by when each was made."""
    if not folder.is_dir():
        return {}
    return {when: path for path in folder.glob("surveyapp-*.duckdb") if (when := made_at(path.name)) is not None}


def companions(backup: Path) -> tuple[Path, Path, Path]:
    """A backup, its return-code key and its manifest."""
    return backup, backup_key_path(backup), manifest_path(backup)


class Rclone:
    """rclone, run as a program: `copyto`, `lsf` and `deletefile` on `remote:path` names."""

    def __init__(self, config: Path | None, program: str = "rclone") -> None:
        self.config, self.program = config, program

    def _run(self, *args: str) -> str:
        found = shutil.which(self.program)
        if found is None:
            raise OffsiteError(f"{self.program} is not installed: install Debian's rclone (make rclone), or unset "
                               "SURVEYAPP_BACKUP_REMOTE")
        command = [found, *(["--config", str(self.config)] if self.config else []), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=RCLONE_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise OffsiteError(f"rclone {args[0]} failed ({reason})")
        return done.stdout

    def copy(self, source: Path, remote: str) -> None:
        self._run("copyto", str(source), f"{remote.rstrip('/')}/{source.name}")

    def names(self, remote: str) -> list[str]:
        return [line.strip() for line in self._run("lsf", "--files-only", remote).splitlines() if line.strip()]

    def delete(self, remote: str, name: str) -> None:
        self._run("deletefile", f"{remote.rstrip('/')}/{name}")


class Scheduler:
    """A thread that backs the store up daily at the scheduled time (at once when one was missed while the
    service was stopped), then prunes and sends the copies off the machine; `lateness` for /healthz."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], dt.datetime],
                 rclone: Rclone | None = None) -> None:
        at = parse_schedule(settings.backup_schedule)
        assert at is not None, "a Scheduler needs SURVEYAPP_BACKUP_SCHEDULE"
        self.at, self.keep = at, parse_keep(settings.backup_keep)
        self.settings, self.store, self.clock = settings, store, clock
        self.folder = settings.data_dir / "backups"
        self.rclone = rclone or Rclone(settings.rclone_config)
        self.last_error: str | None = None
        self.caught_up = threading.Event()  # set once the start-up's catch-up (if any) is done
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="surveyapp-backups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 30.0) -> None:
        """No more backups; one under way may finish (its copy is the writer's, which drains before the store
        closes), but a long copy off the machine is not waited for past `wait` seconds: it is made again next time."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(wait)

    @property
    def last(self) -> dt.datetime | None:
        """When the newest backup in <data dir>/backups/ was made (scheduled or not), or None."""
        made = backups_in(self.folder)
        return max(made) if made else None

    def lateness(self) -> str | None:
        """Why the backups are late (the last older than the schedule allows, or the last attempt failed)."""
        late = lateness(self.at, self.last, self.clock())
        if self.last_error is not None:
            return f"failing: {self.last_error}" + (f"; {late}" if late else "")
        return late

    def _loop(self) -> None:
        last = self.last
        if last is None or last < last_due(self.at, self.clock()):
            self.run_once()  # missed while stopped (or never made): now, not tomorrow
        self.caught_up.set()
        while not self._stop.wait(max((next_due(self.at, self.clock()) - self.clock()).total_seconds(), 1.0)):
            self.run_once()

    def run_once(self) -> Path | None:
        """Back up now, prune, and send off the machine; a failure is logged and kept for /healthz."""
        now = self.clock()
        try:
            path = self.store.backup(self.folder / backup_name(now), key=self.settings.secret_key_path)
            self.last_error = None
            log.info("scheduled backup written and verified: %s", path.name)
            self._prune_here()
            if self.settings.backup_remote is not None:
                self._send(path)
        except Exception as exc:  # the service carries on; /healthz says so until the next one succeeds
            self.last_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("scheduled backup failed: %s", self.last_error)
            return None
        return path

    def _prune_here(self) -> None:
        made = backups_in(self.folder)
        for when in to_delete(made, self.keep):
            for path in companions(made[when]):
                path.unlink(missing_ok=True)

    def _send(self, path: Path) -> None:
        """The backup and its manifest to SURVEYAPP_BACKUP_REMOTE, its key to SURVEYAPP_BACKUP_KEY_REMOTE (never to
        the same remote); then each remote pruned as this folder is."""
        data_remote, key_remote = self.settings.backup_remote, self.settings.backup_key_remote
        assert data_remote is not None
        backup, key, manifest = companions(path)
        self.rclone.copy(manifest, data_remote)
        self.rclone.copy(backup, data_remote)
        if key_remote is not None and key.exists():
            self.rclone.copy(key, key_remote)
        log.info("backup %s copied to %s%s", path.name, data_remote,
                 f", its key to {key_remote}" if key_remote else "")
        self._prune_remote(data_remote)
        if key_remote is not None:
            self._prune_remote(key_remote)

    def _prune_remote(self, remote: str) -> None:
        names = self.rclone.names(remote)
        by_backup: dict[str, list[str]] = {}
        for name in names:
            stem = name.split(".duckdb", 1)[0] + ".duckdb"
            by_backup.setdefault(stem, []).append(name)
        made = {when: stem for stem in by_backup if (when := made_at(stem)) is not None}
        for when in to_delete(made, self.keep):
            for name in by_backup[made[when]]:
                self.rclone.delete(remote, name)
