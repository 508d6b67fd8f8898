"""Making a draft release: its cut-off, its rows, every planned table's counts checked as a whole, its tables."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import msgspec

from surveyapp.actions.levels import AnalysisError, short_title
from surveyapp.actions.releases.cells import Count, Decision, Decisions
from surveyapp.actions.releases.checking import run_check
from surveyapp.actions.releases.compare import compare_counts, compare_table, compared_wave
from surveyapp.actions.releases.inputs import Inputs, gather, previous_wave
from surveyapp.actions.releases.plan import plan_for
from surveyapp.domain.release import HIDDEN_REASONS, ReleaseDocument, ReleaseTable, Stage, TableSpec
from surveyapp.domain.services import Services, WaveNotFound
from surveyapp.domain.waves import Wave, uk_today
from waves.model import text_in

if TYPE_CHECKING:
    from surveyapp.actions.schemas import ReleaseIn

HOUR = dt.timedelta(hours=1)


class ReleaseConflict(Exception):
    """A release cannot be made, published or withdrawn as things stand (a 409), naming why."""

    def __init__(self, message: str, rules: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.rules = message, rules or []


def utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _hour(moment: dt.datetime) -> dt.datetime:
    return utc_naive(moment).replace(minute=0, second=0, microsecond=0)


def cutoff_of(wave: Wave, body: ReleaseIn, now: dt.datetime) -> dt.datetime:
    """The release's cut-off (naive UTC, a whole hour): the one asked for (interim), else the next whole hour
    (final: every response stored so far). AnalysisError names `cutoff` or `stage`."""
    if body.stage == "final":
        if wave.status(uk_today(now)) != "closed":
            raise ReleaseConflict(f"{wave.wave_id} is still open: a final release is made from a closed wave "
                                  "(close it first, or make an interim release with a cutoff)")
        if body.cutoff is not None:
            raise AnalysisError("cutoff", "a final release holds every response of the closed wave: leave it out")
        return _hour(now) + HOUR
    if body.cutoff is None:
        raise AnalysisError("cutoff", "an interim release needs a cutoff: a whole hour, e.g. 2026-11-02T09:00:00Z")
    cutoff = utc_naive(body.cutoff)
    if cutoff != _hour(cutoff):
        raise AnalysisError("cutoff", "use a whole hour (responses are stored by the hour), e.g. 2026-11-02T09:00Z")
    if cutoff > _hour(now):
        raise AnalysisError("cutoff", f"must not be after the start of this hour ({_hour(now):%Y-%m-%dT%H:00}Z): "
                                      "responses may still be stored before a later one")
    return cutoff


def response_wave_of(services: Services, wave_id: str) -> Wave:
    wave = services.waves.get(wave_id)
    if wave is None:
        raise WaveNotFound(wave_id)
    if wave.kind != "responses":
        raise AnalysisError("wave_id", f"{wave_id} holds aggregate counts only; releases are of response waves")
    return wave


def build(services: Services, wave: Wave, *, stage: Stage, cutoff: dt.datetime, release_id: str, version: int,
          now: dt.datetime, earlier: list[str], supersedes: str | None = None, note: str = "") -> ReleaseDocument:
    """A draft document: the plan's tables for this stage from the rows before `cutoff`, checked as a whole."""
    from surveyapp.actions.releases.records import previous_cutoff

    previous = previous_wave(services, wave)
    inputs = gather(services, wave, cutoff, previous_cutoff=previous_cutoff(services, previous, now))
    plan = plan_for(services, wave)
    carried = [s for s in plan if stage in s.stages and _can_make(inputs, s)]
    counts = [c for spec in carried for c in _counts(services, inputs, spec)]
    total = Count("summary", (("wave_id", wave.wave_id),), "responses", int(
        inputs.responses.filter(inputs.responses["wave_id"] == wave.wave_id).height), wave.wave_id)
    decisions, check = run_check(services, [*counts, total], earlier)
    tables = [_table(services, inputs, spec, counts, decisions) if spec in carried else _later(spec)
              for spec in plan if _can_make(inputs, spec)]
    statements = {s.id: text_in(s.text, "en") for s in _likert(wave).statements}
    return ReleaseDocument(
        release_id=release_id, wave_id=wave.wave_id, wave_title=text_in(wave.title, "en"),
        questionnaire_id=wave.questionnaire.id, stage=stage, version=version, cutoff=cutoff.replace(tzinfo=dt.UTC),
        made_at=now.astimezone(dt.UTC), responses=decisions.of(total).value or 0,
        baseline_id=inputs.baseline.wave_id if inputs.baseline else None,
        previous_wave_id=inputs.previous.wave_id if inputs.previous else None, tables=tables, check=check,
        statements=statements, supersedes=supersedes, correction_note=note)


def _likert(wave: Wave):  # type: ignore[no-untyped-def]
    likert = wave.questionnaire.likert()
    if likert is None:
        raise AnalysisError("wave_id", f"{wave.wave_id}'s questionnaire has no Likert question to publish")
    return likert


def _can_make(inputs: Inputs, spec: TableSpec) -> bool:
    """A table comparing with a wave that is not there (no previous wave yet) is left out of the release."""
    return spec.kind != "compare" or compared_wave(inputs, spec) is not None


def _counts(services: Services, inputs: Inputs, spec: TableSpec) -> list[Count]:
    if spec.kind == "compare":
        return compare_counts(inputs, spec, services.areas.lads)
    return []


def _table(services: Services, inputs: Inputs, spec: TableSpec, counts: list[Count],
           decisions: Decisions) -> ReleaseTable:
    def decide(count: Count) -> Decision:
        return decisions.of(count)

    if spec.kind == "compare":
        mine = [c for c in counts if c.table_id.split("~")[0] == spec.table_id]
        info = services.areas.info
        frame, compared = compare_table(inputs, spec, mine, decide, lads=services.areas.lads,
                                        excluded_lads=info.baseline_excludes)
        other = compared_wave(inputs, spec)
        title, note = _compare_title(inputs, spec, other, info.baseline_scope)
        rows = [{k: _reason(v) if k == "hidden" else v for k, v in row.items()} for row in frame.to_dicts()]
        return ReleaseTable(spec, title, compared, short_title(other) if other else None, list(frame.columns),
                            rows, note)
    return _later(spec, "This table is not made yet.")


_REASONS = {"threshold": "small", "zeros": "small", "complement": "complement", "differencing": "complement",
            "one_answer": "one_answer", "interim": "interim"}


def _reason(rule: str | None) -> str | None:
    return None if rule is None else _REASONS.get(rule, "complement")


def _compare_title(inputs: Inputs, spec: TableSpec, other: Wave | None, scope: str) -> tuple[str, str]:
    level = {"all": "all families", "utla": "local authority", "lad": "district council area"}.get(
        spec.level, spec.level)
    now = short_title(inputs.wave)
    then = short_title(other) if other else ""
    if other is not None and other.kind == "aggregate":
        return (f"How families answered, {now}, by {level}, compared with {scope} {then}",
                f"Kent only: the {then} survey did not cover Medway, so Medway's figures are shown apart, with no "
                f"comparison with {then}.")
    return f"How families answered, {now}, by {level}, compared with {then}", ""


def _later(spec: TableSpec, note: str = HIDDEN_REASONS["interim"].capitalize() + ".") -> ReleaseTable:
    return ReleaseTable(spec, spec.table_id, None, None, [], [], note)


def encode_draft(document: ReleaseDocument) -> str:
    return msgspec.json.encode(document).decode()
