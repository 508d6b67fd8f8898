"""Reach: who answered against the population that fits, with under-reached areas and groups flagged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analytics.disclosure import INTERNAL, INTERNAL_FIGURES
from surveyapp.actions.levels import (
    AnalysisError,
    Breakdown,
    Filters,
    Level,
    Result,
    arrival_codes,
    filter_note,
    filter_text,
    parse_filters,
    response_wave,
)
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

if TYPE_CHECKING:
    from collections.abc import Sequence

DISTRICT_SOURCE = "Census 2021 usual residents by postcode district, all ages"
DISTRICT_CHILDREN_SOURCE = ("area pack: children aged 0-17 by postcode district, estimated (each LAD's children "
                            "0-17 x the district's share of the LAD's residents)")
# By postcode district, what the expected shares are of (the area pack's population column) and what they mean.
DISTRICT_NOTES = {
    "children_0_17": "Expected shares by postcode district are each in-area district's share of the children aged "
                     "0-17 of the in-area districts, estimated: each LAD's children 0-17 (ONS mid-2020) times the "
                     "district's share of that LAD's usual residents (Census 2021), summed over the district's "
                     "parts in Kent and Medway. It assumes children live across a LAD as its residents do.",
    "residents": "Expected shares by postcode district are each in-area district's share of usual residents "
                 "(Census 2021, all ages, the whole district), not of children: the area pack has no child-age "
                 "figure by district.",
}
NO_DISTRICT_POPULATION = "The area pack has no population by postcode district, so there are no expected shares."


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
    from analytics.reach import reach_from_counts

    wave = response_wave(services, wave_id, "wave")
    breakdown = Breakdown.parse(services, wave, by, utla=True)
    kept = parse_filters(wave, filters)
    level = breakdown.one("reach is by one level: lad, district or a question, e.g. ethnic_group, religion "
                          "(two-way tables are for compare and cohort)")
    threshold = services.settings.small_number_threshold
    waves = [w.wave_id for w in _pooled_waves(services, wave, pooled)]
    label = "+".join(waves)
    counts = _counted(services, level, waves, kept)
    total = _base(services, level, counts, waves, kept)
    frame = reach_from_counts(_rounded(services, level, counts, kept), by=by, threshold=threshold,
                              lads=services.areas.lads, census=services.areas.census, labels=level.labels,
                              totals={label: total}, expected=_expected(services, level, waves), internal=True)
    notes = [INTERNAL_FIGURES, *filter_note(kept), *level.overlap_note, *level.arrival_note,
             *_population_notes(services, level, frame)]
    # base: the exact total the shares are of
    return Result("reach", frame, {"wave": wave_id, "by": by, "threshold": threshold, "pooled": pooled,
                                   "filter": filter_text(kept), "base": total}, notes, classification=INTERNAL)


def _counted(services: Services, level: Level, waves: list[str], kept: Filters) -> pl.DataFrame:
    """Responses by the level (a district outside the area counted as out_of_area, as by LAD), the pooled
    waves added up under one wave_id "a+b+c"."""
    from surveyapp.store.frames import response_counts
    from surveyapp.store.levels import CONTENT
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    counts = response_counts(services.store, waves, by=level.name, groups=level.groups, filters=kept)
    content = [CONTENT] if kept else []
    if level.detail == "district":
        inside_codes = services.areas.districts.filter(pl.col("in_area"))["postcode_district"].to_list()
        counts = counts.with_columns(area_code=pl.when(pl.col("area_code").is_in([*inside_codes, UNKNOWN]))
                                     .then(pl.col("area_code")).otherwise(pl.lit(OUT_OF_AREA)))
        counts = counts.group_by("wave_id", "area_code").agg(pl.col("responses").sum(),
                                                             *(pl.col(c).bitwise_xor() for c in content))
    if len(waves) > 1:
        counts = counts.group_by("area_code").agg(pl.col("responses").sum(), *(pl.col(c).bitwise_xor() for c in content)
                                                  ).with_columns(wave_id=pl.lit("+".join(waves)))
    return counts.select("wave_id", "area_code", "responses", *content)


def _base(services: Services, level: Level, counts: pl.DataFrame, waves: list[str], kept: Filters) -> int:
    """The total the shares are of (exact, `services.internal`): the responses with a place or an answer at the
    level, each once however many options it chose."""
    from analytics.disclosure import rounded_total
    from analytics.reach import OUTSIDE_SHARES
    from surveyapp.store.frames import responses_inside

    label = "+".join(waves)
    if kept or level.detail == "multiple":  # each response once, however many options it chose
        inside, fingerprint = responses_inside(services.store, waves, by="lad" if level.detail == "district"
                                               else level.name, outside=OUTSIDE_SHARES, groups=level.groups,
                                               filters=kept)
        return rounded_total(services.internal, label, level.name, inside, fingerprint if kept else None)
    if level.kind == "arrival":  # every response has a source (or none) and a channel: the base is all of them
        return services.internal.round_value(f"responses|{label}|all|all", int(counts["responses"].sum()))
    inside = int(counts.filter(~pl.col("area_code").is_in(OUTSIDE_SHARES))["responses"].sum())
    return rounded_total(services.internal, label, level.rounds_as, inside)


def _rounded(services: Services, level: Level, counts: pl.DataFrame, kept: Filters) -> pl.DataFrame:
    """Each row's count through `services.internal` (exact; with the publishing rounding, each a cell of its
    own; by district and by upper-tier authority, the out-of-area and unknown rows (and Medway, a unitary
    authority) the cells they are by LAD)."""
    from analytics.disclosure import round_response_counts
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    if level.rounds_as == level.name or kept:
        return round_response_counts(services.internal, counts, by=level.name)
    lads: list[str] = services.areas.lads["lad_code"].to_list() if level.detail == "utla" else []
    outside = pl.col("area_code").is_in([OUT_OF_AREA, UNKNOWN, *lads])
    return pl.concat([round_response_counts(services.internal, counts.filter(~outside), by=level.name),
                      round_response_counts(services.internal, counts.filter(outside), by=level.rounds_as)])


def _district_population(services: Services) -> str | None:
    """By district: estimated children 0-17 where the pack has them, else all-ages residents, else nothing."""
    return next((c for c in ("children_0_17", "residents") if c in services.areas.districts.columns), None)


def _expected(services: Services, level: Level, waves: list[str]) -> pl.DataFrame:
    """Each row's expected share and its source, from the population that fits the level: a row for every
    source (or channel), none with a population figure; by district, the area pack's population; else
    `analytics.reach.expected_shares`, with a row for every option of a question, a population figure or
    not, so a hidden row's presence never says "at least one"."""
    from analytics.reach import OUTSIDE_SHARES, expected_shares

    if level.kind == "arrival":
        return pl.DataFrame({"area_code": arrival_codes(services, level.name, waves)},
                            schema={"area_code": pl.String}).with_columns(
            expected_share=pl.lit(None, pl.Float64), expected_source=pl.lit(None, pl.String))
    if level.detail == "district":
        population = _district_population(services)
        source = {"children_0_17": DISTRICT_CHILDREN_SOURCE, "residents": DISTRICT_SOURCE}.get(population or "")
        return services.areas.districts.filter(pl.col("in_area")).select(
            area_code=pl.col("postcode_district"),
            expected_share=pl.col(population) / pl.col(population).sum() if population else pl.lit(None, pl.Float64),
            expected_source=pl.lit(source, pl.String),
        )
    expected = expected_shares(level.name, lads=services.areas.lads, census=services.areas.census,
                               ehc_plans=services.ehc_plans)
    if level.kind != "question":
        return expected
    listed = set(expected["area_code"])
    missing = [c for c in level.codes or () if c not in listed and c not in OUTSIDE_SHARES]
    return pl.concat([expected, pl.DataFrame({"area_code": missing}, schema={"area_code": pl.String})],
                     how="diagonal_relaxed")


def _population_notes(services: Services, level: Level, frame: pl.DataFrame) -> list[str]:
    """What the expected shares are of, how far to trust them, and the rows that cannot yet be assessed."""
    from analytics.reach import CENSUS_SOURCE

    notes = []
    if level.detail == "district":
        notes.append(DISTRICT_NOTES.get(_district_population(services) or "", NO_DISTRICT_POPULATION))
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
    return notes
