"""The rows analysts' exports are made of: responses, their answers one row per question or statement, the
outreach sources' names, and the counts of aggregate-only waves (the 2019 baseline). SQL only; the shaping
into one row per response is surveyapp.render.exports'."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from surveyapp.store.db import Store

# Filters: (question id, option ids): keep responses that chose one of the options (all filters must hold).
ExportFilters = Sequence[tuple[str, Sequence[str]]]


def _responses_sql(filters: ExportFilters) -> tuple[str, list[object]]:
    sql = ("SELECT response_id, wave_id, submitted_hour, channel, source_id, language, postcode_district, "
           "area_status, lad_code, cohort_key, child_key FROM responses r WHERE list_contains(?, r.wave_id)")
    params: list[object] = []
    for question_id, option_ids in filters:
        sql += (" AND EXISTS (SELECT 1 FROM answers f WHERE f.response_id = r.response_id AND f.question_id = ? "
                "AND list_contains(?, f.option_id))")
        params += [question_id, list(option_ids)]
    return sql, params


def export_responses(store: Store, wave_ids: Sequence[str], filters: ExportFilters = ()) -> pl.DataFrame:
    """One row per response of the waves that passes every filter: its own columns (no answers)."""
    sql, params = _responses_sql(filters)
    return store.frame(sql, [list(wave_ids), *params])


def export_answers(store: Store, wave_ids: Sequence[str], filters: ExportFilters = ()) -> pl.DataFrame:
    """The answers of those responses: response_id, name (`<question>` or `<question>_<statement>`) and value
    (the option id, multiple choice `;`-joined in option id order, or the text)."""
    responses, params = _responses_sql(filters)
    return store.frame(
        "SELECT a.response_id, CASE WHEN a.statement_id IS NULL THEN a.question_id "
        "ELSE a.question_id || '_' || a.statement_id END AS name, "
        "string_agg(coalesce(a.option_id, a.text), ';' ORDER BY a.option_id) AS value "
        f"FROM answers a JOIN ({responses}) r USING (response_id) GROUP BY ALL", [list(wave_ids), *params])


def source_names(store: Store) -> pl.DataFrame:
    """Every outreach source's id and its name as it is now: source_id, source_name."""
    return store.frame("SELECT source_id, name AS source_name FROM sources").cast(
        {"source_id": pl.String, "source_name": pl.String})


def overall_counts(store: Store, wave_ids: Sequence[str]) -> pl.DataFrame:
    """The published counts of aggregate-only waves, for the whole area: wave_id, question_id, statement_id,
    answer_id, n."""
    return store.frame(
        "SELECT wave_id, question_id, statement_id, answer_id, sum(n) AS n FROM aggregate_counts "
        "WHERE list_contains(?, wave_id) AND area_level = 'all' GROUP BY ALL ORDER BY ALL", [list(wave_ids)]).cast(
        {"wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String, "answer_id": pl.String,
         "n": pl.Int64})
