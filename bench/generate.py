"""Synthetic survey frames in the shapes the service hands to analytics, generated vectorised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue
from waves.model import Likert, SingleChoice

DEMOGRAPHICS = ["respondent_role", "education_setting", "heard_about", "ethnic_group", "religion",
                "child_age_band", "child_main_need", "free_school_meals", "home_language"]
OUT_OF_AREA_SHARE, UNKNOWN_SHARE = 0.04, 0.06
KEY_SHARE, LINK_SHARE = 0.6, 0.3  # responses keeping a return code; of a wave's, share linked to the last


@dataclass(frozen=True)
class Frames:
    """The generated `responses` and `likert` frames."""

    responses: pl.DataFrame
    likert: pl.DataFrame


def _districts(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """postcode_district, lad_code, area_status: in-area districts in proportion to their LAD's children."""
    pack = load_area_pack()
    inside = pack.districts.filter(pl.col("in_area")).join(pack.lads, on="lad_code")
    weight = inside.select(pl.col("children_0_17") / pl.len().over("lad_code"))["children_0_17"].to_numpy()
    outside = pack.districts.filter(~pl.col("in_area"))
    p_in = weight / weight.sum() * (1 - OUT_OF_AREA_SHARE - UNKNOWN_SHARE)
    p_out = np.full(outside.height, OUT_OF_AREA_SHARE / outside.height)
    codes = pl.concat([inside["postcode_district"], outside["postcode_district"], pl.Series([None])])
    lad = pl.concat([inside["lad_code"], pl.Series([None] * (outside.height + 1), dtype=pl.String)])
    status = pl.Series(["in_area"] * inside.height + ["out_of_area"] * outside.height + ["unknown"])
    pick = pl.Series(rng.choice(codes.len(), size=n, p=np.concatenate([p_in, p_out, [UNKNOWN_SHARE]])))
    return pl.DataFrame({"postcode_district": codes.gather(pick), "lad_code": lad.gather(pick),
                         "area_status": status.gather(pick)})


def _cohort_keys(rng: np.random.Generator, wave: np.ndarray, n_waves: int) -> pl.Series:
    """Keyed-hash stand-ins; ~30% of each later wave's responses reuse a key from the wave before."""
    key = np.where(rng.random(wave.size) < KEY_SHARE, np.arange(wave.size), -1)
    for w in range(1, n_waves):
        earlier = np.flatnonzero((wave == w - 1) & (key >= 0))
        later = np.flatnonzero(wave == w)
        linked = later[rng.random(later.size) < LINK_SHARE]
        key[linked] = key[rng.choice(earlier, size=linked.size, replace=False)]
    frame = pl.DataFrame({"key": key})
    return frame.select(pl.when(pl.col("key") >= 0).then(pl.format("k{}", pl.col("key"))))["key"]


def _choices(rng: np.random.Generator, question: SingleChoice, n: int, census: pl.DataFrame) -> pl.Series:
    """Option ids, census-shaped for ethnic group and religion, with ~4% prefer not and ~8% unanswered."""
    ids = [o.id for o in question.options if o.id != "prefer_not_to_say"]
    shares = dict(census.filter(pl.col("variable") == question.id).select("option_id", "share").iter_rows())
    p = np.array([shares.get(i, 1.0) for i in ids]) if shares else rng.dirichlet(np.full(len(ids), 2.0))
    p = np.concatenate([p / p.sum() * 0.88, [0.04, 0.08]])
    options = pl.Series([*ids, "prefer_not_to_say", None], dtype=pl.String)
    return options.gather(pl.Series(rng.choice(len(options), size=n, p=p)))


def _likert(rng: np.random.Generator, responses: pl.DataFrame, wave: np.ndarray, q7: Likert) -> pl.DataFrame:
    """Per response and statement: unanswered ~10%, don't know ~8%, else a score from a latent mood."""
    n, k = responses.height, len(q7.statements)
    mood = rng.normal(0, 1, n) + 0.08 * wave
    latent = mood[:, None] + rng.normal(-0.3, 0.9, k)[None, :] + rng.normal(0, 0.8, (n, k))
    answer = np.clip(np.rint(3 + 1.1 * latent), 1, 5).astype(np.int64)
    index = 5 - answer  # answers are listed strongly agree (5) first
    draw = rng.random((n, k))
    index[draw < 0.18] = 5  # dont_know
    answered = np.flatnonzero(draw.ravel() >= 0.10)
    rows, statements = pl.Series(answered // k), pl.Series(answered % k)
    return pl.DataFrame({
        "response_id": responses["response_id"].gather(rows),
        "wave_id": responses["wave_id"].gather(rows),
        "statement_id": pl.Series([s.id for s in q7.statements]).gather(statements),
        "answer_id": pl.Series([a.id for a in q7.answers]).gather(pl.Series(index.ravel()[answered])),
    })


def generate_frames(n_responses: int = 1_000_000, n_waves: int = 4, seed: int = 0) -> Frames:
    """Generate `responses` and `likert` frames for `n_waves` waves (wave-1 ...) of the repeat survey."""
    rng = np.random.default_rng(seed)
    catalogue = load_catalogue()
    questionnaire = catalogue.questionnaire("send-repeat", 1)
    census = load_area_pack().census
    wave = np.arange(n_responses) * n_waves // n_responses
    index = pl.int_range(n_responses, eager=True)
    responses = pl.DataFrame({
        "response_id": "r" + index.cast(pl.String).str.zfill(8),
        "wave_id": "wave-" + pl.Series(wave + 1).cast(pl.String),
    }).hstack(_districts(rng, n_responses)).with_columns(cohort_key=_cohort_keys(rng, wave, n_waves))
    questions = {q.id: q for q in questionnaire.questions if isinstance(q, SingleChoice)}
    responses = responses.with_columns(
        _choices(rng, questions[name], n_responses, census).alias(name) for name in DEMOGRAPHICS)
    q7 = questionnaire.likert()
    assert q7 is not None
    return Frames(responses, _likert(rng, responses, wave, q7))
