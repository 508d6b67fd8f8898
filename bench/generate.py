"""Synthetic survey data, generated vectorised: frames in the shapes the service hands to analytics, or a
DuckDB store written through the real schema (migrations) in chunks, for millions of responses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue
from waves.model import Likert, Questionnaire, SingleChoice

DEMOGRAPHICS = ["respondent_role", "education_setting", "heard_about", "ethnic_group", "religion",
                "child_age_band", "child_main_need", "free_school_meals", "home_language"]
OUT_OF_AREA_SHARE, UNKNOWN_SHARE = 0.04, 0.06
KEY_SHARE, LINK_SHARE = 0.6, 0.3  # responses keeping a return code; of a wave's, share linked to the last
QUESTIONNAIRE = ("send-repeat", 1)


@dataclass(frozen=True)
class Frames:
    """The generated `responses` and `likert` frames."""

    responses: pl.DataFrame
    likert: pl.DataFrame


@dataclass(frozen=True)
class _Plan:
    """Every per-response draw as small integer arrays; strings are made chunk by chunk from these."""

    seed: int
    n_waves: int
    wave: np.ndarray  # wave index 0..n_waves-1 per response
    place: np.ndarray  # index into codes/lads/statuses
    key: np.ndarray  # cohort key number; -1 for a response that kept no return code
    choices: dict[str, np.ndarray]  # question id -> index into options[question id]
    codes: pl.Series
    lads: pl.Series
    statuses: pl.Series
    options: dict[str, pl.Series]
    statement_effect: np.ndarray
    q7: Likert

    @property
    def size(self) -> int:
        return int(self.wave.size)


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, pl.Series, pl.Series, pl.Series]:
    """Indices into postcode_district, lad_code, area_status: in-area districts in proportion to their LAD's
    children, ~4% out-of-area districts and ~6% without a postcode."""
    pack = load_area_pack()
    inside = pack.districts.filter(pl.col("in_area")).join(pack.lads, on="lad_code")
    weight = inside.select(pl.col("children_0_17") / pl.len().over("lad_code"))["children_0_17"].to_numpy()
    outside = pack.districts.filter(~pl.col("in_area"))
    p_in = weight / weight.sum() * (1 - OUT_OF_AREA_SHARE - UNKNOWN_SHARE)
    p_out = np.full(outside.height, OUT_OF_AREA_SHARE / outside.height)
    codes = pl.concat([inside["postcode_district"], outside["postcode_district"], pl.Series([None], dtype=pl.String)])
    lad = pl.concat([inside["lad_code"], pl.Series([None] * (outside.height + 1), dtype=pl.String)])
    status = pl.Series(["in_area"] * inside.height + ["out_of_area"] * outside.height + ["unknown"])
    pick = rng.choice(codes.len(), size=n, p=np.concatenate([p_in, p_out, [UNKNOWN_SHARE]])).astype(np.int16)
    return pick, codes, lad, status


def _cohort_key_numbers(rng: np.random.Generator, wave: np.ndarray, n_waves: int) -> np.ndarray:
    """Key numbers (-1: none); ~30% of each later wave's responses reuse a key from the wave before."""
    key = np.where(rng.random(wave.size) < KEY_SHARE, np.arange(wave.size), -1)
    for w in range(1, n_waves):
        earlier = np.flatnonzero((wave == w - 1) & (key >= 0))
        later = np.flatnonzero(wave == w)
        linked = later[rng.random(later.size) < LINK_SHARE]
        key[linked] = key[rng.choice(earlier, size=linked.size, replace=False)]
    return key


def _choices(rng: np.random.Generator, question: SingleChoice, n: int,
             census: pl.DataFrame) -> tuple[np.ndarray, pl.Series]:
    """Option indices, census-shaped for ethnic group and religion, ~4% prefer not and ~8% unanswered."""
    ids = [o.id for o in question.options if o.id != "prefer_not_to_say"]
    shares = dict(census.filter(pl.col("variable") == question.id).select("option_id", "share").iter_rows())
    p = np.array([shares.get(i, 1.0) for i in ids]) if shares else rng.dirichlet(np.full(len(ids), 2.0))
    p = np.concatenate([p / p.sum() * 0.88, [0.04, 0.08]])
    options = pl.Series([*ids, "prefer_not_to_say", None], dtype=pl.String)
    return rng.choice(len(options), size=n, p=p).astype(np.int8), options


