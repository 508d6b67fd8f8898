"""What a release is made from: the wave's responses stored before the cut-off (and the previous wave's), as one
row per response with the dimensions the plan uses, and the Likert answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from analytics.areas import lad_area
from analytics.scale import Scale
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from waves.model import SingleChoice

OUTSIDE = None  # a response outside the area (or without a place) is in no row by LAD or upper-tier authority


@dataclass(frozen=True)
class Inputs:
    """One release's rows: `responses` (one per response of the wave and of the previous wave, with wave_id,
    lad and utla codes (null outside the area) and each single-choice answer) and `answers` (the Likert answers:
    response_id, wave_id, statement_id, answer_id)."""

    wave: Wave
    previous: Wave | None
    baseline: Wave | None
    cutoff: dt.datetime
    scale: Scale
    responses: pl.DataFrame
    answers: pl.DataFrame
    baseline_counts: pl.DataFrame | None  # the aggregate baseline's published counts (area_level all)
    sources: tuple[str, ...] = ()  # the wave's outreach sources (retired ones too)
    pairs: pl.DataFrame | None = None  # same-family pairs with the previous wave (releases.cohort.pairs_frame)

    def of(self, wave_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        return (self.responses.filter(pl.col("wave_id") == wave_id),
                self.answers.filter(pl.col("wave_id") == wave_id))


def previous_wave(services: Services, wave: Wave) -> Wave | None:
    """The responses wave that opened last before this one, if any."""
    earlier = [w for w in services.waves.all() if w.kind == "responses" and w.opens_on < wave.opens_on]
    return max(earlier, key=lambda w: w.opens_on, default=None)


def baseline_wave(services: Services) -> Wave | None:
    return next((w for w in services.waves.all() if w.kind == "aggregate"), None)


def _rows(services: Services, wave: Wave, cutoff: dt.datetime, singles: list[str],
          question_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    from surveyapp.store.releases import release_answers, release_responses

    responses = release_responses(services.store, wave.wave_id, cutoff, singles)
    return responses, release_answers(services.store, wave.wave_id, cutoff, question_id)


def gather(services: Services, wave: Wave, cutoff: dt.datetime, *, previous_cutoff: dt.datetime) -> Inputs:
    """The rows of `wave` before `cutoff` and of its previous wave before `previous_cutoff`."""
    from surveyapp.store.frames import aggregate_counts

    scale = Scale.for_questionnaire(wave.questionnaire)
    singles = [q.id for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    previous, baseline = previous_wave(services, wave), baseline_wave(services)
    responses, answers = _rows(services, wave, cutoff, singles, scale.question_id)
    if previous is not None:
        then = [q.id for q in previous.questionnaire.questions if isinstance(q, SingleChoice)]
        earlier, earlier_answers = _rows(services, previous, previous_cutoff, [q for q in singles if q in then],
                                         scale.question_id)
        responses = pl.concat([responses, earlier], how="diagonal_relaxed")
        answers = pl.concat([answers, earlier_answers])
    lads = services.areas.lads
    utla = dict(zip(lads["lad_code"], lads["utla_code"], strict=True)) if "utla_code" in lads.columns else {}
    inside = pl.col("area_status") == "in_area"
    broad = {f"{q.id}_broad": pl.col(q.id).replace_strict({o.id: o.group or o.id for o in q.options}, default=None,
                                                          return_dtype=pl.String)
             for q in wave.questionnaire.questions if isinstance(q, SingleChoice) and any(o.group for o in q.options)}
    responses = responses.with_columns(lad=pl.when(inside).then(lad_area()), source=pl.col("source_id"),
                                       **broad).with_columns(
        utla=pl.col("lad").replace_strict(utla, default=None, return_dtype=pl.String))
    counts = aggregate_counts(services.store, baseline.wave_id) if baseline is not None else None
    sources = tuple(s.source_id for s in services.sources.of_wave(wave.wave_id))
    return Inputs(wave, previous, baseline, cutoff, scale, responses, answers, counts, sources)
