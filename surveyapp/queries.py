"""Every action on the data, once: the API's handlers, the CLI (when it opens the file itself) and the board
report all call these functions, and nothing is serialised and parsed back inside one process.

Waves: `list_waves`, `questionnaire`, `create_wave`, `set_wave_state`. Outreach sources: `create_source`,
`list_sources`, `rename_source`, `retire_source`, `source_qr`, `source_poster`. Data out: `export`, `dictionary`,
`backup`. Analyses: `compare`, `cohort`, `reach_of` (or `analyse` with an `AnalysisRequest`). The board pack:
`report_inputs`, then `surveyapp.report`. Restoring a backup needs the service stopped, so it is
`surveyapp.store.restore`, called by the CLI alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import polars as pl

from analytics.areas import ARRIVAL_LEVELS
from analytics.disclosure import PUBLICATION_SAFE
from surveyapp.services import Services, WaveNotFound
from surveyapp.sources import Source, SourceError
from surveyapp.views import BackupOut, QuestionnaireOut, SourceOut, WaveOut, questionnaire_out, wave_out
from surveyapp.wavestate import Wave, WaveError, WaveState
from waves.model import Likert, MultipleChoice, SingleChoice, Text, WaveDefinition

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surveyapp.export import Column, Filter
    from surveyapp.report import ReportInputs

FIXED_LEVELS = ("all", "lad", "district")
ARRIVAL = ARRIVAL_LEVELS  # how a response arrived: the outreach source it came through, and its channel
DISTRICT_SOURCE = "Census 2021 usual residents by postcode district, all ages"
DISTRICT_CHILDREN_SOURCE = ("area pack: children aged 0-17 by postcode district, estimated (each LAD's children "
                            "0-17 x the district's share of the LAD's residents)")


class AnalysisError(ValueError):
    """A request for an analysis that cannot be made; names the parameter and how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass
class Result:
    kind: str
    frame: pl.DataFrame
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # further tables (the tracker's daily series)


