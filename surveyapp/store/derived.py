"""Tables the writer keeps beside `responses` and `answers`, in the same transaction, for analytics over
millions of responses (see migration 002):

- `likert_tallies`: Likert answers counted per wave, question, statement, answer and place. Compare by all,
  LAD or postcode district (weighted or not) reads these counts: its cost grows with the number of places,
  not of responses.
- `likert_sheets`: one row per response with its id and cohort key as numbers and its Likert answers packed
  into one number (`likert_slots` and `likert_codes` say which bits hold which statement and answer, per wave).
  Cohort change pairs these rows, never joining answer rows to responses.

Four ways in, each checked against the stored answers by tests/store/test_derived.py or
tests/analytics/test_scale.py:
- `Recorder`: the writer, off the commit path (see there). It knows each wave's slots and codes, so it packs
  the responses it holds in Python and sends DuckDB two small inserts.
- `record`: the same rows by SQL over a batch's Arrow tables (`bench.generate`, half a million at a time).
- `backfill`: the same SQL over everything stored (migration 002, for a store written before it).
- `reconcile`: the same SQL over the stored responses that have no sheet yet (at start-up).

`settle` then settles `uses` and `child_uses` (what cohort change pairs by) for the sheets added since it
last ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

    from surveyapp.store.prepared import PreparedResponse

CODE_BITS = 4  # bits per answer: 32 statements (waves.loader.LIKERT_STATEMENTS_MAX) in a 128-bit pattern

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
_SHEET_VALUES = f"""
    SELECT r.wave_id, {{response_number}}, md5_number(r.cohort_key),
        coalesce(bit_or(c.code::UHUGEINT << ({CODE_BITS} * s.slot)::UHUGEINT), 0::UHUGEINT){{child}}
    FROM {{responses}} r
    LEFT JOIN {{answers}} a ON a.response_id = r.response_id AND a.statement_id IS NOT NULL
    LEFT JOIN likert_slots s ON s.wave_id = r.wave_id AND s.question_id = a.question_id
        AND s.statement_id = a.statement_id
    LEFT JOIN likert_codes c ON c.wave_id = r.wave_id AND c.question_id = a.question_id AND c.option_id = a.option_id
    GROUP BY r.response_id, r.wave_id, r.cohort_key{{child_group}}
"""
_SHEETS = ("INSERT INTO likert_sheets (wave_id, response_number, cohort_number, pattern, child_number)"
           + _SHEET_VALUES.replace("{child}", ", md5_number(r.child_key)").replace("{child_group}", ", r.child_key"))
# Migration 002 fills the sheets of a store written before it, whose responses have no child_key yet (005 adds it).
_SHEETS_002 = ("INSERT INTO likert_sheets (wave_id, response_number, cohort_number, pattern)"
               + _SHEET_VALUES.replace("{child}", "").replace("{child_group}", ""))
_TALLIES = """
    INSERT INTO likert_tallies AS t
    SELECT r.wave_id, a.question_id, a.statement_id, a.option_id, coalesce(r.postcode_district, ''),
        coalesce(r.lad_code, ''), r.area_status, count(*)
    FROM {answers} a JOIN {responses} r USING (response_id)
    WHERE a.statement_id IS NOT NULL
    GROUP BY ALL
    ON CONFLICT DO UPDATE SET n = t.n + excluded.n
"""
# For the cohort keys of unsettled sheets that a wave holds more than once: each sheet's `uses`
# (responses of the wave with its cohort key) and `child_uses` (those with its child key too; NULL without one).
_USES = """
    UPDATE likert_sheets s SET uses = m.uses, child_uses = m.child_uses
    FROM (SELECT t.wave_id, t.response_number, count(*) OVER (PARTITION BY t.wave_id, t.cohort_number) AS uses,
              CASE WHEN t.child_number IS NOT NULL THEN
                  count(*) OVER (PARTITION BY t.wave_id, t.cohort_number, t.child_number) END AS child_uses
          FROM likert_sheets t
          SEMI JOIN (SELECT k.wave_id, k.cohort_number FROM likert_sheets k
                     SEMI JOIN (SELECT wave_id, cohort_number FROM likert_sheets WHERE uses IS NULL) n
                         ON n.wave_id = k.wave_id AND n.cohort_number = k.cohort_number
                     GROUP BY ALL HAVING count(*) > 1) m
              ON m.wave_id = t.wave_id AND m.cohort_number = t.cohort_number) m
    WHERE s.wave_id = m.wave_id AND s.response_number = m.response_number
