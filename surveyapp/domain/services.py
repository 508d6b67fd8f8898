"""The resources one service process owns, opened and closed by the app's lifespan."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from surveyapp.domain.backups import Scheduler
from surveyapp.domain.returncodes import ReturnCodes, load_or_create_key
from surveyapp.domain.sources import SourceSet
from surveyapp.domain.submission import FieldError, Preparer, Submission, SubmissionInvalid
from surveyapp.domain.waves import Wave, WaveSet, uk_today
from surveyapp.settings import Settings, SettingsError
from surveyapp.store import Store, StoreUnavailable, private, sweep_unfinished
from waves.areas.pack import AreaPack, load_area_pack
from waves.loader import Catalogue, load_catalogue

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger("surveyapp")
Clock = Callable[[], dt.datetime]
READY_TIMEOUT_SECONDS = 5.0


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_area_pack(name_or_path: str) -> AreaPack:
    """A pack carried under waves/areas/ by name (`kent_medway`), or a pack folder of one's own by path."""
    if "/" in name_or_path or "\\" in name_or_path:
        folder = Path(name_or_path).resolve()
        return load_area_pack(folder.name, folder.parent)
    return load_area_pack(name_or_path)


def ehc_plans_of(settings: Settings, areas: AreaPack) -> pl.DataFrame | None:
    """Reach's expected shares from the DfE EHC plan caseload (SURVEYAPP_EHC_PLANS), or None when unset."""
    if settings.ehc_plans is None:
        return None
    from waves.areas.ehc_plans import EhcPlansError, ehc_plan_shares

    try:
        return ehc_plan_shares(settings.ehc_plans, areas.census)
    except EhcPlansError as exc:
        raise SettingsError(f"SURVEYAPP_EHC_PLANS: {exc}; point it at DfE's EHC plan caseload.csv, e.g. "
                            "../shared/reference/kent-medway/dfe_ehcp_caseload_kent_medway_2019_2025.csv") from None


class WaveNotFound(LookupError):
    pass


