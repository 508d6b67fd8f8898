"""Making a draft release: its cut-off, its rows, every planned table's counts checked as a whole, its tables."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import msgspec
import polars as pl

from surveyapp.actions.levels import AnalysisError, short_title
from surveyapp.actions.releases.cells import Count, Decision, Decisions
from surveyapp.actions.releases.checking import earlier_releases, run_check
from surveyapp.actions.releases.compare import compare_counts, compare_table, compared_wave
from surveyapp.actions.releases.inputs import Inputs, gather, previous_wave
from surveyapp.actions.releases.plan import plan_for
from surveyapp.actions.releases.reach import reach_codes, reach_counts, reach_table
from surveyapp.actions.releases.themes import dimensions as theme_dimensions
from surveyapp.actions.releases.themes import theme_counts, theme_table, with_themes
from surveyapp.domain.release import HIDDEN_REASONS, ReleaseDocument, ReleaseTable, Stage, TableSpec
from surveyapp.domain.services import Services, WaveNotFound
from surveyapp.domain.waves import Wave, uk_today
from waves.model import Likert, text_in

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
          now: dt.datetime, supersedes: str | None = None, note: str = "") -> ReleaseDocument:
    """A draft document: the plan's tables for this stage from the rows before `cutoff`, checked as a whole with
    every earlier published release of the wave and of the wave it compares with."""
    from surveyapp.actions.releases.records import earlier_published, previous_cutoff

    previous = previous_wave(services, wave)
    inputs = with_themes(services, gather(services, wave, cutoff, previous_cutoff=previous_cutoff(services, previous,
                                                                                                 now)))
    plan = [s for s in plan_for(services, wave) if _can_make(inputs, s)]
    carried = [s for s in plan if stage in s.stages]
    counts = [c for spec in carried for c in _counts(services, inputs, spec)]
    total = Count("summary", (("wave_id", wave.wave_id),), "responses", int(
        inputs.responses.filter(inputs.responses["wave_id"] == wave.wave_id).height), wave.wave_id)
    rows = earlier_published(services, [wave.wave_id, *([previous.wave_id] if previous else [])])
    earlier = earlier_releases(rows, lambda document: _published_cells(services, inputs, document))
    dimensions = ["utla", "lad", "source", *(s.level for s in plan if s.kind == "reach"), *theme_dimensions(inputs)]
    decisions, check = run_check(services, inputs, [*counts, total], earlier, dimensions)
    tables = [_table(services, inputs, spec, counts, decisions) if spec in carried else _later(spec)
              for spec in plan]
    statements = {s.id: text_in(s.text, "en") for s in _likert(wave).statements}
    return ReleaseDocument(
        release_id=release_id, wave_id=wave.wave_id, wave_title=text_in(wave.title, "en"),
        questionnaire_id=wave.questionnaire.id, stage=stage, version=version, cutoff=cutoff.replace(tzinfo=dt.UTC),
        made_at=now.astimezone(dt.UTC), responses=decisions.of(total).value or 0,
        baseline_id=inputs.baseline.wave_id if inputs.baseline else None,
        previous_wave_id=inputs.previous.wave_id if inputs.previous else None, tables=tables, check=check,
        statements=statements, supersedes=supersedes, correction_note=note)


def _likert(wave: Wave) -> Likert:
    likert = wave.questionnaire.likert()
    if likert is None:
        raise AnalysisError("wave_id", f"{wave.wave_id}'s questionnaire has no Likert question to publish")
    return likert


def _can_make(inputs: Inputs, spec: TableSpec) -> bool:
    """A table comparing with a wave that is not there (no previous wave yet) is left out of the release."""
    if spec.kind == "themes":  # a wave's comments are counted once its questionnaire has a codebook
        return bool(theme_dimensions(inputs))
    return spec.kind != "compare" or compared_wave(inputs, spec) is not None


def _labels(services: Services, inputs: Inputs, level: str) -> dict[str, str]:
    from surveyapp.actions.levels import labels_of

    if level == "lad":
        return {}  # the analytics name LADs from the area pack
    return labels_of(services, inputs.wave, level)


def _counts(services: Services, inputs: Inputs, spec: TableSpec) -> list[Count]:
    if spec.kind == "compare":
        return compare_counts(inputs, spec, services.areas.lads)
    if spec.kind in ("reach", "tracker"):
        codes = reach_codes(inputs, spec, services.areas.lads, _labels(services, inputs, spec.level))
        return reach_counts(inputs, spec, codes)
    if spec.kind == "themes":
        return theme_counts(services, inputs, spec)
    return []


def _published_cells(services: Services, inputs: Inputs, document: ReleaseDocument) -> list[tuple[Count, int | None]]:
    """An earlier release's counts with the value it published (its tables' specs counted again: the cells, not
    their values, are what is needed)."""
    out: list[tuple[Count, int | None]] = []
    for table in document.tables:
        if not table.rows:
            continue
        rows = {tuple(str(r.get(k)) for k in ("area_code", "statement_id", "theme_id") if k in r): r
                for r in table.rows}
        for count in _counts(services, inputs, table.spec):
            key = tuple(v for _, v in count.row)
            own = "~" not in count.table_id
            row = rows.get(key)
            if row is None:
                continue
            if own:
                out.append((count, row.get(count.column)))
            elif count.column == "n_valid":
                out.append((count, row.get("baseline_n_valid")))
    total = Count("summary", (("wave_id", document.wave_id),), "responses", 0, document.wave_id)
    return [*out, (total, document.responses)]


def _table(services: Services, inputs: Inputs, spec: TableSpec, counts: list[Count],
           decisions: Decisions) -> ReleaseTable:
    def decide(count: Count) -> Decision:
        return decisions.of(count)

    mine = [c for c in counts if c.table_id.split("~")[0] == spec.table_id]
    if spec.kind == "compare":
        info = services.areas.info
        frame, compared = compare_table(inputs, spec, mine, decide, lads=services.areas.lads,
                                        excluded_lads=info.baseline_excludes)
        other = compared_wave(inputs, spec)
        title, note = _compare_title(inputs, spec, other, info.baseline_scope)
        return ReleaseTable(spec, title, compared, short_title(other) if other else None, list(frame.columns),
                            _rows(frame), note)
    if spec.kind in ("reach", "tracker"):
        labels = _labels(services, inputs, spec.level)
        frame = reach_table(inputs, spec, mine, decide, lads=services.areas.lads, census=services.areas.census,
                            labels=labels, threshold=services.settings.small_number_threshold)
        return ReleaseTable(spec, _reach_title(inputs, spec), None, None, list(frame.columns), _rows(frame), "")
    if spec.kind == "themes":
        frame = theme_table(services, inputs, mine, decide, _area_labels(services, spec.level))
        return ReleaseTable(spec, _themes_title(inputs, spec), None, None, list(frame.columns), _rows(frame),
                            THEMES_NOTE)
    return _later(spec, "This table is not made yet.")


def _rows(frame: pl.DataFrame) -> list[dict[str, object]]:
    return [{k: _reason(v) if k == "hidden" else v for k, v in row.items()} for row in frame.to_dicts()]


def _reach_title(inputs: Inputs, spec: TableSpec) -> str:
    level = _LEVEL_WORDS.get(spec.level, spec.level.removesuffix("_broad").replace("_", " "))
    if spec.kind == "tracker":
        return f"Who answered, {short_title(inputs.wave)}: responses by outreach source"
    return f"Who answered, {short_title(inputs.wave)}: responses by {level} against the population"


THEMES_NOTE = ("Each comment was read and coded with the themes it raises; a comment can raise several, so the "
               "shares add up to more than 1.")


def _themes_title(inputs: Inputs, spec: TableSpec) -> str:
    by = "" if spec.level == "all" else f", by {_LEVEL_WORDS.get(spec.level, spec.level)}"
    return f"What families wrote about, {short_title(inputs.wave)}{by}: comments by theme"


def _area_labels(services: Services, level: str) -> dict[str, str]:
    lads = services.areas.lads
    if level == "utla":
        return dict(zip(lads["utla_code"].to_list(), lads["utla_name"].to_list(), strict=True))
    if level == "lad":
        return dict(zip(lads["lad_code"].to_list(), lads["lad_name"].to_list(), strict=True))
    return {"all": "All families"}


_LEVEL_WORDS = {"all": "all families", "utla": "local authority", "lad": "district council area",
                "source": "outreach source"}


_REASONS = {"threshold": "small", "zeros": "small", "complement": "complement", "differencing": "complement",
            "one_answer": "one_answer", "interim": "interim"}


def _reason(rule: str | None) -> str | None:
    return None if rule is None else _REASONS.get(rule, "complement")


def _compare_title(inputs: Inputs, spec: TableSpec, other: Wave | None, scope: str) -> tuple[str, str]:
    now = short_title(inputs.wave)
    then = short_title(other) if other else ""
    by = "" if spec.level == "all" else f", by {_LEVEL_WORDS.get(spec.level, spec.level)}"
    if other is not None and other.kind == "aggregate":
        return (f"How families answered, {now}{by}: Kent compared with {scope} {then}, Medway apart",
                f"Kent only: the {then} survey did not cover Medway, so Medway's figures are shown apart, with no "
                f"comparison with {then}.")
    return f"How families answered, {now}{by}, compared with {then}", ""


def _later(spec: TableSpec, note: str = HIDDEN_REASONS["interim"].capitalize() + ".") -> ReleaseTable:
    return ReleaseTable(spec, spec.table_id, None, None, [], [], note)


def encode_draft(document: ReleaseDocument) -> str:
    return msgspec.json.encode(document).decode()