"""
# Then every sheet still unsettled is its key's only response in its wave.
_ONLY = ("UPDATE likert_sheets SET uses = 1, child_uses = CASE WHEN child_number IS NOT NULL THEN 1 END "
         "WHERE uses IS NULL")
_STEPS = (_NEW_SLOTS, _NEW_CODES, _SHEETS, _TALLIES)  # then settle
RESPONSE_NUMBER = "('0x' || replace(r.response_id, '-', ''))::UHUGEINT"


def record(cursor: duckdb.DuckDBPyConnection, batch_responses: pa.Table, batch_answers: pa.Table) -> None:
    """Add the derived rows of a batch about to be committed, by SQL (`batch_responses` and `batch_answers` hold
    the rows just inserted into `responses` and `answers`, in their columns), and settle them. Runs inside the
    caller's transaction."""
    # DuckDB reads the two Arrow tables as this frame's local variables (a replacement scan).
    for step in _STEPS:
        cursor.execute(step.format(responses="batch_responses", answers="batch_answers",
                                   response_number=RESPONSE_NUMBER))
    settle(cursor)
    del batch_responses, batch_answers


def settle(cursor: duckdb.DuckDBPyConnection) -> int:
    """Settle `uses` and `child_uses` for the sheets added since the last time (NULL), and for the other sheets of
    their cohort keys in their waves. Run by the writer before cohort change reads the sheets (`Store.settle`);
    cheap when nothing is unsettled. Returns the sheets settled."""
    unsettled = cursor.execute("SELECT count(*) FROM likert_sheets WHERE uses IS NULL").fetchone()
    if not unsettled or not unsettled[0]:
        return 0
    cursor.execute(_USES)
    cursor.execute(_ONLY)  # the rest: a key's only response in its wave
    return int(unsettled[0])


def backfill(cursor: duckdb.DuckDBPyConnection) -> None:
    """Fill the derived tables from every stored response (they must be empty): migration 002's data step, on
    the tables as 002 makes them (migration 005 then adds the child columns and settles the sheets)."""
    for step in (_NEW_SLOTS, _NEW_CODES, _SHEETS_002, _TALLIES):
        cursor.execute(step.format(responses="responses", answers="answers", response_number=RESPONSE_NUMBER))


def fill_child_columns(cursor: duckdb.DuckDBPyConnection) -> None:
    """Migration 005's data step: each sheet's child number from its response's child key (none before 005),
    then `uses` and `child_uses` for every sheet."""
    cursor.execute(f"""UPDATE likert_sheets s SET child_number = md5_number(r.child_key) FROM responses r
                       WHERE r.child_key IS NOT NULL AND s.wave_id = r.wave_id
                       AND s.response_number = {RESPONSE_NUMBER}""")
    settle(cursor)


Key = tuple[str, str, str]  # wave_id, question_id, statement or option id