def _levels(wave: Wave) -> list[str]:
    singles = [q for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    broad = [f"{q.id}_broad" for q in singles if any(o.group for o in q.options)]
    multiples = [q.id for q in wave.questionnaire.questions if isinstance(q, MultipleChoice)]
    return [*FIXED_LEVELS, *ARRIVAL, *(q.id for q in singles), *broad, *multiples]


def _overlap(wave: Wave, by: str) -> list[str]:
    """The note a breakdown by a multiple-choice question needs: its rows overlap."""
    if not isinstance(wave.questionnaire.question(by), MultipleChoice):
        return []
    return [f"{by} is multiple choice: a response counts in every option it chose, so the rows overlap and do "
            "not add up to the total; compare each row with the others, not with their sum."]


Filters = list[tuple[str, tuple[str, ...]]]


def _filters(wave: Wave, filters: Sequence[str]) -> Filters:
    """`<question>:<option>[,<option>]` filters checked against the wave's questions (AnalysisError names
    `filter`), in one order, each option once."""
    if not filters:
        return []
    from surveyapp.export import ExportError, columns_of, parse_filter

    columns = columns_of([wave.questionnaire])
    try:
        parsed = [parse_filter(f, columns) for f in filters]
    except ExportError as exc:
        raise AnalysisError(exc.field, exc.message) from exc
    return sorted({(f.question_id, tuple(sorted(f.option_ids))) for f in parsed})


def _filter_text(filters: Filters) -> list[str]:
    return [f"{question}:{','.join(options)}" for question, options in filters]


def _filter_note(filters: Filters) -> list[str]:
    if not filters:
        return []
    said = "; and ".join(f"{question} is {' or '.join(options)}" for question, options in filters)
    return [f"Filtered: only responses where {said} (for a multiple-choice question: chose at least one of "
            "them). Filtered counts are cells of their own, rounded by the responses in them."]


def _check_level(wave: Wave, by: str) -> None:
    levels = by.split(",")
    if len(levels) == 2 and levels[0] != levels[1] and "all" not in levels and \
            sum(level.endswith("_broad") for level in levels) < 2 and all(lv in _levels(wave) for lv in levels):
        return
    if by not in _levels(wave):
        raise AnalysisError("by", f"use one of {', '.join(_levels(wave))}, or two of them for a two-way table, "
                                  "e.g. by=lad,ethnic_group_broad")


def _two_way(services: Services, wave: Wave, frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """A two-way table's rows with a column per level (named after it) holding its code, after area_code, and
    area_name "Thanet, White"; other tables as they are."""
    from analytics.areas import area_names

    levels = by.split(",")
    if len(levels) != 2 or "area_code" not in frame.columns:
        return frame
    codes = pl.col("area_code").str.split_exact("|", 1)
    split = frame.with_columns(codes.struct.field("field_0").alias(levels[0]),
                               codes.struct.field("field_1").alias(levels[1]))
    names = [area_names(pl.col(level), level, lads=services.areas.lads, labels=_labels(services, wave, level))
             for level in levels]
    order = list(frame.columns)
    at = order.index("area_code") + 1
    return split.with_columns(area_name=pl.concat_str(names, separator=", ")).select(
        [*order[:at], *levels, *order[at:]])


def _groups(wave: Wave, by: str) -> dict[str, str] | None:
    """For `<question>_broad`, each option of the question -> its group (itself when it has none); for a
    two-way level, those of its `_broad` level."""
    if "," in by:
        return next((found for level in by.split(",") if (found := _groups(wave, level)) is not None), None)
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    if not by.endswith("_broad") or wave.questionnaire.question(by) is not None or \
            not isinstance(question, SingleChoice):
        return None
    return {o.id: o.group or o.id for o in question.options}


def _district_parents(services: Services) -> dict[str, str]:
    """Every postcode district of the area pack (those around the area too) with the LAD compare shows it under
    (out_of_area for one outside the area), and unknown (no postcode)."""
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    districts = services.areas.districts
    parents = {d: (lad if inside else OUT_OF_AREA) for d, lad, inside in
               zip(districts["postcode_district"], districts["lad_code"], districts["in_area"], strict=True)}
    return {**parents, UNKNOWN: UNKNOWN}


def _codes_of(services: Services, wave: Wave, level: str) -> list[str] | None:
    """Every code a compare row of this level can have, or None when they cannot all be listed (two-way tables
    with postcode districts). By district: every district of the area pack; a district beyond it (SW1A) is still
    shown only when answered from."""
    from analytics.areas import NOT_ANSWERED
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    if level == "lad":
        return [*services.areas.lads["lad_code"].to_list(), OUT_OF_AREA, UNKNOWN]
    if level == "district":
        return list(_district_parents(services))
    if level in ARRIVAL:
        return _arrival_codes(services, level, [wave.wave_id])
    question = wave.questionnaire.question(level.removesuffix("_broad"))
    groups = _groups(wave, level)
    if groups is not None:
        return [*sorted(set(groups.values())), NOT_ANSWERED]
    if isinstance(question, SingleChoice | MultipleChoice):
        return [*(o.id for o in question.options), NOT_ANSWERED]
    return None


def _every_group(services: Services, wave: Wave, by: str) -> list[str]:
    """The codes of every row compare shows by `by`, answered or not, so that a hidden row's presence never says
    "at least one" (a pair's code, `lad|religion`, for a two-way table); none for `all` or postcode districts."""
    if by == "all":
        return []
    if "," in by and "district" in by.split(","):
        return []  # a district beyond the pack is shown as itself: its pairs cannot all be listed
    levels = [_codes_of(services, wave, level) for level in by.split(",")]
    if any(codes is None for codes in levels):
        return []
    codes = [c for c in levels if c is not None]  # none is None (checked above): for the type checker
    if len(codes) == 1:
        return codes[0]
    first, second = codes
    return [f"{a}|{b}" for a in first for b in second]


def _labels(services: Services, wave: Wave, by: str) -> dict[str, str]:
    from analytics.areas import CHANNEL_NAMES

    if by in ARRIVAL:
        return services.sources.names() if by == "source" else dict(CHANNEL_NAMES)
    if by == "utla":
        lads = services.areas.lads
        return dict(zip(lads["utla_code"].to_list(), lads["utla_name"].to_list(), strict=True))
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    labels = {}
    if isinstance(question, SingleChoice | MultipleChoice):
        labels = {o.id: o.text["en"] for o in question.options}
    census = services.areas.census.filter(pl.col("variable") == by)
    labels.update(zip(census["option_id"].to_list(), census["census_label"].to_list(), strict=True))
    return labels


def _response_wave(services: Services, wave_id: str, field: str) -> Wave:
    wave = services.waves.get(wave_id)
    if wave is None:
        raise AnalysisError(field, f"there is no wave {wave_id!r}")
    if wave.kind != "responses":
        raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose a wave with responses")
    return wave


def compare(services: Services, wave_id: str, *, baseline_id: str | None = None, by: str = "all",
            weighted: bool = False, filters: Sequence[str] = (), targets: str = "children") -> Result:
    """The wave's Q7 answers by area or group (by a multiple-choice question: a response in every option it
    chose), against the baseline; `filters` (`<question>:<option>[,<option>]`, all must hold) keep some
    responses, of both waves when the baseline has responses."""
    wave = _response_wave(services, wave_id, "wave")
    baseline_id = baseline_id or next((w.wave_id for w in services.waves.all() if w.kind == "aggregate"), wave_id)
    baseline = services.waves.get(baseline_id)
    if baseline is None:
        raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
    _check_level(wave, by)
    kept = _filters(wave, filters)
    from analytics.compare import COUNTS_SCHEMA, compare_waves  # the analytics load with the first analysis
    from analytics.disclosure import round_answer_counts, round_response_counts
    from analytics.scale import Scale
    from analytics.weighting import EHC_TARGETS, TARGETS, cell_weights, lad_targets, weigh_counts
    from surveyapp.store.frames import aggregate_counts, answer_counts, lad_cells
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    if targets not in TARGETS:
        raise AnalysisError("targets", f"use one of {', '.join(TARGETS)}")
    if targets == EHC_TARGETS and services.ehc_plans is None:
        raise AnalysisError("targets", "EHC plan targets need the DfE caseload: set SURVEYAPP_EHC_PLANS, or use "
                                       "targets=children")
    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(wave.questionnaire)
    waves = [wave_id] if baseline.kind == "aggregate" else list(dict.fromkeys([wave_id, baseline_id]))
    counts = answer_counts(services.store, waves, question_id=scale.question_id, by=by, groups=_groups(wave, by),
                           per_lad=weighted, filters=kept)
    counts = round_answer_counts(services.disclosure, counts)  # every figure below comes from rounded counts
    if weighted:
        cells = round_response_counts(services.disclosure, lad_cells(services.store, waves, kept), by="lad",
                                      count="n", code="lad_code")
        lads = services.areas.lads
        weights = cell_weights(cells.drop("n_true", strict=False), lads, targets=lad_targets(
            lads, services.ehc_plans if targets == EHC_TARGETS else None))
        weighed = weigh_counts(counts, weights, keys=[c for c in COUNTS_SCHEMA if c != "n"])
        # The count columns of a weighted row are the in-area answers, a cell of their own rounded afresh (a sum
        # of the LADs' rounded cells would give the hidden LADs' rounded counts away by subtraction).
        if "n_true" in weighed.columns:
            counts = round_answer_counts(services.disclosure, weighed.rename({"n": "weight_n", "n_true": "n"})
                                         .with_columns(lad_code=pl.lit("in-area"))).drop("lad_code")
        else:
            counts = weighed
    baseline_counts = aggregate_counts(services.store, baseline_id) if baseline.kind == "aggregate" else counts
    parents = _district_parents(services) if by == "district" else None
    every = list(parents) if parents is not None else _every_group(services, wave, by) if by != "lad" else []
    if parents is not None and weighted:  # weighted tables leave out-of-area and unknown responses out
        every = [code for code in every if parents[code] not in (OUT_OF_AREA, UNKNOWN)]
    frame = compare_waves(counts, baseline_counts, wave_id=wave_id, baseline_id=baseline_id, by=by,
                          threshold=threshold, lads=services.areas.lads, labels=_labels(services, wave, by),
                          every_lad=True, every=every, every_parent=parents, scale=scale)
    frame = _say_what_is_compared(services, _two_way(services, wave, frame, by), wave, baseline, by)
    notes = [PUBLICATION_SAFE, *_filter_note(kept), *(n for level in by.split(",") for n in _overlap(wave, level))]
    if baseline.kind == "aggregate" and by != "all":
        notes.append(f"The {baseline_id} baseline has no breakdown by {by}: every row is compared with its "
                     "county-wide figure (baseline_area_code all), so a row's change mixes the difference "
                     "between areas or groups with change over time.")
    if baseline.kind == "aggregate" and kept:
        notes.append(f"The {baseline_id} baseline is published counts and cannot be filtered: the filter applies "
                     f"to {wave_id} alone, so a change mixes the filtered group's difference with change over time.")
    if weighted:
        notes.append(_weighting_note(targets))
    return Result("compare", frame, {"wave": wave_id, "baseline": baseline_id, "by": by, "weighted": weighted,
                                     **({"targets": targets} if weighted else {}),
                                     "filter": _filter_text(kept), "threshold": threshold}, notes)


def _weighting_note(targets: str) -> str:
    from analytics.weighting import EHC_TARGETS, MIN_CELL, TRIM_CAP

    population = ("each upper-tier authority's children and young people with an EHC plan (DfE, latest January), "
                  "shared over its LADs by their children aged 0-17" if targets == EHC_TARGETS else
                  "each LAD's children aged 0-17 (ONS mid-2020)")
    return (f"Weighted to {population}. LADs with fewer than {MIN_CELL} responses in a wave are collapsed first "
            f"(pooled within their upper-tier authority, or joined to its LAD with the most responses); weights "
            f"are trimmed at {TRIM_CAP:g} times the mean. Out-of-area and unknown responses are left out.")


_BASELINE_FIGURES = ["baseline_n_valid", "baseline_share_agree", "delta_share_agree", "delta_ci_low", "delta_ci_high",
                     "p_value"]


def _say_what_is_compared(services: Services, frame: pl.DataFrame, wave: Wave, baseline: Wave, by: str
                          ) -> pl.DataFrame:
    """Add `comparison` ("Thanet, Autumn 2026, vs Kent-wide 2019"); rows of areas an aggregate baseline does
    not cover (Medway against Kent's 2019 survey) lose their baseline figures, and the q-values are worked
    out again over the table (Benjamini-Hochberg's family is always one whole table: every area or group at
    one level and every statement, for one wave against one baseline)."""
    from analytics.stats import with_q_values

    info = services.areas.info
    now, then = short_title(wave), short_title(baseline)
    excluded = pl.lit(False)
    place = next((level for level in by.split(",") if level in ("lad", "district")), None)
    if baseline.kind == "aggregate" and place is not None and info.baseline_excludes:
        codes = list(info.baseline_excludes) if place == "lad" else _districts_of(services, info.baseline_excludes)
        excluded = pl.col(place if place in frame.columns else "area_code").is_in(codes)
    county = pl.col("baseline_area_code") == "all"
    scope = info.baseline_scope if baseline.kind == "aggregate" else "all areas,"
    comparison = (
        pl.when(excluded).then(pl.format("{}, {}: not compared ({} did not cover it)", pl.col("area_name"),
                                         pl.lit(now), pl.lit(then)))
        .when(county & (by == "all")).then(pl.lit(f"All responses, {now}, vs {scope} {then}"))
        .when(county).then(pl.format("{}, {}, vs {} {}", pl.col("area_name"), pl.lit(now), pl.lit(scope),
                                     pl.lit(then)))
        .otherwise(pl.format("{}, {}, vs {} {}", pl.col("area_name"), pl.lit(now), pl.col("area_name"), pl.lit(then)))
    )
    marked = frame.with_columns(_excluded=excluded).with_columns(
        *(pl.when(~pl.col("_excluded")).then(pl.col(c)).alias(c) for c in [*_BASELINE_FIGURES, "baseline_area_code"]),
        comparison=comparison,
    ).drop("_excluded", "q_value")
    order = [c for c in frame.columns if c != "q_value"]
    at = order.index("baseline_area_code") + 1
    return with_q_values(marked.select([*order[:at], "comparison", *order[at:]])).select(
        [*order[:at], "comparison", *order[at:-1], "q_value", order[-1]])


def _districts_of(services: Services, lads: tuple[str, ...]) -> list[str]:
    districts = services.areas.districts
    return districts.filter(pl.col("lad_code").is_in(list(lads)) & pl.col("in_area"))["postcode_district"].to_list()


def cohort(services: Services, wave_id: str, *, against: str, filters: Sequence[str] = (), by: str = "all"
           ) -> Result:
    """Same-family change on each Q7 statement between an earlier wave and this one; `filters` keep the
    pairs whose later response passes them; `by` (lad, district, a question) gives one table per area or
    group of the later response, with its columns area_level, area_code and area_name."""
    later = _response_wave(services, wave_id, "wave")
    earlier = _response_wave(services, against, "against")
    _check_level(later, by)
    kept = _filters(later, filters)
    from analytics.cohort import cohort_table, published_exclusions
    from analytics.disclosure import round_exclusions, round_pair_counts
    from analytics.scale import Scale
    from surveyapp.store.frames import answered_statements, cohort_change_counts, cohort_exclusions, wave_sizes

    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(later.questionnaire)
    store, question_id = services.store, scale.question_id
    changes = cohort_change_counts(store, wave_id, against, question_id=question_id, scores=scale.scores,
                                   statements=scale.statements, filters=kept, by=by, groups=_groups(later, by))
    changes = round_pair_counts(services.disclosure, changes, later=wave_id, earlier=against)
    excluded, contents = cohort_exclusions(store, wave_id, against, filters=kept)
    published = published_exclusions(excluded, round_exclusions(services.disclosure, excluded, later=wave_id,
                                                                earlier=against, contents=contents),
                                     threshold=threshold)
    paired = set(changes["statement_id"].to_list())
    candidates = {s.id for w in (later, earlier) for q in [w.questionnaire.question(question_id)]
                  if isinstance(q, Likert) for s in q.statements}
    statements = paired | answered_statements(store, [wave_id, against], question_id=question_id,
                                              candidates=candidates - paired)
    sizes = wave_sizes(store, [wave_id, against])
    later_id, earlier_id = wave_id if sizes[wave_id] else None, against if sizes[against] else None
    if by == "all":
        frame = cohort_table(changes, statements, later_wave_id=later_id, earlier_wave_id=earlier_id,
                             threshold=threshold, excluded=published)
    else:
        frame = _cohort_by(services, later, changes, statements, by, (later_id, earlier_id), threshold, published)
    notes = [PUBLICATION_SAFE, *_filter_note(kept), *(n for level in by.split(",") for n in _overlap(later, level))]
    if by != "all":
        notes.append(f"Families are placed by their {wave_id} answer ({by}); q-values are over the whole table.")
    if kept:
        notes.append(f"The filter is applied to each family's {wave_id} answers.")
    notes.append(_exclusion_note(published, wave_id, threshold))
    return Result("cohort", frame, {"wave": wave_id, "against": against, "by": by, "filter": _filter_text(kept),
                                    "threshold": threshold}, notes)


def _exclusion_note(published: dict[str, int | None], wave_id: str, threshold: int) -> str:
    def said(n: int | None) -> str:
        return f"fewer than {threshold}" if n is None else f"about {n}" if n else "none"

    return (f"Pairs are the same child: a code used once in each wave, or the same child marker under it. Of the "
            f"{wave_id} responses whose code the earlier wave has, {said(published['n_excluded_ambiguous'])} could "
            f"not be told apart (a code used for several children without child markers: n_excluded_ambiguous) "
            f"and {said(published['n_excluded_other_child'])} were about another child "
            f"(n_excluded_other_child); they are left out. p_value is Wilcoxon's signed-rank test without the "
            f"ties (no change, n_ties), p_value_pratt Pratt's, which ranks them; q-values are Benjamini-Hochberg "
            f"over the whole table.")


def _cohort_by(services: Services, later: Wave, changes: pl.DataFrame, statements: set[str], by: str,
               wave_ids: tuple[str | None, str | None], threshold: int,
               excluded: dict[str, int | None]) -> pl.DataFrame:
    """One cohort table per area or group (every LAD of the area pack by lad, every group of the level as
    compare lists them, else those with pairs), one Benjamini-Hochberg family over them all."""
    from analytics.areas import area_names
    from analytics.cohort import COLUMNS, cohort_table, with_cohort_q_values

    codes = list(dict.fromkeys(changes["area_code"].sort().to_list()))
    if by == "lad":
        codes = list(dict.fromkeys([*services.areas.lads["lad_code"].to_list(), *codes]))
    else:  # every group, as compare, so that a hidden group's presence never says a family of it answered twice
        codes = sorted(dict.fromkeys([*_every_group(services, later, by), *codes]))
    parts = [cohort_table(changes.filter(pl.col("area_code") == code).drop("area_code"), statements,
                          later_wave_id=wave_ids[0], earlier_wave_id=wave_ids[1], threshold=threshold,
                          excluded=excluded)
             .with_columns(area_code=pl.lit(code, pl.String)) for code in codes]
    at = COLUMNS.index("statement_id")
    order = [*COLUMNS[:at], "area_level", "area_code", "area_name", *COLUMNS[at:]]
    if not parts:  # no pairs: the columns, no row
        parts = [cohort_table(changes.drop("area_code").clear(), set(), later_wave_id=None, earlier_wave_id=None)
                 .with_columns(area_code=pl.lit(None, pl.String))]
    frame = pl.concat(parts).with_columns(
        area_level=pl.lit(by, pl.String),
        area_name=area_names(pl.col("area_code"), by, lads=services.areas.lads,
                             labels=_labels(services, later, by)))
    return _two_way(services, later, with_cohort_q_values(frame).select(order), by)


def _arrival_codes(services: Services, by: str, waves: Sequence[str]) -> list[str]:
    """Every row reach by source or channel shows, with responses or not: the waves' sources (retired ones too)
    and no_source; or every channel."""
    from analytics.areas import CHANNEL_NAMES, NO_SOURCE

    if by == "channel":
        return list(CHANNEL_NAMES)
    return [*(s.source_id for w in waves for s in services.sources.of_wave(w)), NO_SOURCE]


def _arrival_note(by: str) -> list[str]:
    if by not in ARRIVAL:
        return []
    what = "outreach source" if by == "source" else "channel"
    return [f"By {what}: there is no population figure for how families hear of the survey or send it, so each "
            "row shows its responses and its share of all the wave's responses only (reach_status \"no population "
            "figure\")." + (" no_source: the plain link, the API without a source, or a retired source's link."
                             if by == "source" else "")]


def _pooled_waves(services: Services, wave: Wave, pooled: int) -> list[Wave]:
    """The wave and the responses waves before it, the last `pooled` of them (oldest first)."""
    if pooled < 1:
        raise AnalysisError("pooled", "give how many response waves to pool, 1 or more (e.g. pooled=3)")
    earlier = sorted((w for w in services.waves.all() if w.kind == "responses" and w.opens_on <= wave.opens_on
                      and w.wave_id != wave.wave_id), key=lambda w: (w.opens_on, w.wave_id))
    return [*earlier, wave][-pooled:]


def reach_of(services: Services, wave_id: str, *, by: str = "lad", pooled: int = 1,
             filters: Sequence[str] = ()) -> Result:
    """Who answered, against the population that fits (children 0-17 by LAD; children with EHC plans by ethnic
    group and age, when SURVEYAPP_EHC_PLANS is set; usual residents by postcode district; else Census 2021 all
    ages), and which
    areas or groups are under-reached (exact one-sided binomial tests, Holm-corrected across the table).
    `pooled` > 1 adds up this wave and the response waves before it (the last `pooled`), so that small
    communities can be assessed; the rows are then labelled with the waves pooled (`wave_id` "a+b+c").
    `filters` keep the responses that pass them; by a multiple-choice question a response counts in every
    option it chose, and the shares are of the responses that chose any."""
    wave = _response_wave(services, wave_id, "wave")
    if by == "utla" and "utla_code" not in services.areas.lads.columns:
        raise AnalysisError("by", "the area pack gives no upper-tier authority per LAD (lads.csv utla_code)")
    if by != "utla":  # reach's own level: the upper-tier authority (Kent, Medway)
        _check_level(wave, by)
    kept = _filters(wave, filters)
    if by == "all" or "," in by:
        raise AnalysisError("by", "reach is by one level: lad, district or a question, e.g. ethnic_group, "
                                  "religion (two-way tables are for compare and cohort)")
    from analytics.disclosure import round_response_counts, rounded_total
    from analytics.reach import CENSUS_SOURCE, OUTSIDE_SHARES, expected_shares, reach_from_counts
    from surveyapp.store.frames import CONTENT, response_counts, responses_inside
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    threshold = services.settings.small_number_threshold
    waves = [w.wave_id for w in _pooled_waves(services, wave, pooled)]
    label = "+".join(waves)
    lads = services.areas.lads
    groups = dict(zip(lads["lad_code"], lads["utla_code"], strict=True)) if by == "utla" else _groups(wave, by)
    counts = response_counts(services.store, waves, by=by, groups=groups, filters=kept)
    content = [CONTENT] if kept else []
    if by == "district":  # a district outside the area is out_of_area, as by lad
        inside_codes = services.areas.districts.filter(pl.col("in_area"))["postcode_district"].to_list()
        counts = counts.with_columns(area_code=pl.when(pl.col("area_code").is_in([*inside_codes, UNKNOWN]))
                                     .then(pl.col("area_code")).otherwise(pl.lit(OUT_OF_AREA)))
        counts = counts.group_by("wave_id", "area_code").agg(pl.col("responses").sum(),
                                                             *(pl.col(c).bitwise_xor() for c in content))
    if len(waves) > 1:
        counts = counts.group_by("area_code").agg(pl.col("responses").sum(), *(pl.col(c).bitwise_xor() for c in content)
                                                  ).with_columns(wave_id=pl.lit(label))
    if kept or _overlap(wave, by):  # each response once, however many options it chose
        inside, fingerprint = responses_inside(services.store, waves, by="lad" if by == "district" else by,
                                               outside=OUTSIDE_SHARES, groups=groups, filters=kept)
        total = rounded_total(services.disclosure, label, by, inside, fingerprint if kept else None)
    elif by in ARRIVAL:  # every response has a source (or none) and a channel: the base is the wave's responses
        inside = int(counts["responses"].sum())
        total = services.disclosure.round_value(f"responses|{label}|all|all", inside)
    else:
        inside = int(counts.filter(~pl.col("area_code").is_in(OUTSIDE_SHARES))["responses"].sum())
        # By district and by upper-tier authority, the in-area total and the out-of-area and unknown rows hold
        # the responses they hold by LAD (and Medway, a unitary authority, its LAD's): the same cells, named as
        # by LAD, so that they are rounded once.
        total = rounded_total(services.disclosure, label, "lad" if by in ("district", "utla") else by, inside)
    counts = counts.select("wave_id", "area_code", "responses", *content)
    if by in ("district", "utla") and not kept:
        outside = pl.col("area_code").is_in([OUT_OF_AREA, UNKNOWN, *(lads["lad_code"] if by == "utla" else [])])
        counts = pl.concat([round_response_counts(services.disclosure, counts.filter(~outside), by=by),
                            round_response_counts(services.disclosure, counts.filter(outside), by="lad")])
    else:
        counts = round_response_counts(services.disclosure, counts, by=by)
    columns = services.areas.districts.columns
    # By district: estimated children 0-17 where the pack has them, else all-ages residents, else nothing.
    population = next((c for c in ("children_0_17", "residents") if c in columns), None)
    expected = expected_shares(by, lads=services.areas.lads, census=services.areas.census,
                               ehc_plans=services.ehc_plans)
    if by in ARRIVAL:  # a row for every source (or channel), none with a population figure
        expected = pl.DataFrame({"area_code": _arrival_codes(services, by, waves)}, schema={"area_code": pl.String}
                                ).with_columns(expected_share=pl.lit(None, pl.Float64),
                                               expected_source=pl.lit(None, pl.String))
    if by not in (*ARRIVAL, "lad", "district", "utla"):  # every option has a row, a population figure or not,
        listed = set(expected["area_code"])              # so a hidden row's presence never says "at least one"
        missing = [c for c in _codes_of(services, wave, by) or [] if c not in listed and c not in OUTSIDE_SHARES]
        expected = pl.concat([expected, pl.DataFrame({"area_code": missing}, schema={"area_code": pl.String})],
                             how="diagonal_relaxed")
    if by == "district":
        source = {"children_0_17": DISTRICT_CHILDREN_SOURCE, "residents": DISTRICT_SOURCE}.get(population or "")
        expected = services.areas.districts.filter(pl.col("in_area")).select(
            area_code=pl.col("postcode_district"),
            expected_share=pl.col(population) / pl.col(population).sum() if population else pl.lit(None, pl.Float64),
            expected_source=pl.lit(source, pl.String),
        )
    frame = reach_from_counts(counts, by=by, threshold=threshold, lads=services.areas.lads,
                              census=services.areas.census, labels=_labels(services, wave, by),
                              totals={label: total}, rounding_base=services.disclosure.base, expected=expected)
    notes = [PUBLICATION_SAFE, *_filter_note(kept), *_overlap(wave, by), *_arrival_note(by)]
    if by == "district":
        notes.append({
            "children_0_17": "Expected shares by postcode district are each in-area district's share of the "
                             "children aged 0-17 of the in-area districts, estimated: each LAD's children 0-17 "
                             "(ONS mid-2020) times the district's share of that LAD's usual residents (Census "
                             "2021), summed over the district's parts in Kent and Medway. It assumes children "
                             "live across a LAD as its residents do.",
            "residents": "Expected shares by postcode district are each in-area district's share of usual "
                         "residents (Census 2021, all ages, the whole district), not of children: the area pack "
                         "has no child-age figure by district.",
        }.get(population or "", "The area pack has no population by postcode district, so there are no expected "
                                "shares."))
    sources = sorted({s for s in frame["expected_source"].to_list() if s})
    if sources:
        notes.append("Expected shares: " + "; ".join(sources) + " (each row's expected_source).")
    if any(s == CENSUS_SOURCE for s in sources):
        notes.append("Census 2021 shares cover all ages, not children or families of children with SEND: "
                     "read the ratio as a guide." + ("" if services.ehc_plans is not None else
                     " Set SURVEYAPP_EHC_PLANS to compare ethnic group and age with children with EHC plans."))
    unassessed = frame.filter(pl.col("reach_status") == "cannot yet be assessed")["area_name"].to_list()
    if unassessed:
        notes.append("Cannot yet be assessed (too few expected responses even to show none would be significant): "
                     + ", ".join(unassessed) + ". Pool waves (pooled=3) to assess them.")
    # base: the published (rounded) total the shares are of, already given by responses / response_share
    return Result("reach", frame, {"wave": wave_id, "by": by, "threshold": threshold, "pooled": pooled,
                                   "filter": _filter_text(kept), "base": total}, notes)


def tracker_levels(wave: Wave) -> list[str]:
    """What the tracker can be broken down by: reach's levels (lad, district, a question), source and channel."""
    from surveyapp.tracking import OUTREACH

    return list(dict.fromkeys([*(level for level in _levels(wave) if level != "all"), *OUTREACH]))


def tracker(services: Services, wave_id: str, *, by: str = "lad") -> Result:
    """The live tracker: reach so far by area or group (`reach_of`'s rows, the same tests) with each row's
    shortfall, sorted by it, or responses by outreach `source` or `channel`; and, in `tables["daily"]`,
    responses per UK day by channel and by source. Every count is published through the disclosure layer."""
    from analytics.tracker import with_shortfall
    from surveyapp import tracking

    wave = _response_wave(services, wave_id, "wave")
    if by not in tracker_levels(wave):
        raise AnalysisError("by", f"use one of {', '.join(tracker_levels(wave))}")
    threshold = services.settings.small_number_threshold
    if by in tracking.OUTREACH:
        groups, base, notes = tracking.outreach_groups(services, wave_id, by), None, [PUBLICATION_SAFE]
    else:
        reached = reach_of(services, wave_id, by=by)
        base = int(reached.parameters["base"])
        groups, notes = with_shortfall(reached.frame, total=base, threshold=threshold), reached.notes
    notes = [*notes, *tracking.NOTES]
    return Result("tracker", groups, {"wave": wave_id, "by": by, "threshold": threshold, "base": base,
                                      "updated_at": services.clock().astimezone(dt.UTC).isoformat(timespec="seconds")},
                  notes, tables={"daily": tracking.daily(services, wave)})




# --- Waves -------------------------------------------------------------------------------------------------


def list_waves(services: Services, lang: str = "en") -> list[WaveOut]:
    """Every wave with its status today, oldest first."""
    today = services.today()
    return [wave_out(w, today, lang) for w in services.waves.all()]


def questionnaire(services: Services, wave_id: str, lang: str = "en") -> QuestionnaireOut:
    """The wave's questionnaire with every question, statement and option id, in `lang` where offered."""
    return questionnaire_out(services.wave(wave_id), services.today(), lang)


def create_wave(services: Services, *, wave_id: str, questionnaire_id: str, questionnaire_version: int,
                title: Text, opens_on: dt.date, closes_on: dt.date) -> WaveOut:
    """Add a responses wave of a defined questionnaire; WaveError says what to change."""
    if not title.get("en"):
        raise WaveError('title: give an English title, e.g. {"en": "Spring 2027"}')
    wave = services.waves.create(WaveDefinition(
        id=wave_id, questionnaire=questionnaire_id, questionnaire_version=questionnaire_version, title=title,
        opens=opens_on, closes=closes_on))
    return wave_out(wave, services.today())


def set_wave_state(services: Services, wave_id: str, state: WaveState) -> WaveOut:
    """Open or close a wave now, whatever its dates say (WaveNotFound, or WaveError for the baseline)."""
    services.wave(wave_id)
    return wave_out(services.waves.set_state(wave_id, state), services.today())


# --- Outreach sources -------------------------------------------------------------------------------------

RETIRED_NOTE = ("retired: its link still opens the form, but responses through it are stored without a source "
                "(the responses it brought before keep it)")


def _source_wave(services: Services, wave_id: str) -> Wave:
    wave = services.wave(wave_id)
    if wave.kind != "responses":
        raise SourceError("wave_id", f"{wave_id} holds published counts only and takes no responses; choose a "
                                     "wave families answer", 409)
    return wave


def _source(services: Services, wave_id: str, source_id: str) -> Source:
    _source_wave(services, wave_id)
    source = services.sources.get(source_id)
    if source is None or source.wave_id != wave_id:
        raise SourceError("source_id", f"{wave_id} has no source {source_id[:20]!r}; GET "
                                       f"/api/v1/waves/{wave_id}/sources lists them", 404)
    return source


def source_url(services: Services, source: Source) -> str:
    """The public link of a source (SURVEYAPP_PUBLIC_URL/s/<id>): it opens the wave's form."""
    return f"{services.settings.form_url}/s/{source.source_id}"


def source_counts(services: Services, wave_id: str) -> dict[str, tuple[int | None, str]]:
    """Each source's responses in the wave, rounded as reach by source rounds them (the same cells): source id ->
    (count, or None under the threshold; the count in words)."""
    from analytics.disclosure import round_response_counts

    counted = services.store.frame(
        "SELECT wave_id, source_id AS area_code, count(*) AS responses FROM responses WHERE wave_id = ? "
        "AND source_id IS NOT NULL GROUP BY ALL", [wave_id]).cast({"wave_id": pl.String, "area_code": pl.String,
                                                                  "responses": pl.Int64})
    rounded = round_response_counts(services.disclosure, counted, by="source")
    threshold = services.settings.small_number_threshold
    exact = "responses_true" not in rounded.columns
    shown: dict[str, tuple[int | None, str]] = {}
    for row in rounded.iter_rows(named=True):
        true = row["responses"] if exact else row["responses_true"]
        shown[row["area_code"]] = (None, f"fewer than {threshold}") if true < threshold else \
            (row["responses"], str(row["responses"]))
    return shown


def _source_out(services: Services, source: Source, counts: dict[str, tuple[int | None, str]]) -> SourceOut:
    base = f"/api/v1/waves/{source.wave_id}/sources/{source.source_id}"
    count, band = counts.get(source.source_id, (None, f"fewer than {services.settings.small_number_threshold}"))
    return SourceOut(source.source_id, source.wave_id, source.name, "retired" if source.retired else "active",
                     source_url(services, source), f"{base}/qr.svg", f"{base}/qr.png", f"{base}/poster",
                     source.created_at.replace(tzinfo=dt.UTC),
                     source.retired_at.replace(tzinfo=dt.UTC) if source.retired_at else None, count, band,
                     RETIRED_NOTE if source.retired else "")


def create_source(services: Services, wave_id: str, name: str) -> SourceOut:
    """Register a partner who passes the wave's survey on; its link records it on each response."""
    _source_wave(services, wave_id)
    return _source_out(services, services.sources.create(wave_id, name, services.clock()), {})


def list_sources(services: Services, wave_id: str) -> list[SourceOut]:
    """The wave's sources, oldest first, with their responses so far (rounded, as published)."""
    _source_wave(services, wave_id)
    counts = source_counts(services, wave_id)
    return [_source_out(services, s, counts) for s in services.sources.of_wave(wave_id)]


def rename_source(services: Services, wave_id: str, source_id: str, name: str) -> SourceOut:
    """A new name (its link, and the responses it brought, stay)."""
    source = services.sources.rename(_source(services, wave_id, source_id), name)
    return _source_out(services, source, source_counts(services, wave_id))


def retire_source(services: Services, wave_id: str, source_id: str) -> SourceOut:
    """From now on the source's link still opens the form, but responses are stored without it."""
    source = services.sources.retire(_source(services, wave_id, source_id), services.clock())
    return _source_out(services, source, source_counts(services, wave_id))


def source_qr(services: Services, wave_id: str, source_id: str, kind: Literal["svg", "png"]) -> bytes:
    """The QR code of the source's link, as SVG or PNG."""
    from surveyapp.poster import qr_png, qr_svg

    url = source_url(services, _source(services, wave_id, source_id))
    return qr_svg(url).encode() if kind == "svg" else qr_png(url)


def source_poster(services: Services, wave_id: str, source_id: str) -> str:
    """The source's A4 poster as one HTML page: the QR code, the wave's title, how long it takes, the link
    written out, that it is anonymous, and whom to ask for paper or phone."""
    from surveyapp.poster import Poster, poster_html

    source = _source(services, wave_id, source_id)
    wave = services.wave(wave_id)
    return poster_html(Poster(title=wave.questionnaire.title["en"], wave_title=wave.title["en"],
                              url=source_url(services, source), partner=source.name,
                              contact=services.settings.contact, closes_on=wave.closes_on))


# --- Data out ----------------------------------------------------------------------------------------------

ExportFormat = Literal["csv", "parquet", "xlsx", "sav", "dta"]


def export_waves(services: Services, waves: str | Sequence[str], field: str = "waves") -> list[Wave]:
    """The response waves an export asks for: `all` (every response wave, oldest first), or wave ids, given
    as a list or comma-separated, in that order. AnalysisError names `field` for an unknown or aggregate one."""
    ids = [w.strip() for w in waves.split(",")] if isinstance(waves, str) else list(waves)
    ids = [w for w in dict.fromkeys(ids) if w]
    if ids == ["all"]:
        found = [w for w in services.waves.all() if w.kind == "responses"]
        if not found:
            raise AnalysisError(field, "there is no wave with responses yet")
        return found
    if not ids or "all" in ids:
        raise AnalysisError(field, "use all on its own, or wave ids separated by commas, e.g. "
                                   "waves=2026-autumn,2027-spring")
    chosen = []
    for wave_id in ids:
        wave = services.waves.get(wave_id)
        if wave is None:
            known = ", ".join(w.wave_id for w in services.waves.all() if w.kind == "responses")
            raise AnalysisError(field, f"there is no wave {wave_id!r}; use all, or some of {known}")
        if wave.kind != "responses":
            raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose waves with responses")
        chosen.append(wave)
    return chosen


def _export_parts(services: Services, waves: str | Sequence[str], filters: Sequence[str],
                  field: str) -> tuple[list[Wave], list[Column], list[Filter]]:
    from surveyapp.export import ExportError, columns_of, parse_filter

    chosen = export_waves(services, waves, field)
    try:
        columns = columns_of({w.questionnaire.key: w.questionnaire for w in chosen}.values())
        return chosen, columns, [parse_filter(f, columns) for f in filters]
    except ExportError as exc:
        raise AnalysisError(exc.field, exc.message) from exc


@dataclass
class ExportTable:
    """Responses as the exports hold them: the rows, the columns that describe them, the waves they are from."""

    frame: pl.DataFrame
    columns: list[Column]
    wave_ids: list[str]


def export_table(services: Services, waves: str | Sequence[str], *, filters: Sequence[str] = (),
                 field: str = "waves") -> ExportTable:
    """The responses of the waves (`all` or ids), stacked, one row per response, filtered by
    `<question>:<option>[,<option>]` (all must hold), with the columns that describe them."""
    from surveyapp.export import export_frame

    chosen, columns, parsed = _export_parts(services, waves, filters, field)
    ids = [w.wave_id for w in chosen]
    return ExportTable(export_frame(services.store, ids, columns, services.areas, parsed), columns, ids)


def export(services: Services, waves: str | Sequence[str], fmt: ExportFormat, *, filters: Sequence[str] = (),
           field: str = "waves") -> bytes:
    """The waves' responses, one row per response, as CSV, Parquet (dictionary in its metadata), XLSX, SPSS
    or Stata (labelled); the same columns whether one wave or several."""
    from surveyapp.export import serialise

    table = export_table(services, waves, filters=filters, field=field)
    return serialise(table.frame, table.columns, fmt, title=f"surveyapp responses: {', '.join(table.wave_ids)}")


def dictionary(services: Services, waves: str | Sequence[str], field: str = "waves") -> pl.DataFrame:
    """The export's data dictionary: each column's question, wording, values, codes and names in SPSS and
    Stata."""
    from surveyapp.export import dictionary_frame

    return dictionary_frame(_export_parts(services, waves, (), field)[1])


def backup_name(now: dt.datetime) -> str:
    """A backup's file name: to the microsecond, so two backups in one second never collide."""
    return f"surveyapp-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S.%f}.duckdb"


def backup(services: Services, out: Path | None = None) -> BackupOut:
    """A consistent copy of the database (while serving, too), by default under <data dir>/backups/, with the
    return-code key it needs beside it (`<backup>.return-code.key`, 0600): restoring one without the other
    would leave the codes in it unlinkable. A full disk raises StorageFull; nothing unfinished is left."""
    target = out or services.settings.data_dir / "backups" / backup_name(dt.datetime.now(dt.UTC))
    path = services.store.backup(target, key=services.settings.secret_key_path)
    responses = int(services.store.rows("SELECT count(*) FROM responses")[0][0])
    return BackupOut(str(path), responses)


# --- Analyses by request -----------------------------------------------------------------------------------

AnalysisKind = Literal["compare", "cohort", "reach"]


class AnalysisRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One analysis as the API's query string or the CLI's options ask for it."""

    kind: AnalysisKind
    wave: str
    baseline: str | None = None  # compare
    by: str | None = None  # compare and cohort (default all), reach (default lad)
    weighted: bool = False  # compare
    targets: str = "children"  # compare, weighted: children (0-17 by LAD) or ehc_plans (EHC plans by authority)
    against: str | None = None  # cohort
    pooled: int = 1  # reach: the last N response waves added up
    filters: tuple[str, ...] = ()  # all: `<question>:<option>[,<option>]`, all must hold

    def query(self) -> list[tuple[str, str]]:
        """The request as the API's query parameters (`filter` repeated)."""
        params = {"baseline": self.baseline, "by": self.by, "against": self.against,
                  "weighted": "true" if self.weighted else None,
                  "targets": self.targets if self.targets != "children" else None,
                  "pooled": str(self.pooled) if self.pooled != 1 else None}
        return [(k, v) for k, v in params.items() if v is not None] + [("filter", f) for f in self.filters]

    def name(self) -> str:
        """A file name stem: `<wave>-<kind>-<by or against>`."""
        what = self.by or ("lad" if self.kind == "reach" else "all")
        if self.kind == "cohort":
            what = f"{self.against}" + ("" if what == "all" else f"-{what}")
        return f"{self.wave}-{self.kind}-{what}"


def analyse(services: Services, request: AnalysisRequest) -> Result:
    """Run the analysis a request names."""
    services.wave(request.wave)
    if request.kind == "compare":
        return compare(services, request.wave, baseline_id=request.baseline, by=request.by or "all",
                       weighted=request.weighted, filters=request.filters, targets=request.targets)
    if request.kind == "cohort":
        if not request.against:
            raise AnalysisError("against", "name the earlier wave to pair the same families with, "
                                           "e.g. against=2026-spring")
        return cohort(services, request.wave, against=request.against, filters=request.filters,
                      by=request.by or "all")
    return reach_of(services, request.wave, by=request.by or "lad", pooled=request.pooled, filters=request.filters)


# --- The board report --------------------------------------------------------------------------------------

REACH_LEVELS = ("lad", "utla", "ethnic_group_broad", "religion")  # utla: Kent and Medway, when the pack has it


def short_title(wave: Wave) -> str:
    """A title that reads well inside a sentence or on an axis ("Autumn 2026"; "2019" for the baseline, so
    titles say "than in 2019")."""
    if wave.kind == "aggregate":
        year = re.search(r"\d{4}", wave.wave_id)
        return year.group(0) if year else "the baseline"
    match = re.fullmatch(r"(\d{4})-([a-z]+)", wave.wave_id)
    return f"{match.group(2).title()} {match.group(1)}" if match else wave.title["en"]


def report_inputs(services: Services, wave_id: str, baseline_id: str | None = None) -> ReportInputs:
    """What the board report shows: compare for every wave so far (overall) and for this one by LAD, reach by
    LAD and by equality group, and the cohort against the wave before."""
    wave = _response_wave(services, wave_id, "wave")
    waves = services.waves.all()
    if baseline_id is None:
        baseline = next((w for w in waves if w.kind == "aggregate"), None)
        if baseline is None:
            raise AnalysisError("baseline", "there is no aggregate baseline; name a wave to compare with")
    else:
        found = services.waves.get(baseline_id)
        if found is None:
            raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
        baseline = found
    if baseline.wave_id == wave_id:
        raise AnalysisError("baseline", "choose an earlier wave than the one the report is about")
    from surveyapp.store.frames import aggregate_counts, wave_sizes

    earlier = [w for w in waves if w.kind == "responses" and w.opens_on <= wave.opens_on and w.wave_id != wave_id]
    stored = wave_sizes(services.store, [w.wave_id for w in earlier])
    # the response waves before this one that have responses (an empty wave has nothing to compare with)
    before = sorted((w for w in earlier if stored[w.wave_id]), key=lambda w: (w.opens_on, w.wave_id))
    order = [baseline, *(w for w in before if w.wave_id != baseline.wave_id), wave]
    responses = [w.wave_id for w in order if w.kind == "responses" and w is not baseline]
    overall = pl.concat([compare(services, w, baseline_id=baseline.wave_id, by="all").frame for w in responses])
    # Once an earlier response wave exists, areas are compared wave on wave (like with like); before that,
    # with the baseline, each row saying what it is compared with.
    area_baseline = before[-1].wave_id if before else baseline.wave_id
    by_area = compare(services, wave_id, baseline_id=area_baseline, by="lad").frame
    if by_area.is_empty():
        scale_question = wave.questionnaire.likert()
        raise AnalysisError("wave", f"{wave_id} has no answers to "
                            f"{scale_question.id if scale_question else 'its Likert question'} yet, so there is "
                            "nothing to report; make the report once responses have arrived")
    levels = [lv for lv in REACH_LEVELS if lv in _levels(wave)
              or (lv == "utla" and "utla_code" in services.areas.lads.columns)]
    reach = pl.concat([reach_of(services, wave_id, by=level).frame for level in levels])
    cohort_frame = cohort(services, wave_id, against=before[-1].wave_id).frame if before else None
    from analytics.scale import Scale
    from surveyapp.report import ReportInputs  # Altair and its renderer load only when a report is made

    counted_waves = [w.wave_id for w in order if w.kind == "responses"]
    sizes = wave_sizes(services.store, counted_waves)
    totals = {w: services.disclosure.round_value(f"responses|{w}|all|all", sizes[w]) for w in counted_waves}
    scale = Scale.for_questionnaire(wave.questionnaire)
    if baseline.kind == "aggregate":  # a published survey: families who answered its question, as published
        counted = aggregate_counts(services.store, baseline.wave_id)
        answered = counted.filter(pl.col("area_level") == "all").group_by("statement_id").agg(pl.col("n").sum())
        totals[baseline.wave_id] = max([int(n) for n in answered["n"].to_list()], default=0)
        # "How families answered" shows the baseline's own answers beside this wave's (statements asked in both)
        from analytics.compare import compare_waves

        own = compare_waves(counted, counted, wave_id=baseline.wave_id, baseline_id=baseline.wave_id, by="all",
                            threshold=services.settings.small_number_threshold, scale=scale)
        asked = overall["statement_id"].unique().to_list()
        own = own.filter(pl.col("statement_id").is_in(asked)).with_columns(
            comparison=pl.lit(f"{services.areas.info.baseline_scope} {short_title(baseline)}, as published"))
        overall = pl.concat([own.select(overall.columns), overall])

    return ReportInputs(wave_id=wave_id, baseline_id=baseline.wave_id,
                        wave_order=tuple(w.wave_id for w in order),
                        wave_titles={w.wave_id: short_title(w) for w in order}, overall=overall,
                        by_area=by_area, reach=reach, cohort=cohort_frame,
                        scale=scale, tiles=services.areas.tiles,
                        area_baseline_id=area_baseline, totals=totals, published_baseline=baseline.kind == "aggregate",
                        attribution=services.areas.attribution, pack_info=services.areas.info)


__all__ = ["AnalysisError", "AnalysisRequest", "ExportTable", "Result", "SourceError", "WaveError", "WaveNotFound",
           "analyse", "backup", "cohort", "compare", "create_source", "create_wave", "dictionary", "export",
           "export_table", "export_waves", "list_sources", "list_waves", "questionnaire", "reach_of",
           "rename_source", "report_inputs", "retire_source", "set_wave_state", "source_poster", "source_qr",
           "tracker"]
