"""The board report's inputs: every figure the report needs, gathered once from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from surveyapp.actions.cohort import cohort
from surveyapp.actions.compare import compare
from surveyapp.actions.levels import AnalysisError, levels_of, response_wave, short_title
from surveyapp.actions.reach import reach_of
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

if TYPE_CHECKING:
    from analytics.scale import Scale
    from surveyapp.render.report import ReportInputs


REACH_LEVELS = ("lad", "utla", "ethnic_group_broad", "religion")  # utla: Kent and Medway, when the pack has it


def report_inputs(services: Services, wave_id: str, baseline_id: str | None = None) -> ReportInputs:
    """What the board report shows: compare for every wave so far (overall) and for this one by LAD, reach by
    LAD and by equality group, and the cohort against the wave before."""
    wave = response_wave(services, wave_id, "wave")
    waves = services.waves.all()
    baseline = _baseline(services, wave_id, baseline_id)
    from surveyapp.store.frames import wave_sizes

    earlier = [w for w in waves if w.kind == "responses" and w.opens_on <= wave.opens_on and w.wave_id != wave_id]
    stored = wave_sizes(services.store, [w.wave_id for w in earlier])
    # the response waves before this one that have responses (an empty wave has nothing to compare with)
    before = sorted((w for w in earlier if stored[w.wave_id]), key=lambda w: (w.opens_on, w.wave_id))
    order = [baseline, *(w for w in before if w.wave_id != baseline.wave_id), wave]
    responses = [w.wave_id for w in order if w.kind == "responses" and w is not baseline]
    overall = pl.concat([charted(compare(services, w, baseline_id=baseline.wave_id, by="all").frame)
                         for w in responses])
    # Once an earlier response wave exists, areas are compared wave on wave (like with like); before that,
    # with the baseline, each row saying what it is compared with.
    area_baseline = before[-1].wave_id if before else baseline.wave_id
    by_area = charted(compare(services, wave_id, baseline_id=area_baseline, by="lad").frame)
    if by_area.is_empty():
        scale_question = wave.questionnaire.likert()
        raise AnalysisError("wave", f"{wave_id} has no answers to "
                            f"{scale_question.id if scale_question else 'its Likert question'} yet, so there is "
                            "nothing to report; make the report once responses have arrived")
    levels = [lv for lv in REACH_LEVELS if lv in levels_of(wave)
              or (lv == "utla" and "utla_code" in services.areas.lads.columns)]
    reach = pl.concat([charted(reach_of(services, wave_id, by=level).frame) for level in levels])
    cohort_frame = charted(cohort(services, wave_id, against=before[-1].wave_id).frame) if before else None
    from analytics.scale import Scale
    from surveyapp.render.report import ReportInputs  # Altair and its renderer load only when a report is made

    counted_waves = [w.wave_id for w in order if w.kind == "responses"]
    sizes = wave_sizes(services.store, counted_waves)
    totals = {w: services.disclosure.round_value(f"responses|{w}|all|all", sizes[w]) for w in counted_waves}
    scale = Scale.for_questionnaire(wave.questionnaire)
    if baseline.kind == "aggregate":  # a published survey: families who answered its question, as published
        overall = _with_published_baseline(services, baseline, overall, totals, scale)
    return ReportInputs(wave_id=wave_id, baseline_id=baseline.wave_id,
                        wave_order=tuple(w.wave_id for w in order),
                        wave_titles={w.wave_id: short_title(w) for w in order}, overall=overall,
                        by_area=by_area, reach=reach, cohort=cohort_frame,
                        scale=scale, tiles=services.areas.tiles,
                        area_baseline_id=area_baseline, totals=totals, published_baseline=baseline.kind == "aggregate",
                        attribution=services.areas.attribution, pack_info=services.areas.info)


def charted(frame: pl.DataFrame) -> pl.DataFrame:
    """An internal (exact, flagged) table as the report's charts read it: a row a release could not show is
    `suppressed`, so the charts and their tables of figures leave it out, as in the board pack."""
    if "publishable" not in frame.columns:
        return frame
    return frame.with_columns(suppressed=~pl.col("publishable")).drop("publishable", "publishable_rule")


def _baseline(services: Services, wave_id: str, baseline_id: str | None) -> Wave:
    """The wave the report compares with: the one named, else the aggregate baseline (AnalysisError names
    `baseline`)."""
    if baseline_id is None:
        baseline = next((w for w in services.waves.all() if w.kind == "aggregate"), None)
        if baseline is None:
            raise AnalysisError("baseline", "there is no aggregate baseline; name a wave to compare with")
    else:
        found = services.waves.get(baseline_id)
        if found is None:
            raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
        baseline = found
    if baseline.wave_id == wave_id:
        raise AnalysisError("baseline", "choose an earlier wave than the one the report is about")
    return baseline


def _with_published_baseline(services: Services, baseline: Wave, overall: pl.DataFrame, totals: dict[str, int],
                             scale: Scale) -> pl.DataFrame:
    """"How families answered" shows the published baseline's own answers beside this wave's (statements asked
    in both); its total (into `totals`) is the families who answered its question, as published."""
    from analytics.compare import compare_waves
    from surveyapp.store.frames import aggregate_counts

    counted = aggregate_counts(services.store, baseline.wave_id)
    answered = counted.filter(pl.col("area_level") == "all").group_by("statement_id").agg(pl.col("n").sum())
    totals[baseline.wave_id] = max([int(n) for n in answered["n"].to_list()], default=0)
    own = compare_waves(counted, counted, wave_id=baseline.wave_id, baseline_id=baseline.wave_id, by="all",
                        threshold=services.settings.small_number_threshold, scale=scale)
    asked = overall["statement_id"].unique().to_list()
    own = own.filter(pl.col("statement_id").is_in(asked)).with_columns(
        comparison=pl.lit(f"{services.areas.info.baseline_scope} {short_title(baseline)}, as published"))
    return pl.concat([own.select(overall.columns), overall])
