"""Which submissions of a group commit are stored: a submission id the wave holds already is a duplicate (the
same answers) or a conflict, a return code at its ceiling is refused, and the rest are appended in one go.

The writer's thread alone uses it, inside the commit's transaction.
"""

from __future__ import annotations

from typing import Any

import duckdb

from surveyapp.store.keys import StoredKeys
from surveyapp.store.prepared import PreparedResponse, WriteOutcome

_RESPONSE_COLUMNS = ("response_id", "wave_id", "submission_id", "fingerprint", "submitted_hour",
                     "postcode_district", "lad_code", "area_status", "cohort_key", "language", "channel",
                     "source_id", "child_key")
_ANSWER_COLUMNS = ("response_id", "question_id", "statement_id", "option_id", "text")
_INSERT_RESPONSES = (f"INSERT INTO responses ({', '.join(_RESPONSE_COLUMNS)}) "
                     f"SELECT {', '.join(_RESPONSE_COLUMNS)} FROM batch_responses")
_INSERT_ANSWERS = f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) SELECT * FROM batch_answers"


class Admission:
    """Per wave that has taken a submission since start: hashes of its stored submission ids and cohort keys. A
    key whose hash is absent is certainly new, so only keys that may be stored are looked up, instead of scanning
    the table each commit. Bounded by the waves taking responses, not by every response ever stored; read wave by
    wave at the first submission to each."""

    def __init__(self, max_per_code: int) -> None:
        self._max_per_code = max_per_code
        self._stored_keys: dict[str, StoredKeys] = {}
        self.statements = 0  # SQL statements run for submissions: the work a submission costs, for tests

    def forget(self) -> None:
        """The database was re-opened: read the keys again from what the file holds."""
        self._stored_keys.clear()

    def keys_of(self, cursor: duckdb.DuckDBPyConnection, wave_id: str) -> StoredKeys:
        keys = self._stored_keys.get(wave_id)
        if keys is None:
            keys = self._stored_keys[wave_id] = StoredKeys.read(cursor, wave_id)
        return keys

    def remember(self, cursor: duckdb.DuckDBPyConnection, accepted: list[PreparedResponse]) -> None:
        """The commit holding `accepted` has returned: their keys are stored."""
        for wave_id in {r.wave_id for r in accepted}:
            in_wave = [r for r in accepted if r.wave_id == wave_id]
            self.keys_of(cursor, wave_id).add([r.submission_id for r in in_wave], [r.cohort_key for r in in_wave])

    def admit(self, cursor: duckdb.DuckDBPyConnection, responses: list[PreparedResponse]
              ) -> tuple[list[WriteOutcome], list[PreparedResponse]]:
        """Each response's outcome, in order, and those stored (appended, in the caller's transaction)."""
        may_repeat: list[PreparedResponse] = []
        # Uses of each code so far, from the hashes: never fewer than the true count (a hash may collide, and
        # this batch's uses are added as they are accepted). Below the ceiling that settles it with no query,
        # whether the code is fresh or used before, so neither the answer nor its time tells them apart.
        uses: dict[tuple[str, str], int] = {}
        for wave_id in sorted({r.wave_id for r in responses}):
            in_wave = [r for r in responses if r.wave_id == wave_id]
            keys = self.keys_of(cursor, wave_id)
            repeats = keys.may_hold_submissions([r.submission_id for r in in_wave])
            may_repeat += [r for r, hit in zip(in_wave, repeats, strict=True) if hit]
            for r, n in zip(in_wave, keys.code_uses([r.cohort_key for r in in_wave]), strict=True):
                uses[(wave_id, r.cohort_key)] = n
        known = self._known_submissions(cursor, may_repeat)
        counted: set[tuple[str, str]] = set()  # codes whose uses were counted in the table
        in_batch: dict[tuple[str, str], int] = {}
        outcomes: list[WriteOutcome] = []
        accepted: list[PreparedResponse] = []
        for r in responses:
            key = (r.wave_id, r.submission_id)
            if r.submission_id is not None and key in known:
                response_id, fingerprint = known[key]
                outcomes.append(WriteOutcome("duplicate" if fingerprint == r.fingerprint else "conflict",
                                             response_id))
                continue
            code = (r.wave_id, r.cohort_key)
            if uses[code] >= self._max_per_code and code not in counted:
                # At the ceiling by the hashes: count exactly, in case of a collision. Only a code about to be
                # refused gets here, so the time this takes says nothing the 409 does not.
                uses[code] = self._code_uses(cursor, *code) + in_batch.get(code, 0)
                counted.add(code)
            if uses[code] >= self._max_per_code:
                outcomes.append(WriteOutcome("code_limit", None))
                continue
            uses[code] += 1
            in_batch[code] = in_batch.get(code, 0) + 1
            if r.submission_id is not None:
                known[key] = (r.response_id, r.fingerprint)
            accepted.append(r)
            outcomes.append(WriteOutcome("stored", r.response_id))
        if accepted:
            self._append(cursor, accepted)
        return outcomes, accepted

    def _known_submissions(self, cursor: duckdb.DuckDBPyConnection, responses: list[PreparedResponse]
                           ) -> dict[tuple[str, str | None], tuple[str, str]]:
        ids = sorted({r.submission_id for r in responses if r.submission_id is not None})
        if not ids:
            return {}
        waves = sorted({r.wave_id for r in responses})
        rows = self._execute(  # by wave too: DuckDB skips other waves' row groups by their min/max
            cursor, "SELECT wave_id, submission_id, response_id, fingerprint FROM responses "
            "WHERE wave_id IN (SELECT unnest(?)) AND submission_id IN (SELECT unnest(?))", [waves, ids]).fetchall()
        return {(w, s): (rid, fp) for w, s, rid, fp in rows}

    def _code_uses(self, cursor: duckdb.DuckDBPyConnection, wave_id: str, cohort_key: str) -> int:
        """How many stored responses of the wave carry this code, counted in the table."""
        row = self._execute(cursor, "SELECT count(*) FROM responses WHERE wave_id = ? AND cohort_key = ?",
                            [wave_id, cohort_key]).fetchone()
        return int(row[0]) if row else 0

    def _append(self, cursor: duckdb.DuckDBPyConnection, accepted: list[PreparedResponse]) -> None:
        import pyarrow as pa  # on the writer thread at the first submission, not at start-up

        batch_responses = pa.table({c: [getattr(r, c) for r in accepted] for c in _RESPONSE_COLUMNS})
        answer_rows = [(r.response_id, *a) for r in accepted for a in r.answers]
        batch_answers = pa.table({c: [row[i] for row in answer_rows] for i, c in enumerate(_ANSWER_COLUMNS)},
                                 schema=pa.schema([(c, pa.string()) for c in _ANSWER_COLUMNS]))
        # DuckDB finds the two Arrow tables as local variables (a replacement scan): register() and
        # unregister() would cost more CPU than the inserts themselves at this batch size.
        cursor.execute(_INSERT_RESPONSES)
        cursor.execute(_INSERT_ANSWERS)
        self.statements += 2
        del batch_responses, batch_answers

    def _execute(self, cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
                 ) -> duckdb.DuckDBPyConnection:
        self.statements += 1
        return cursor.execute(sql, params)
