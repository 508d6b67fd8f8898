"""Tables the writer keeps beside `responses` and `answers`, in the same transaction, for analytics over
millions of responses (see migration 002):

- `likert_tallies`: Likert answers counted per wave, question, statement, answer and place. Compare by all,
  LAD or postcode district (weighted or not) reads these counts: its cost grows with the number of places,
  not of responses.
- `likert_sheets`: one row per response with its id and cohort key as numbers and its Likert answers packed
  into one number (`likert_slots` and `likert_codes` say which bits hold which statement and answer, per wave).
  Cohort change pairs these rows, never joining answer rows to responses.

`record` adds a batch's rows (the writer after each group commit's inserts, `bench.generate` per chunk);
`backfill` fills the tables from everything stored (migration 002, for a store written before it). Both run
the same statements, over the batch's Arrow tables or over the stored tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

SLOTS, CODE_BITS = 32, 4  # statements per wave's Likert questions, bits per answer: a 128-bit pattern

_NEW_SLOTS = """
    INSERT INTO likert_slots
    SELECT n.wave_id, n.question_id, n.statement_id,
        coalesce((SELECT max(s.slot) FROM likert_slots s WHERE s.wave_id = n.wave_id), -1)
        + row_number() OVER (PARTITION BY n.wave_id ORDER BY n.question_id, n.statement_id)
    FROM (SELECT DISTINCT r.wave_id, a.question_id, a.statement_id
          FROM {answers} a JOIN {responses} r USING (response_id) WHERE a.statement_id IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM likert_slots s WHERE s.wave_id = n.wave_id AND s.question_id = n.question_id
                      AND s.statement_id = n.statement_id)
"""
_NEW_CODES = """
    INSERT INTO likert_codes
    SELECT n.wave_id, n.question_id, n.option_id,
        coalesce((SELECT max(c.code) FROM likert_codes c
                  WHERE c.wave_id = n.wave_id AND c.question_id = n.question_id), 0)
        + row_number() OVER (PARTITION BY n.wave_id, n.question_id ORDER BY n.option_id)
    FROM (SELECT DISTINCT r.wave_id, a.question_id, a.option_id
          FROM {answers} a JOIN {responses} r USING (response_id) WHERE a.statement_id IS NOT NULL) n
    WHERE NOT EXISTS (SELECT 1 FROM likert_codes c WHERE c.wave_id = n.wave_id AND c.question_id = n.question_id
                      AND c.option_id = n.option_id)
"""
_SHEETS = f"""
    INSERT INTO likert_sheets
    SELECT r.wave_id, {{response_number}}, md5_number(r.cohort_key),
        coalesce(bit_or(c.code::UHUGEINT << ({CODE_BITS} * s.slot)::UHUGEINT), 0::UHUGEINT)
    FROM {{responses}} r
    LEFT JOIN {{answers}} a ON a.response_id = r.response_id AND a.statement_id IS NOT NULL
    LEFT JOIN likert_slots s ON s.wave_id = r.wave_id AND s.question_id = a.question_id
        AND s.statement_id = a.statement_id
    LEFT JOIN likert_codes c ON c.wave_id = r.wave_id AND c.question_id = a.question_id AND c.option_id = a.option_id
    GROUP BY r.response_id, r.wave_id, r.cohort_key
"""
_TALLIES = """
    INSERT INTO likert_tallies AS t
    SELECT r.wave_id, a.question_id, a.statement_id, a.option_id, coalesce(r.postcode_district, ''),
        coalesce(r.lad_code, ''), r.area_status, count(*)
    FROM {answers} a JOIN {responses} r USING (response_id)
    WHERE a.statement_id IS NOT NULL
    GROUP BY ALL
    ON CONFLICT DO UPDATE SET n = t.n + excluded.n
"""
_STEPS = (_NEW_SLOTS, _NEW_CODES, _SHEETS, _TALLIES)
# A response id (a uuid, 36 characters) as the 128-bit number its hex digits spell: numbers order as the ids do.
_RESPONSE_NUMBER = "('0x' || replace(r.response_id, '-', ''))::UHUGEINT"


def record(cursor: duckdb.DuckDBPyConnection, batch_responses: pa.Table, batch_answers: pa.Table) -> None:
    """Add the derived rows of a batch about to be committed (`batch_responses` and `batch_answers` hold the
    rows just inserted into `responses` and `answers`, in their columns). Runs inside the caller's transaction."""
    # DuckDB reads the two Arrow tables as this frame's local variables (a replacement scan).
    for step in _STEPS:
        cursor.execute(step.format(responses="batch_responses", answers="batch_answers",
                                   response_number=_RESPONSE_NUMBER))
    del batch_responses, batch_answers


def backfill(cursor: duckdb.DuckDBPyConnection) -> None:
    """Fill the derived tables from every stored response (they must be empty)."""
    for step in _STEPS:
        cursor.execute(step.format(responses="responses", answers="answers", response_number=_RESPONSE_NUMBER))
