"""Read responses out of the store as the frames analytics and exports work on."""

from __future__ import annotations

import polars as pl

from surveyapp.store import Store
from waves.model import Questionnaire, SingleChoice

_RESPONSE_COLUMNS = "response_id, wave_id, postcode_district, lad_code, area_status, cohort_key"


def responses_frame(store: Store, wave_ids: list[str], questionnaire: Questionnaire | None = None) -> pl.DataFrame:
    """One row per response: response_id, wave_id, postcode_district, lad_code, area_status, cohort_key,
    plus one column per single-choice question of the questionnaire (the option id, or null)."""
    base = store.frame(f"SELECT {_RESPONSE_COLUMNS} FROM responses WHERE wave_id IN (SELECT unnest(?)) "
                       "ORDER BY response_id", [wave_ids])
    singles = [q.id for q in questionnaire.questions if isinstance(q, SingleChoice)] if questionnaire else []
    if not singles:
        return base
    chosen = store.frame(
        "SELECT a.response_id, a.question_id, a.option_id FROM answers a JOIN responses r USING (response_id) "
        "WHERE r.wave_id IN (SELECT unnest(?)) AND a.question_id IN (SELECT unnest(?))", [wave_ids, singles])
    wide = chosen.pivot(on="question_id", index="response_id", values="option_id") if chosen.height else \
        pl.DataFrame({"response_id": []}, schema={"response_id": pl.String})
    for question_id in singles:
        if question_id not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(question_id))
    return base.join(wide.select("response_id", *singles), on="response_id", how="left")


def likert_frame(store: Store, wave_ids: list[str], question_id: str = "q7") -> pl.DataFrame:
    """One row per answered statement: response_id, wave_id, statement_id, answer_id."""
    return store.frame(
        "SELECT a.response_id, r.wave_id, a.statement_id, a.option_id AS answer_id "
        "FROM answers a JOIN responses r USING (response_id) "
        "WHERE r.wave_id IN (SELECT unnest(?)) AND a.question_id = ? ORDER BY a.response_id, a.statement_id",
        [wave_ids, question_id])


def aggregate_counts(store: Store, wave_id: str) -> pl.DataFrame:
    """Counts of an aggregate-only wave: wave_id, question_id, statement_id, answer_id, area_level, area_code, n."""
    return store.frame("SELECT * FROM aggregate_counts WHERE wave_id = ?", [wave_id])
