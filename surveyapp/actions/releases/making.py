"""Making a draft release: its cut-off, its rows, every planned table's counts checked as a whole, its tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import msgspec
import polars as pl

from surveyapp.actions.levels import AnalysisError, short_title
from surveyapp.actions.releases.cells import Count, Decision, Decisions
from surveyapp.actions.releases.checking import earlier_releases, run_check
from surveyapp.actions.releases.cohort import cohort_counts, cohort_table, pairs_frame
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
    inputs = with_themes(services, gather(services, wave, cutoff,
                                          previous_cutoff=previous_cutoff(services, previous, now)))
    inputs = replace(inputs, pairs=pairs_frame(inputs))
    plan = [s for s in plan_for(services, wave) if _can_make(inputs, s)]
    carried = [s for s in plan if stage in s.stages]
    counts = [c for spec in carried for c in _counts(services, inputs, spec)]
    total = Count("summary", (("wave_id", wave.wave_id),), "responses", int(
        inputs.responses.filter(inputs.responses["wave_id"] == wave.wave_id).height), wave.wave_id)
    rows = earlier_published(services, [wave.wave_id, *([previous.wave_id] if previous else [])])
    earlier = earlier_releases(rows, lambda document: _published_cells(services, inputs, document))
    dimensions = ["utla", "lad", "source", *(s.level for s in plan if s.kind == "reach"), *theme_dimensions(inputs)]
    decisions, check = run_check(services, inputs, [*counts, total], earlier, dimensions)
    tables = [_table(services, inputs, spec, counts, decisions) if spec in carried else
              _later(spec, _title(services, inputs, spec)) for spec in plan]
    statements = {s.id: text_in(s.text, "en") for s in _likert(wave).statements}
    return ReleaseDocument(
        release_id=release_id, wave_id=wave.wave_id, wave_title=text_in(wave.title, "en"),
        questionnaire_id=wave.questionnaire.id, stage=stage, version=version, cutoff=cutoff.replace(tzinfo=dt.UTC),
        made_at=now.astimezone(dt.UTC), responses=decisions.of(total).value or 0,
        baseline_id=inputs.baseline.wave_id if inputs.baseline else None,
        previous_wave_id=inputs.previous.wave_id if inputs.previous else None, tables=tables, check=check,
        statements=statements, supersedes=supersedes, correction_note=note,
        responses_hidden=_reason(decisions.of(total).rule) if decisions.of(total).value is None else None)


def _likert(wave: Wave) -> Likert:
    likert = wave.questionnaire.likert()
    if likert is None:
        raise AnalysisError("wave_id", f"{wave.wave_id}'s questionnaire has no Likert question to publish")
    return likert


def _can_make(inputs: Inputs, spec: TableSpec) -> bool:
    """A table comparing with a wave that is not there (no previous wave yet) is left out of the release."""
    if spec.kind == "cohort":
        return inputs.previous is not None
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
    if spec.kind == "cohort" and inputs.pairs is not None:
        return cohort_counts(inputs, spec, inputs.pairs)
    if spec.kind == "themes":
        return theme_counts(services, inputs, spec)
    return []


def _published_cells(services: Services, inputs: Inputs, document: ReleaseDocument
                     ) -> list[tuple[Count, int | None, str | None]]:
    """An earlier release's counts with the value it published and why it hid one (its tables' specs counted
    again: the cells, not their values, are what is needed). A release of the previous wave gives the counts of
    that wave's own rows (its comparisons with the wave before it, its sources and pairs are about rows this
    release is not made from)."""
    view = inputs
    if document.wave_id != inputs.wave.wave_id:
        wave = services.waves.get(document.wave_id)
        if wave is None:
            return []
        view = replace(inputs, wave=wave, previous=None, pairs=None, sources=())
    out: list[tuple[Count, int | None, str | None]] = []
    for table in document.tables:
        if not table.rows or (view is not inputs and table.spec.level == "source"):
            continue
        rows = {tuple(str(r.get(k)) for k in ("area_code", "statement_id", "theme_id") if k in r): r
                for r in table.rows}
        for count in _counts(services, view, table.spec):
            row = rows.get(tuple(v for _, v in count.row))
            if row is not None:
                value, reason = _shown(row, count)
                out.append((count, value, reason))
    total = Count("summary", (("wave_id", document.wave_id),), "responses", 0, document.wave_id)
    shown = document.responses_hidden is None
    return [*out, (total, document.responses if shown else None, document.responses_hidden)]


def _shown(row: dict[str, Any], count: Count) -> tuple[int | None, str | None]:
    """What a published row showed of a count, and why not when hidden: the compared wave's base and the agreeing
    count its share was made of are in its `baseline_` columns."""
    if "~" not in count.table_id:
        value = row.get(count.column)
    elif count.column == "n_valid":
        value = row.get("baseline_n_valid")
    else:  # n_agree: the published share times the published base, a published count itself
        base, share = row.get("baseline_n_valid"), row.get("baseline_share_agree")
        value = None if base is None or share is None else round(base * share)
    column = count.column if "~" not in count.table_id else f"baseline_{count.column}"
    return value, (row.get(HIDDEN_COLUMNS, {}).get(column, "small") if value is None else None)


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
        title, note = _compare_title(services, inputs, spec, other)
        return ReleaseTable(spec, title, compared, short_title(other) if other else None, list(frame.columns),
                            _rows(frame, mine, decisions), note)
    if spec.kind in ("reach", "tracker"):
        labels = _labels(services, inputs, spec.level)
        frame = reach_table(inputs, spec, mine, decide, lads=services.areas.lads, census=services.areas.census,
                            labels=labels, threshold=services.settings.small_number_threshold)
        return ReleaseTable(spec, _reach_title(inputs, spec), None, None, list(frame.columns),
                            _rows(frame, mine, decisions), "")
    if spec.kind == "cohort" and inputs.previous is not None:
        frame = cohort_table(inputs, mine, decide)
        then = short_title(inputs.previous)
        return ReleaseTable(spec, _title(services, inputs, spec), inputs.previous.wave_id, then, list(frame.columns),
                            _rows(frame, mine, decisions),
                            "Each pair is one child's answers in both waves (the same return code). p_value: a "
                            "two-sided sign test on the published numbers improved and worse.")
    if spec.kind == "themes":
        frame = theme_table(services, inputs, mine, decide, _area_labels(services, spec.level))
        return ReleaseTable(spec, _themes_title(inputs, spec), None, None, list(frame.columns),
                            _rows(frame, mine, decisions), THEMES_NOTE)
    return _later(spec, _title(services, inputs, spec), "This table is not made yet.")


HIDDEN_COLUMNS = "hidden_columns"  # in a row with a hidden count: each hidden column -> its reason


def _rows(frame: pl.DataFrame, counts: list[Count], decisions: Decisions) -> list[dict[str, object]]:
    """The rows as published: `hidden` the reason of the row's first hidden count, and `hidden_columns` the
    reason of each (a count of the wave compared with is its `baseline_` column)."""
    by_row: dict[tuple[str, ...], dict[str, str]] = {}
    for count in counts:
        decision = decisions.of(count)
        if decision.value is None:
            column = count.column if "~" not in count.table_id else f"baseline_{count.column}"
            by_row.setdefault(tuple(v for _, v in count.row), {})[column] = _reason(decision.rule) or "small"
    rows = []
    for row in frame.to_dicts():
        key = tuple(str(row[k]) for k in ("area_code", "statement_id", "theme_id") if k in row)
        hidden = by_row.get(key, {})
        rows.append({**{k: _reason(v) if k == "hidden" else v for k, v in row.items()},
                     **({HIDDEN_COLUMNS: hidden} if hidden else {})})
    return rows


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


def _reason(rule: str | None) -> str | None:
    """The reason a reader is given (HIDDEN_REASONS' key) for the rule that hid a count."""
    from analytics.outputcheck import REASONS

    return None if rule is None else REASONS.get(rule, "complement")


def _compare_title(services: Services, inputs: Inputs, spec: TableSpec, other: Wave | None) -> tuple[str, str]:
    """The title says what is compared with what: against an aggregate baseline that did not cover every area
    (Kent's 2019 survey, not Medway), the covered areas' families against it and the others apart."""
    info, lads = services.areas.info, services.areas.lads
    now = short_title(inputs.wave)
    then = short_title(other) if other else ""
    by = "" if spec.level == "all" else f", by {_LEVEL_WORDS.get(spec.level, spec.level)}"
    if other is None or other.kind != "aggregate" or not info.baseline_excludes:
        scope = f"{info.baseline_scope} " if other is not None and other.kind == "aggregate" else ""
        return f"How families answered, {now}{by}, compared with {scope}{then}", ""
    apart = lads.filter(pl.col("lad_code").is_in(list(info.baseline_excludes)))
    covered = lads.filter(~pl.col("lad_code").is_in(list(info.baseline_excludes)))
    inside = " and ".join(dict.fromkeys(covered["utla_name" if "utla_name" in lads.columns else "lad_name"]))
    outside = " and ".join(apart["lad_name"].to_list())
    return (f"How families answered, {now}{by}: {inside} families compared with {info.baseline_scope} {then}, "
            f"{outside} shown apart",
            f"{inside} only: the {then} survey did not cover {outside}, so {outside}'s figures are shown with no "
            f"comparison with {then}." + (" The all-families row holds every family, so it is not compared either."
                                          if spec.level == "all" else ""))


def _later(spec: TableSpec, title: str, note: str = HIDDEN_REASONS["interim"].capitalize() + ".") -> ReleaseTable:
    """A planned table this release does not show: its title, no rows, and why."""
    return ReleaseTable(spec, title, None, None, [], [], note)


def _title(services: Services, inputs: Inputs, spec: TableSpec) -> str:
    if spec.kind == "compare":
        return _compare_title(services, inputs, spec, compared_wave(inputs, spec))[0]
    if spec.kind == "cohort" and inputs.previous is not None:
        return f"How the same families' answers changed, {short_title(inputs.previous)} to {short_title(inputs.wave)}"
    return _reach_title(inputs, spec)


def encode_draft(document: ReleaseDocument) -> str:
    return msgspec.json.encode(document).decode()