class Recorder:
    """The writer's way in, off the commit path: the responses of each commit, once it has returned, are held
    here and added to the derived tables in one transaction of their own when the writer is idle, when many
    are held, before a read that needs them (`Writer.settle`) and at stop. A submission's commit therefore
    costs what it cost before these tables, whatever its return code has done before.

    Each wave's slots and codes are held in memory (read from the tables when first needed and after a failed
    flush), so the sheets are packed and the tallies counted here, and DuckDB gets two or four inserts per
    flush. Held responses a crash loses are found at the next start by `reconcile` (responses without a
    sheet), and so are those of a flush that failed."""

    def __init__(self) -> None:
        self._slots: dict[Key, int] | None = None
        self._codes: dict[Key, int] | None = None
        self._held: list[PreparedResponse] = []
        self.incomplete = False  # a flush failed: `reconcile` before the tables are read

    @property
    def held(self) -> int:
        return len(self._held)

    def hold(self, responses: Sequence[PreparedResponse]) -> None:
        """Responses whose commit has returned, to be added at the next flush."""
        self._held.extend(responses)

    def failed(self) -> None:
        """A flush was rolled back: what was read may include slots or codes never committed, and its responses
        are left to `reconcile`."""
        self._slots = self._codes = None
        self._held.clear()
        self.incomplete = True

    def flush(self, cursor: duckdb.DuckDBPyConnection) -> int:
        """Add the held responses' derived rows, inside the caller's transaction; return how many."""
        import pyarrow as pa

        responses, self._held = self._held, []
        if not responses:
            return 0
        likert = [(r, question, statement, option) for r in responses
                  for question, statement, option, _ in r.answers if statement is not None and option is not None]
        slots, codes = self._known(cursor)
        new_slots: list[tuple[str, str, str, int]] = []
        new_codes: list[tuple[str, str, str, int]] = []
        for r, q, statement, option in likert:
            if (r.wave_id, q, statement) not in slots:
                slot = 1 + max((n for (w, _, _), n in slots.items() if w == r.wave_id), default=-1)
                slots[(r.wave_id, q, statement)] = slot
                new_slots.append((r.wave_id, q, statement, slot))
            if (r.wave_id, q, option) not in codes:
                code = 1 + max((n for (w, q2, _), n in codes.items() if w == r.wave_id and q2 == q), default=0)
                codes[(r.wave_id, q, option)] = code
                new_codes.append((r.wave_id, q, option, code))
        if new_slots:  # the tables' CHECKs refuse a slot over 31 or a code over 15 (the loader prevents both)
            cursor.executemany("INSERT INTO likert_slots VALUES (?, ?, ?, ?)", new_slots)
        if new_codes:
            cursor.executemany("INSERT INTO likert_codes VALUES (?, ?, ?, ?)", new_codes)
        patterns = dict.fromkeys((r.response_id for r in responses), 0)
        tallies: Counter[tuple[str, ...]] = Counter()
        for r, q, statement, option in likert:
            patterns[r.response_id] |= codes[(r.wave_id, q, option)] << (CODE_BITS * slots[(r.wave_id, q, statement)])
            tallies[(r.wave_id, q, statement, option, r.postcode_district or "", r.lad_code or "", r.area_status)] += 1
        low = (1 << 64) - 1
        batch_sheets = pa.table({
            "response_id": [r.response_id for r in responses], "wave_id": [r.wave_id for r in responses],
            "cohort_key": [r.cohort_key for r in responses],
            "child_key": pa.array([r.child_key for r in responses], pa.string()),
            "high": pa.array([patterns[r.response_id] >> 64 for r in responses], pa.uint64()),
            "low": pa.array([patterns[r.response_id] & low for r in responses], pa.uint64())})
        columns = ("wave_id", "question_id", "statement_id", "option_id", "postcode_district", "lad_code",
                   "area_status")
        batch_tallies = pa.table({**{c: [k[i] for k in tallies] for i, c in enumerate(columns)},
                                  "n": pa.array(list(tallies.values()), pa.int64())},
                                 schema=pa.schema([*((c, pa.string()) for c in columns), ("n", pa.int64())]))
        # DuckDB reads the two Arrow tables as this frame's local variables (a replacement scan).
        cursor.execute("INSERT INTO likert_sheets (wave_id, response_number, cohort_number, pattern, child_number) "
                       f"SELECT r.wave_id, {RESPONSE_NUMBER}, md5_number(r.cohort_key), "
                       "(r.high::UHUGEINT << 64::UHUGEINT) | r.low::UHUGEINT, md5_number(r.child_key) "
                       "FROM batch_sheets r")
        cursor.execute("INSERT INTO likert_tallies AS t SELECT * FROM batch_tallies "
                       "ON CONFLICT DO UPDATE SET n = t.n + excluded.n")
        del batch_sheets, batch_tallies
        return len(responses)

    def _known(self, cursor: duckdb.DuckDBPyConnection) -> tuple[dict[Key, int], dict[Key, int]]:
        if self._slots is None or self._codes is None:
            self._slots = {(w, q, s): int(n) for w, q, s, n in cursor.execute("SELECT * FROM likert_slots").fetchall()}
            self._codes = {(w, q, o): int(n) for w, q, o, n in cursor.execute("SELECT * FROM likert_codes").fetchall()}
        return self._slots, self._codes


def reconcile(cursor: duckdb.DuckDBPyConnection) -> int:
    """Add the derived rows of every stored response that has no sheet (held by a writer that crashed, or by a
    flush that failed), by the same statements as `record`; return how many. Inside the caller's transaction,
    which settles them next (`Writer._settle`). Reads every response's id once: run at start-up and after a failed
    flush, not per query."""
    cursor.execute(f"""CREATE OR REPLACE TEMP TABLE unrecorded AS
        SELECT r.response_id FROM responses r
        WHERE NOT EXISTS (SELECT 1 FROM likert_sheets s WHERE s.wave_id = r.wave_id
                          AND s.response_number = {RESPONSE_NUMBER})""")
    found = cursor.execute("SELECT count(*) FROM unrecorded").fetchone()
    if found and found[0]:
        responses = "(SELECT r.* FROM responses r SEMI JOIN unrecorded u USING (response_id))"
        answers = "(SELECT a.* FROM answers a SEMI JOIN unrecorded u USING (response_id))"
        for step in _STEPS:
            cursor.execute(step.format(responses=responses, answers=answers, response_number=RESPONSE_NUMBER))
    cursor.execute("DROP TABLE unrecorded")
    return int(found[0]) if found else 0