class WaveNotOpen(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SubmissionRejected(Exception):
    """Valid on its own, but cannot be stored (a reused submission id, or too many uses of a code)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


@dataclass(frozen=True)
class Accepted:
    response_id: str
    return_code: str
    duplicate: bool


def start_checks(settings: Settings) -> None:
    """What must hold before the data is opened; `surveyapp serve` runs these before the server starts, so a
    refusal is one line at the terminal. From here on the process creates files for its owner only."""
    private.restrict()  # the database, its WAL, backups and keys are the owner's only (0600, 0700)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    private.check(settings.data_dir)
    key, database = settings.secret_key_path, settings.database_path
    if not key.exists() and database.exists():  # a new key would silently unlink every stored code
        raise FileNotFoundError(
            f"{key} is missing, but {database} holds data hashed with it; put back the key from your backups "
            f"(`<backup>.return-code.key`, beside each backup file) as {key} (chmod 600), then start again")


class Services:
    """Store, waves, areas, return codes and the clock: everything a request handler needs."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings, self.clock = settings, clock
        self.catalogue: Catalogue = load_catalogue(settings.definitions_dir)
        self.areas: AreaPack = open_area_pack(settings.area_pack)
        start_checks(settings)
        self.ehc_plans = ehc_plans_of(settings, self.areas)
        key = load_or_create_key(settings.secret_key_path)
        self.codes = ReturnCodes(key)
        from analytics.disclosure import Disclosure

        # Every published figure passes through this (the actions): consistent rounding keyed by the secret.
        self.disclosure = Disclosure(key, threshold=settings.small_number_threshold)
        # Internal figures (signed-in analysts and admins): exact counts, each row flagged with what a release
        # could not show (the actions' compare, cohort, reach and tracker); never published as they are.
        self.internal = Disclosure(key, threshold=settings.small_number_threshold, exact=True)
        self.store = Store(settings.database_path, batch_max=settings.batch_max,
                           max_per_code=settings.max_responses_per_code)
        removed = sweep_unfinished(settings.data_dir / "backups")  # the store is held: no backup is running
        if removed:
            log.warning("removed %d unfinished backup file(s) a stopped backup left: %s", len(removed),
                        ", ".join(p.name for p in removed))
        self.waves = WaveSet(self.store, self.catalogue)
        self.waves.sync_definitions()
        self.sources = SourceSet(self.store)  # outreach sources, kept in memory like the waves
        self.sources.reload()
        self.preparer = Preparer(self.areas, self.codes, self.sources)
        self.pdf_renders = threading.BoundedSemaphore(settings.pdf_renders)  # render.report.pdf_slot
        self.backups: Scheduler | None = None  # SURVEYAPP_BACKUP_SCHEDULE's backups, when set
        if settings.backup_schedule is not None:
            self.backups = Scheduler(settings, self.store, clock)
            self.backups.start()

    def close(self) -> None:
        if self.backups is not None:
            self.backups.stop()  # a backup under way finishes first
        self.store.close()

    def health(self) -> str | None:
        """Why the service cannot store or read responses just now (its database invalidated after a failed
        write, or its disk full, until the writer re-opens it), or None."""
        return self.store.problem

    def backup_lateness(self) -> str | None:
        """Why scheduled backups are late or failing, or None (also when none are scheduled)."""
        return None if self.backups is None else self.backups.lateness()

    async def readiness(self, timeout: float = READY_TIMEOUT_SECONDS) -> str | None:
        """Why the service is not ready for submissions, or None: the writer must run an empty transaction
        (re-opening the database first if a write had failed) within `timeout` seconds."""
        try:
            await asyncio.wait_for(asyncio.wrap_future(self.store.writer.run(lambda cursor: None)), timeout)
        except StoreUnavailable as exc:
            return self.store.problem or str(exc)
        except TimeoutError:
            return f"the writer did not answer within {timeout:g} s"
        return None

    def today(self) -> dt.date:
        return uk_today(self.clock())

    def wave(self, wave_id: str) -> Wave:
        wave = self.waves.get(wave_id)
        if wave is None:
            raise WaveNotFound(wave_id)
        return wave

    def open_wave(self, wave_id: str) -> Wave:
        """The wave, if it takes responses today; else WaveNotFound or WaveNotOpen saying why."""
        wave = self.wave(wave_id)
        status = wave.status(self.today())
        if wave.kind == "aggregate":
            raise WaveNotOpen(f"{wave_id} is the baseline and holds published counts only; it takes no responses")
        if status == "scheduled":
            raise WaveNotOpen(f"{wave_id} is not open yet: it opens on {wave.opens_on:%-d %B %Y}")
        if status == "closed":
            when = f" on {wave.closes_on:%-d %B %Y}" if wave.state is None else ""
            raise WaveNotOpen(f"{wave_id} has closed{when}; it no longer takes responses")
        return wave

    async def collect(self, wave: Wave, submission: Submission) -> Accepted:
        """Validate, store through the writer and return once the commit holding it has returned."""
        prepared = self.preparer.prepare(wave.wave_id, wave.questionnaire, submission, self.clock())
        outcome = await asyncio.wrap_future(self.store.writer.submit(prepared.response))
        if outcome.status == "conflict":
            raise SubmissionRejected([FieldError(
                "submission_id", "this submission id was already used for different answers; "
                                 "send a new id for a new response")])
        if outcome.status == "code_limit":
            raise SubmissionRejected([FieldError(
                "return_code", f"this code has been used {self.settings.max_responses_per_code} times in this "
                               "wave already; leave the code out to answer without linking")])
        assert outcome.response_id is not None
        return Accepted(outcome.response_id, prepared.return_code, outcome.status == "duplicate")


__all__ = ["Accepted", "Services", "SubmissionInvalid", "SubmissionRejected", "WaveNotFound", "WaveNotOpen"]
