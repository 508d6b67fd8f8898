"""Reach: who answered against the population that fits, with under-reached areas and groups flagged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analytics.disclosure import PUBLICATION_SAFE
from surveyapp.actions.levels import (
    ARRIVAL,
    DISTRICT_CHILDREN_SOURCE,
    DISTRICT_SOURCE,
    AnalysisError,
    Result,
    arrival_codes,
    arrival_note,
    check_level,
    codes_of,
    filter_note,
    filter_text,
    groups_of,
    labels_of,
    overlap_note,
    parse_filters,
    response_wave,
)
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

if TYPE_CHECKING:
    from collections.abc import Sequence



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
    wave = response_wave(services, wave_id, "wave")
    if by == "utla" and "utla_code" not in services.areas.lads.columns:
        raise AnalysisError("by", "the area pack gives no upper-tier authority per LAD (lads.csv utla_code)")
    if by != "utla":  # reach's own level: the upper-tier authority (Kent, Medway)
        check_level(wave, by)
    kept = parse_filters(wave, filters)
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
    groups = dict(zip(lads["lad_code"], lads["utla_code"], strict=True)) if by == "utla" else groups_of(wave, by)
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
    if kept or overlap_note(wave, by):  # each response once, however many options it chose
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
        expected = pl.DataFrame({"area_code": arrival_codes(services, by, waves)}, schema={"area_code": pl.String}
                                ).with_columns(expected_share=pl.lit(None, pl.Float64),
                                               expected_source=pl.lit(None, pl.String))
    if by not in (*ARRIVAL, "lad", "district", "utla"):  # every option has a row, a population figure or not,
        listed = set(expected["area_code"])              # so a hidden row's presence never says "at least one"
        missing = [c for c in codes_of(services, wave, by) or [] if c not in listed and c not in OUTSIDE_SHARES]
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
                              census=services.areas.census, labels=labels_of(services, wave, by),
                              totals={label: total}, rounding_base=services.disclosure.base, expected=expected)
    notes = [PUBLICATION_SAFE, *filter_note(kept), *overlap_note(wave, by), *arrival_note(by)]
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
                                   "filter": filter_text(kept), "base": total}, notes)
