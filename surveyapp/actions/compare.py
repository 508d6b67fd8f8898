"""Compare: a Likert question by area or group against a baseline wave, exact statistics, published counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analytics.disclosure import INTERNAL, INTERNAL_FIGURES
from surveyapp.actions.levels import (
    AnalysisError,
    Breakdown,
    Filters,
    Result,
    filter_note,
    filter_text,
    parse_filters,
    response_wave,
    short_title,
)
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

if TYPE_CHECKING:
    from collections.abc import Sequence


def compare(services: Services, wave_id: str, *, baseline_id: str | None = None, by: str = "all",
            weighted: bool = False, filters: Sequence[str] = (), targets: str = "children") -> Result:
    """The wave's Q7 answers by area or group (by a multiple-choice question: a response in every option it
    chose), against the baseline; `filters` (`<question>:<option>[,<option>]`, all must hold) keep some
    responses, of both waves when the baseline has responses."""
    wave = response_wave(services, wave_id, "wave")
    baseline_id = baseline_id or next((w.wave_id for w in services.waves.all() if w.kind == "aggregate"), wave_id)
    baseline = services.waves.get(baseline_id)
    if baseline is None:
        raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
    breakdown = Breakdown.parse(services, wave, by)
    kept = parse_filters(wave, filters)
    from analytics.compare import compare_waves  # the analytics load with the first analysis
    from analytics.scale import Scale
    from analytics.weighting import EHC_TARGETS, TARGETS
    from surveyapp.store.frames import aggregate_counts

    if targets not in TARGETS:
        raise AnalysisError("targets", f"use one of {', '.join(TARGETS)}")
    if targets == EHC_TARGETS and services.ehc_plans is None:
        raise AnalysisError("targets", "EHC plan targets need the DfE caseload: set SURVEYAPP_EHC_PLANS, or use "
                                       "targets=children")
    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(wave.questionnaire)
    waves = [wave_id] if baseline.kind == "aggregate" else list(dict.fromkeys([wave_id, baseline_id]))
    counts = _counts(services, waves, scale.question_id, breakdown, kept, targets if weighted else None)
    baseline_counts = aggregate_counts(services.store, baseline_id) if baseline.kind == "aggregate" else counts
    frame = compare_waves(counts, baseline_counts, wave_id=wave_id, baseline_id=baseline_id, by=by,
                          threshold=threshold, lads=services.areas.lads, labels=breakdown.labels,
                          every_lad=True, every=_every_row(breakdown, weighted), every_parent=breakdown.parents,
                          scale=scale, internal=True)
    frame = _say_what_is_compared(services, breakdown.with_level_columns(frame, services.areas.lads), wave, baseline,
                                  breakdown)
    notes = [INTERNAL_FIGURES, *filter_note(kept), *breakdown.overlap_notes]
    if baseline.kind == "aggregate" and not breakdown.is_one("all"):
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
                                     "filter": filter_text(kept), "threshold": threshold}, notes,
                  classification=INTERNAL)


def _counts(services: Services, waves: list[str], question_id: str, breakdown: Breakdown, kept: Filters,
            targets: str | None) -> pl.DataFrame:
    """The waves' answer counts by the breakdown, exact (`services.internal`: every figure compare gives comes
    from them); weighted to `targets` when given."""
    from analytics.compare import COUNTS_SCHEMA
    from analytics.disclosure import round_answer_counts, round_response_counts
    from analytics.weighting import EHC_TARGETS, cell_weights, lad_targets, weigh_counts
    from surveyapp.store.frames import answer_counts, lad_cells

    counts = answer_counts(services.store, waves, question_id=question_id, by=breakdown.by, groups=breakdown.groups,
                           per_lad=targets is not None, filters=kept)
    counts = round_answer_counts(services.internal, counts)
    if targets is None:
        return counts
    cells = round_response_counts(services.internal, lad_cells(services.store, waves, kept), by="lad",
                                  count="n", code="lad_code")
    lads = services.areas.lads
    weights = cell_weights(cells.drop("n_true", strict=False), lads, targets=lad_targets(
        lads, services.ehc_plans if targets == EHC_TARGETS else None))
    weighed = weigh_counts(counts, weights, keys=[c for c in COUNTS_SCHEMA if c != "n"])
    # The count columns of a weighted row are the in-area answers, a cell of their own rounded afresh (a sum
    # of the LADs' rounded cells would give the hidden LADs' rounded counts away by subtraction).
    if "n_true" in weighed.columns:
        return round_answer_counts(services.internal, weighed.rename({"n": "weight_n", "n_true": "n"})
                                   .with_columns(lad_code=pl.lit("in-area"))).drop("lad_code")
    return weighed


def _every_row(breakdown: Breakdown, weighted: bool) -> list[str]:
    """Every row compare shows, answered or not (by LAD: compare_waves lists every LAD itself); weighted tables
    leave out-of-area and unknown responses out, so by district their rows too."""
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    if breakdown.is_one("lad"):
        return []
    parents = breakdown.parents
    if parents is not None and weighted:
        return [code for code in breakdown.every if parents[code] not in (OUT_OF_AREA, UNKNOWN)]
    return breakdown.every


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


def _say_what_is_compared(services: Services, frame: pl.DataFrame, wave: Wave, baseline: Wave,
                          by: Breakdown | str) -> pl.DataFrame:
    """Add `comparison` ("Thanet, Autumn 2026, vs Kent-wide 2019"); rows of areas an aggregate baseline does
    not cover (Medway against Kent's 2019 survey) lose their baseline figures, and the q-values are worked
    out again over the table (Benjamini-Hochberg's family is always one whole table: every area or group at
    one level and every statement, for one wave against one baseline)."""
    from analytics.stats import with_q_values

    breakdown = by if isinstance(by, Breakdown) else Breakdown.parse(services, wave, by)  # tests give `by` as text
    info = services.areas.info
    now, then = short_title(wave), short_title(baseline)
    excluded = pl.lit(False)
    place = breakdown.place
    if baseline.kind == "aggregate" and place is not None and info.baseline_excludes:
        codes = list(info.baseline_excludes) if place.detail == "lad" else \
            _districts_of(services, info.baseline_excludes)
        excluded = pl.col(place.name if place.name in frame.columns else "area_code").is_in(codes)
    county = pl.col("baseline_area_code") == "all"
    scope = info.baseline_scope if baseline.kind == "aggregate" else "all areas,"
    comparison = (
        pl.when(excluded).then(pl.format("{}, {}: not compared ({} did not cover it)", pl.col("area_name"),
                                         pl.lit(now), pl.lit(then)))
        .when(county & breakdown.is_one("all")).then(pl.lit(f"All responses, {now}, vs {scope} {then}"))
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
    tail = frame.columns[frame.columns.index("q_value") + 1:]  # the flags after q_value
    return with_q_values(marked.select([*order[:at], "comparison", *order[at:]])).select(
        [*order[:at], "comparison", *(c for c in order[at:] if c not in tail), "q_value", *tail])


def _districts_of(services: Services, lads: tuple[str, ...]) -> list[str]:
    districts = services.areas.districts
    return districts.filter(pl.col("lad_code").is_in(list(lads)) & pl.col("in_area"))["postcode_district"].to_list()