def _plan(n_responses: int, n_waves: int, seed: int) -> _Plan:
    rng = np.random.default_rng(seed)
    questionnaire = load_catalogue().questionnaire(*QUESTIONNAIRE)
    census = load_area_pack().census
    wave = (np.arange(n_responses, dtype=np.int64) * n_waves // n_responses).astype(np.int16)
    place, codes, lads, statuses = _places(rng, n_responses)
    key = _cohort_key_numbers(rng, wave, n_waves)
    questions = {q.id: q for q in questionnaire.questions if isinstance(q, SingleChoice)}
    choices, options = {}, {}
    for name in DEMOGRAPHICS:
        choices[name], options[name] = _choices(rng, questions[name], n_responses, census)
    q7 = questionnaire.likert()
    assert q7 is not None
    effect = rng.normal(-0.3, 0.9, len(q7.statements))
    return _Plan(seed, n_waves, wave, place, key, choices, codes, lads, statuses, options, effect, q7)


def _likert(rng: np.random.Generator, response_ids: pl.Series, wave_ids: pl.Series, wave: np.ndarray,
            plan: _Plan) -> pl.DataFrame:
    """Per response and statement: unanswered ~10%, don't know ~8%, else a score from a latent mood."""
    n, k = response_ids.len(), len(plan.q7.statements)
    mood = rng.normal(0, 1, n) + 0.08 * wave
    latent = mood[:, None] + plan.statement_effect[None, :] + rng.normal(0, 0.8, (n, k))
    answer = np.clip(np.rint(3 + 1.1 * latent), 1, 5).astype(np.int8)
    index = 5 - answer  # answers are listed strongly agree (5) first
    draw = rng.random((n, k))
    index[draw < 0.18] = 5  # dont_know
    answered = np.flatnonzero(draw.ravel() >= 0.10)
    rows, statements = pl.Series(answered // k), pl.Series(answered % k)
    return pl.DataFrame({
        "response_id": response_ids.gather(rows),
        "wave_id": wave_ids.gather(rows),
        "statement_id": pl.Series([s.id for s in plan.q7.statements]).gather(statements),
        "answer_id": pl.Series([a.id for a in plan.q7.answers]).gather(pl.Series(index.ravel()[answered])),
    })


def _hex(words: np.ndarray, n_bytes: int) -> pl.Series:
    """Lower-case hex of the first `n_bytes` bytes of each row of a (n, m) uint64 array."""
    raw = np.ascontiguousarray(words).view(np.uint8).reshape(words.shape[0], -1)[:, :n_bytes]
    array = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(n_bytes), words.shape[0], [None, pa.py_buffer(np.ascontiguousarray(raw).tobytes())])
    series = pl.from_arrow(array.cast(pa.binary()))
    assert isinstance(series, pl.Series)
    return series.bin.encode("hex")


def _mix(x: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64: a well-spread 64-bit hash of each number, vectorised."""
    z = x.astype(np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (salt + 1)) % 2**64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uuids(numbers: np.ndarray, salt: int) -> pl.Series:
    """uuid4-shaped strings (36 characters), one per number, as the service's response ids look."""
    text = _hex(np.stack([_mix(numbers, salt), _mix(numbers, salt + 1)], axis=1), 16)
    parts = [text.str.slice(a, b - a) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    return pl.select(pl.concat_str([p.alias(str(i)) for i, p in enumerate(parts)], separator="-")).to_series()


def _chunks(plan: _Plan, chunk: int, response_ids: Callable[[np.ndarray], pl.Series]) -> Iterator[Frames]:
    """Frames for consecutive slices of the plan's responses (the Q7 answers drawn slice by slice)."""
    n = plan.size
    for number, start in enumerate(range(0, n, chunk)):
        stop = min(n, start + chunk)
        rng = np.random.default_rng([plan.seed, number])
        index = np.arange(start, stop, dtype=np.int64)
        wave = plan.wave[start:stop]
        ids = response_ids(index)
        waves = pl.Series("wave_id", [f"wave-{w + 1}" for w in range(plan.n_waves)]).gather(pl.Series(wave))
        place = pl.Series(plan.place[start:stop])
        key = plan.key[start:stop]
        responses = pl.DataFrame({
            "response_id": ids, "wave_id": waves, "postcode_district": plan.codes.gather(place),
            "lad_code": plan.lads.gather(place), "area_status": plan.statuses.gather(place),
        }).with_columns(
            cohort_key=pl.when(pl.Series(key >= 0)).then(pl.format("k{}", pl.Series(key))),
            **{name: plan.options[name].gather(pl.Series(plan.choices[name][start:stop])) for name in DEMOGRAPHICS},
        )
        yield Frames(responses, _likert(rng, ids, waves, wave, plan))


def _short_ids(index: np.ndarray) -> pl.Series:
    return "r" + pl.Series(index).cast(pl.String).str.zfill(8)


def generate_frames(n_responses: int = 1_000_000, n_waves: int = 4, seed: int = 0) -> Frames:
    """Generate `responses` and `likert` frames for `n_waves` waves (wave-1 ...) of the repeat survey."""
    plan = _plan(n_responses, n_waves, seed)
    return next(_chunks(plan, n_responses, _short_ids))


# --- a DuckDB store ---------------------------------------------------------------------------------------

WAVE_OPENS = dt.date(2020, 1, 1)


def _wave_rows(n_waves: int) -> list[tuple[object, ...]]:
    """Closed responses waves wave-1 ... (as an administrator would create them), six months each."""
    rows: list[tuple[object, ...]] = []
    for w in range(n_waves):
        opens = WAVE_OPENS.replace(year=WAVE_OPENS.year + w // 2, month=1 + 6 * (w % 2))
        closes = opens + dt.timedelta(days=150)
        title = json.dumps({"en": f"Generated wave {w + 1}"})
        rows.append((f"wave-{w + 1}", *QUESTIONNAIRE, title, "responses", opens, closes, "closed", "admin"))
    return rows


def _store_tables(frames: Frames, plan: _Plan, index: np.ndarray, questionnaire: Questionnaire,
                  rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """The `responses` and `answers` rows the service would have written for these responses."""
    responses = frames.responses
    n = responses.height
    key = plan.key[index]
    key_number = np.where(key >= 0, key, plan.size + index)  # a response without a typed code gets a new one
    wave = plan.wave[index]
    hour = (np.datetime64(WAVE_OPENS) + (wave.astype(np.int64) * 4380 + rng.integers(0, 3600, n)).astype(
        "timedelta64[h]")).astype("datetime64[us]")
    with_id = rng.random(n) < 0.5
    table = responses.select(
        "response_id", "wave_id",
        submission_id=pl.when(pl.Series(with_id)).then(_uuids(index, 7)),
        fingerprint=_hex(np.stack([_mix(index, 11), _mix(index, 12), _mix(index, 13)], axis=1), 20),
        submitted_hour=pl.Series(hour),
        postcode_district=pl.col("postcode_district"), lad_code=pl.col("lad_code"),
        area_status=pl.col("area_status"),
        cohort_key=_hex(np.stack([_mix(key_number, 21), _mix(key_number, 22), _mix(key_number, 23)], axis=1), 20),
        language=pl.lit("en"),
        channel=pl.when(pl.Series(with_id)).then(pl.lit("api")).otherwise(pl.lit("form")),
        source_id=pl.lit(None, dtype=pl.String),
        child_key=pl.lit(None, pl.String),  # no child markers: each key is used once a wave
    )
    singles = responses.unpivot(index="response_id", on=DEMOGRAPHICS, variable_name="question_id",
                                value_name="option_id").filter(pl.col("option_id").is_not_null())
    likert = frames.likert.select("response_id", question_id=pl.lit(plan.q7.id), statement_id="statement_id",
                                  option_id="answer_id")
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    answers = (
        pl.concat([singles.with_columns(statement_id=pl.lit(None, pl.String)), likert], how="diagonal")
        .with_columns(_order=pl.col("question_id").replace_strict(order, return_dtype=pl.Int16))
        .join(responses.select("response_id").with_row_index("_response"), on="response_id")
        .sort("_response", "_order", "statement_id", nulls_last=True)
        .select("response_id", "question_id", "statement_id", "option_id", text=pl.lit(None, pl.String))
    )
    return table.to_arrow(), answers.to_arrow()


def write_store(path: Path, n_responses: int, n_waves: int = 2, seed: int = 0, *, chunk: int = 500_000,
                progress: Callable[[int, int], None] | None = None) -> None:
    """Write `n_responses` responses over `n_waves` closed waves (wave-1 ...) into a new DuckDB file at
    `path`, through the service's migrations: uuid response ids, the Q7 answers and the nine demographic
    questions in long form, as the writer stores them. Written `chunk` responses at a time."""
    import duckdb

    from surveyapp.store import derived, private
    from surveyapp.store.migrations import migrate

    private.restrict()  # survey data: the owner's only, as the service makes it
    if path.exists():
        raise FileExistsError(f"{path} exists; remove it to generate again")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    plan = _plan(n_responses, n_waves, seed)
    questionnaire = load_catalogue().questionnaire(*QUESTIONNAIRE)
    conn = duckdb.connect(str(partial))
    try:
        migrate(conn)
        conn.executemany("INSERT INTO waves (wave_id, questionnaire_id, questionnaire_version, title_json, kind, "
                         "opens_on, closes_on, state, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _wave_rows(n_waves))
        done = 0
        for number, frames in enumerate(_chunks(plan, chunk, lambda index: _uuids(index, 0))):
            index = np.arange(done, done + frames.responses.height, dtype=np.int64)
            rng = np.random.default_rng([seed, number, 1])
            batch_responses, batch_answers = _store_tables(frames, plan, index, questionnaire, rng)
            conn.execute("BEGIN TRANSACTION")
            conn.execute("INSERT INTO responses SELECT * FROM batch_responses")
            conn.execute("INSERT INTO answers SELECT * FROM batch_answers")
            derived.record(conn, batch_responses, batch_answers)
            conn.execute("COMMIT")
            del batch_responses, batch_answers
            done += frames.responses.height
            if progress is not None:
                progress(done, n_responses)
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    partial.rename(path)
    # A data folder holds its return-code key beside the database (the service refuses data without one);
    # the generated cohort keys are random, so a new key is the right one for them.
    from surveyapp.domain.returncodes import load_or_create_key

    load_or_create_key(path.parent / "secrets" / "return-code.key")
