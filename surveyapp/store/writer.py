"""The one writer path: a thread that owns every write and groups submissions into shared commits.

A submission is acknowledged only after the commit that holds it has returned. While one commit is
in flight, new submissions queue up and go into the next one together (group commit).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from surveyapp.store import derived
from surveyapp.store.admission import Admission
from surveyapp.store.failures import (
    RECOVERY_INTERVAL_SECONDS,
    ROOM_TO_RECOVER,
    StoreUnavailable,
    disk_full,
    durable,
    invalidated,
)
from surveyapp.store.prepared import PreparedResponse, Status, WriteOutcome

__all__ = ["PreparedResponse", "Status", "WriteOutcome", "Writer"]  # the first three from store.prepared

log = logging.getLogger("surveyapp.writer")
# Derived rows (surveyapp.store.derived) are added when no job has come for this long, or once this many
# responses are held, whichever is first.
FLUSH_WHEN_IDLE_SECONDS, FLUSH_AT = 0.05, 2000

@dataclass
class _Job:
    future: Future[Any]
    response: PreparedResponse | None = None
    action: Callable[[duckdb.DuckDBPyConnection], Any] | None = None


class Writer:
    """Owns a cursor of the database and performs every write on its own thread.

    When a write invalidates the database (DuckDB does so when a checkpoint fails, e.g. for a full disk) or
    finds the disk full, `problem` says so and every job is refused with StoreUnavailable until the writer has
    re-opened the file (replaying its write-ahead log) through `reopen` and checkpointed it. It tries at each
    job, and every `RECOVERY_INTERVAL_SECONDS` without one, once the disk has room (`ROOM_TO_RECOVER`)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, *, batch_max: int = 512,
                 max_per_code: int = 3, database: Path | None = None,
                 reopen: Callable[[], duckdb.DuckDBPyConnection] | None = None) -> None:
        self._cursor = conn.cursor()
        self._database, self._reopen = database, reopen
        self.problem: str | None = None  # why the database cannot be written just now
        self.recoveries = 0
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._batch_max = batch_max
        self._thread = threading.Thread(target=self._run, name="surveyapp-writer", daemon=True)
        self._admission = Admission(max_per_code)  # which submissions are stored, by the keys stored so far
        self._derived = derived.Recorder()
        self.commits = 0
        self.stored = 0
        self._statements = 0
        self.on_commit: Callable[[int, float], None] | None = None  # (submissions, seconds) after each group commit

    @property
    def statements(self) -> int:
        """SQL statements run for submissions: the work a submission costs, for tests."""
        return self._statements + self._admission.statements

    def start(self) -> None:
        self._thread.start()

    def queued(self) -> int:
        """Jobs waiting for the writer (submissions and other writes): the queue's depth, for the metrics."""
        return self._queue.qsize()

    def stop(self) -> None:
        """Finish every queued job, then stop."""
        self._queue.put(None)
        self._thread.join()
        with contextlib.suppress(duckdb.Error):  # already closed when a re-opening failed half way
            self._cursor.close()

    def submit(self, response: PreparedResponse) -> Future[WriteOutcome]:
        """Queue a response; the future resolves after its commit."""
        job = _Job(Future(), response=response)
        self._queue.put(job)
        return job.future

    def run(self, action: Callable[[duckdb.DuckDBPyConnection], Any]) -> Future[Any]:
        """Run any other write (never of responses: they come through `submit` alone) in the writer thread, in a
        transaction of its own."""
        job = _Job(Future(), action=action)
        self._queue.put(job)
        return job.future

    def report(self, exc: BaseException) -> None:
        """A read found the database invalidated: refuse writes until it is re-opened, and wake the writer."""
        if self.problem is None:
            self.problem = self._describe(exc)
            log.error("a read found the database unusable (data folder %s): %s", self._where(),
                      str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
            self._queue.put(_Job(Future()))

    def _run(self) -> None:
        self._open_derived()
        stopping = False
        while not stopping:
            wait = RECOVERY_INTERVAL_SECONDS if self.problem else FLUSH_WHEN_IDLE_SECONDS if self._derived.held \
                else None
            try:
                first = self._queue.get(timeout=wait)
            except queue.Empty:
                if self.problem:
                    self._recover()
                else:
                    self._flush()
                continue
            if first is None:
                break
            batch = [first]
            while len(batch) < self._batch_max:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            if self.problem is not None and not self._recover():
                for job in batch:
                    self._refuse(job)
                continue
            self._process(batch)
            if self._derived.held >= FLUSH_AT:
                self._flush()
        if self.problem is None:
            self._flush()
            with contextlib.suppress(duckdb.Error):  # clean only if nothing is left for `reconcile`
                self._cursor.execute("UPDATE derived_state SET clean = ?", [not self._derived.incomplete])

    def _open_derived(self) -> None:
        """A writer that did not stop cleanly may have held responses it never added: complete them before
        the derived tables are next read. Until this writer stops cleanly, the next start will do the same."""
        try:
            row = self._cursor.execute("SELECT bool_and(clean) FROM derived_state").fetchone()
            self._derived.incomplete = not (row and row[0])
            self._cursor.execute("UPDATE derived_state SET clean = false")
        except duckdb.Error:
            self._derived.incomplete = True

    def _flush(self) -> None:
        """Add the held responses' derived rows (`derived.Recorder`) in a transaction of their own."""
        try:
            self._cursor.execute("BEGIN TRANSACTION")
            self._derived.flush(self._cursor)
            self._cursor.execute("COMMIT")
        except Exception as exc:  # the responses are stored: `reconcile` adds their derived rows later
            self._derived.failed()
            with contextlib.suppress(duckdb.Error):
                self._cursor.execute("ROLLBACK")
            log.warning("derived tables not updated (%s); they are completed before the next read that needs them",
                        str(exc).splitlines()[0][:200])
            if self._lost(exc) or disk_full(exc):
                self._stopped(exc)

    def settle(self) -> Future[int]:
        """Bring the derived tables up to date (held responses, then any a crash or a failed flush left out,
        then `uses`), for a read that needs them; the future resolves to the sheets settled."""
        return self.run(self._settle)

    def _settle(self, cursor: duckdb.DuckDBPyConnection) -> int:
        self._derived.flush(cursor)
        if self._derived.incomplete:
            derived.reconcile(cursor)
            self._derived.incomplete = False
        return derived.settle(cursor)

    def _process(self, batch: list[_Job]) -> None:
        submissions = [job for job in batch if job.response is not None]
        if submissions:
            self._commit_submissions(submissions)
        for job in batch:
            if job.action is not None:
                self._commit_action(job)
            elif job.response is None:
                job.future.set_result(None)  # a wake-up call

    def _refuse(self, job: _Job) -> None:
        problem = self.problem or "the database was re-opened after a failed write"
        if job.response is not None:
            message = f"the response was not stored: {problem}; try again in a minute, with the same submission_id"
        else:
            message = f"nothing was changed: {problem}; try again in a minute"
        job.future.set_exception(StoreUnavailable(message))

    def _describe(self, exc: BaseException) -> str:
        """Why the database cannot be written, for callers (a 503's detail, /healthz): never the data folder's path
        nor DuckDB's message (which names files); the log line says where (`_stopped`, `report`)."""
        if disk_full(exc):
            return "the disk holding the database is full, so it cannot be written; free some space there"
        return "the database stopped after a failed write (the service's log says why)"

    def _where(self) -> str:
        return str(self._database.parent) if self._database is not None else "unknown"

    def _stopped(self, exc: BaseException) -> None:
        """A write invalidated the database or found the disk full: say so, and try to re-open it at once."""
        self.problem = self._describe(exc)
        log.error("the database cannot be written (data folder %s): %s; re-opening it once there is room",
                  self._where(), self.problem, exc_info=exc)
        self._recover()

    def _has_room(self) -> bool:
        if self._database is None:
            return True
        wal = self._database.with_name(self._database.name + ".wal")
        try:
            needed = (wal.stat().st_size if wal.exists() else 0) + ROOM_TO_RECOVER
            return shutil.disk_usage(self._database.parent).free >= needed
        except OSError:
            return False

    def _recover(self) -> bool:
        """Re-open the database (DuckDB replays the write-ahead log) and checkpoint it, when there is room; True
        once it can be written again."""
        if self.problem is None:
            return True
        if self._reopen is None or not self._has_room():
            return False
        with contextlib.suppress(duckdb.Error):
            self._cursor.close()
        try:
            cursor = self._reopen().cursor()
            cursor.execute("CHECKPOINT")  # proves the file can be written: a failure invalidates it again
        except Exception as exc:  # the writer thread must live on to try again
            self.problem = self._describe(exc)
            log.warning("the database could not be re-opened yet: %s", self.problem)
            return False
        self._cursor = cursor
        self._admission.forget()
        self._derived.failed()  # held responses, and any a failed commit stored after all: reconciled later
        self.problem = None
        self.recoveries += 1
        log.warning("the database was re-opened and takes writes again")
        return True

    def _commit_action(self, job: _Job) -> None:
        assert job.action is not None
        committing = False
        try:
            self._cursor.execute("BEGIN TRANSACTION")
            result = job.action(self._cursor)
            committing = True
            self._cursor.execute("COMMIT")
        except BaseException as exc:
            if committing and durable(exc):
                self.commits += 1
                job.future.set_result(result)
                self._stopped(exc)
                return
            self._derived.failed()  # a settle may have taken held responses with it: reconcile them
            self._rollback()
            if self._lost(exc):
                self._stopped(exc)
                job.future.set_exception(StoreUnavailable(
                    f"nothing was changed: {self.problem or 'the database was re-opened after a failed write'}; "
                    "try again in a minute"))
                return
            job.future.set_exception(exc)
        else:
            self.commits += 1
            job.future.set_result(result)

    def _commit_submissions(self, jobs: list[_Job], *, retry: bool = True) -> None:
        committing, started = False, time.perf_counter()
        try:
            self._execute("BEGIN TRANSACTION")
            outcomes, accepted = self._admission.admit(
                self._cursor, [job.response for job in jobs if job.response is not None])
            committing = True
            self._execute("COMMIT")
        except Exception as exc:
            if committing and durable(exc):  # stored: acknowledge it, then deal with the database
                self._stopped(exc)  # re-reads the stored keys when it re-opens the file
                self._acknowledge(jobs, outcomes, accepted, remember=False)
                return
            self._rollback()
            if self._lost(exc) or disk_full(exc):
                self._stopped(exc)
                self._after_failure(jobs, retry=retry)
                return
            if len(jobs) > 1:  # one bad submission must not sink the others: retry them one by one
                log.exception("group commit of %d submissions failed; retrying one by one", len(jobs))
                for job in jobs:
                    self._commit_submissions([job])
            else:
                log.exception("a submission could not be stored")
                jobs[0].future.set_exception(RuntimeError("the response could not be stored"))
            return
        self._acknowledge(jobs, outcomes, accepted)
        if self.on_commit is not None:
            self.on_commit(len(jobs), time.perf_counter() - started)

    def _acknowledge(self, jobs: list[_Job], outcomes: list[WriteOutcome], accepted: list[PreparedResponse], *,
                     remember: bool = True) -> None:
        """The commit holding `accepted` has returned: remember their keys and answer every job."""
        self.commits += 1
        self.stored += len(accepted)
        if remember:
            self._admission.remember(self._cursor, accepted)
            self._derived.hold(accepted)  # their derived rows follow, off the commit path
        for job, outcome in zip(jobs, outcomes, strict=True):
            job.future.set_result(outcome)

    def _after_failure(self, jobs: list[_Job], *, retry: bool) -> None:
        """The commit of `jobs` failed with the database invalidated or the disk full. Once the database is
        re-opened, those of them it holds after all are acknowledged and the others are tried once more;
        while it cannot be, each is refused (503: try again, with the same submission_id)."""
        if not retry or not self._recover():
            for job in jobs:
                self._refuse(job)
            return
        ids = [job.response.response_id for job in jobs if job.response is not None]
        try:
            held = {row[0] for row in self._cursor.execute(
                "SELECT response_id FROM responses WHERE response_id IN (SELECT unnest(?))", [ids]).fetchall()}
        except duckdb.Error as exc:
            self._stopped(exc)
            for job in jobs:
                self._refuse(job)
            return
        for job in jobs:
            if job.response is not None and job.response.response_id in held:
                self.stored += 1
                job.future.set_result(WriteOutcome("stored", job.response.response_id))
        rest = [job for job in jobs if job.response is not None and job.response.response_id not in held]
        if rest:
            self._commit_submissions(rest, retry=False)

    def _execute(self, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
        self._statements += 1
        return self._cursor.execute(sql, params)

    def _lost(self, exc: BaseException) -> bool:
        """`exc` invalidated the database itself. A fatal error can also come from another database attached for
        a while (a backup's copy on a full disk), leaving this one usable: only a query here tells them apart."""
        if not invalidated(exc):
            return False
        try:
            self._cursor.execute("SELECT 1").fetchall()
        except duckdb.Error:
            return True
        return False

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self._cursor.execute("ROLLBACK")

