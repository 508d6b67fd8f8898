"""The writer's derived tables (`likert_tallies`, `likert_sheets`) hold exactly what the answers hold, whether
kept by the writer as responses arrive or filled by migration 002 from a store written before it.

Each check decodes the derived tables in plain Python and compares them with the stored answer rows."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

from bench.generate import write_store
from surveyapp.actions import cohort, compare
from surveyapp.domain.services import Services
from surveyapp.settings import from_env
from surveyapp.store import Store
from surveyapp.store.writer import PreparedResponse

Answer = tuple[str, str, str, str]  # response_id, question_id, statement_id, option_id


def _decoded(conn: duckdb.DuckDBPyConnection) -> tuple[set[Answer], dict[str, int], dict[str, tuple[int, int | None]]]:
    """The Likert answers the packed sheets hold, each response's cohort number, and each response's `uses` and
    `child_uses`."""
    slots: dict[str, dict[int, tuple[str, str]]] = {}
    for wave, question, statement, slot in conn.execute("SELECT * FROM likert_slots").fetchall():
        slots.setdefault(wave, {})[slot] = (question, statement)
    codes = {(w, q, c): o for w, q, o, c in conn.execute("SELECT * FROM likert_codes").fetchall()}
    held: set[Answer] = set()
    numbers, uses = {}, {}
    for wave, response_number, number, pattern, used, child_used in conn.execute(
            "SELECT wave_id, response_number, cohort_number, pattern, uses, child_uses FROM likert_sheets").fetchall():
        response_id = str(uuid.UUID(int=response_number))  # the id, from the number its hex digits spell
        numbers[response_id] = number
        uses[response_id] = (used, child_used)
        for slot, (question, statement) in slots.get(wave, {}).items():
            code = (int(pattern) >> (4 * slot)) & 15
            if code:
                held.add((response_id, question, statement, codes[(wave, question, code)]))
    return held, numbers, uses


def _check_against_answers(path: Path) -> int:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        answers = conn.execute("SELECT a.response_id, a.question_id, a.statement_id, a.option_id FROM answers a "
                               "WHERE a.statement_id IS NOT NULL").fetchall()
        held, numbers, uses = _decoded(conn)
        assert held == set(answers)
        responses = conn.execute("SELECT response_id, cohort_key, wave_id, coalesce(postcode_district, ''), "
                                 "coalesce(lad_code, ''), area_status FROM responses").fetchall()
        child = dict(conn.execute("SELECT response_id, child_key FROM responses").fetchall())
        assert set(numbers) == {r[0] for r in responses}  # one sheet per response, answered or not
        number_of_key = {r[1]: numbers[r[0]] for r in responses}  # one number per key, and one key per number
        assert all(numbers[r[0]] == number_of_key[r[1]] for r in responses)
        assert len(set(number_of_key.values())) == len(number_of_key)
        per_key = Counter((wave, key) for _, key, wave, *_ in responses)  # responses of each key in each wave
        per_child = Counter((wave, key, child[rid]) for rid, key, wave, *_ in responses if child[rid] is not None)
        assert uses == {rid: (per_key[(wave, key)], per_child[(wave, key, child[rid])] if child[rid] else None)
                        for rid, key, wave, *_ in responses}
        assert max(per_key.values()) > 1 and max(per_child.values()) > 1
        place = {r[0]: r[2:] for r in responses}
        expected = Counter((place[rid][0], q, s, o, *place[rid][1:]) for rid, q, s, o in answers)
        tallies = conn.execute("SELECT wave_id, question_id, statement_id, option_id, postcode_district, lad_code, "
                               "area_status, n FROM likert_tallies").fetchall()
        assert {row[:-1]: row[-1] for row in tallies} == dict(expected)
        return len(answers)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated store (chunks recorded as the writer records) plus responses sent through the writer in
    batches of every size, some without any Likert answer, some reusing cohort keys."""
    data = tmp_path_factory.mktemp("derived") / "data"
    write_store(data / "surveyapp.duckdb", 1_200, n_waves=2, seed=5, chunk=500)
    services = Services(from_env({}, data_dir=data))
    try:
        keys = [k for (k,) in services.store.rows("SELECT cohort_key FROM responses WHERE wave_id = 'wave-1' "
                                                   "ORDER BY response_id LIMIT 40")]
        statements = ["health_met", "making_progress", "assessment_wait"]
        answers = ["strongly_agree", "dont_know", "tend_to_disagree"]
        futures = [services.store.writer.submit(PreparedResponse(
            response_id=f"{i:08d}-0000-4000-8000-000000000000", wave_id="wave-2", submission_id=None,
            fingerprint="fp", submitted_hour=dt.datetime(2021, 1, 1, 10),
            postcode_district=["ME4", None, "CT9"][i % 3], lad_code=["E06000035", None, "E07000114"][i % 3],
            area_status=["in_area", "unknown", "in_area"][i % 3], cohort_key=keys[i % 30], language="en",
            channel="api", child_key=[None, "child-a", "child-b", "child-a"][i % 4],
            answers=(*(("q7", s, answers[(i + j) % 3], None) for j, s in enumerate(statements[: i % 4])),
                     ("religion", None, "none", None))))
            for i in range(40)]
        assert {f.result().status for f in futures} == {"stored"}
        # A wave new to the derived tables, sent as one group whose commit fails on a reused response id: the
        # group is rolled back (with the slots and codes it added) and retried one by one.
        fresh = [PreparedResponse(
            response_id=f"{i:08d}-1111-4000-8000-000000000000" if i != 3 else futures[0].result().response_id,
            wave_id="2026-autumn", submission_id=None, fingerprint="fp", submitted_hour=dt.datetime(2026, 10, 2, 9),
            postcode_district="ME4", lad_code="E06000035", area_status="in_area", cohort_key=keys[i],
            language="en", channel="api", answers=(("q7", statements[i % 3], answers[i % 3], None),))
            for i in range(8)]
        results = [f.exception() or f.result().status for f in [services.store.writer.submit(r) for r in fresh]]
        assert results.count("stored") == 7 and isinstance(results[3], RuntimeError)
        services.store.settle()  # what compare and cohort do first
    finally:
        services.close()
    return data / "surveyapp.duckdb"


def test_the_writers_tallies_and_sheets_hold_exactly_the_stored_answers(written: Path) -> None:
    assert _check_against_answers(written) > 1_200 * 5


# A store written before migration 002 (its derived tables gone) whose responses kept their child keys: 002 fills
# the tables as it made them, then 005 (run again) adds the child columns and settles them.
DERIVED_AS_BEFORE_002 = ("DROP TABLE likert_tallies; DROP TABLE likert_sheets; DROP TABLE likert_slots; "
                         "DROP TABLE likert_codes; DROP TABLE derived_state; DELETE FROM schema_migrations "
                         "WHERE name IN ('002_likert_tallies.sql', '005_child_key.sql')")


def test_migration_002_fills_them_for_a_store_written_before_it(written: Path, tmp_path: Path) -> None:
    before = tmp_path / "data" / "surveyapp.duckdb"
    before.parent.mkdir()
    shutil.copy(written, before)
    conn = duckdb.connect(str(before))
    conn.execute(DERIVED_AS_BEFORE_002)
    conn.close()
    store = Store(before)
    try:
        assert store.applied_migrations == ["002_likert_tallies.sql", "005_child_key.sql"]
    finally:
        store.close()
    _check_against_answers(before)


def test_figures_from_a_migrated_store_equal_those_of_the_writers(written: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(written, data / "surveyapp.duckdb")
    shutil.copytree(written.parent / "secrets", data / "secrets")
    conn = duckdb.connect(str(data / "surveyapp.duckdb"))
    conn.execute(DERIVED_AS_BEFORE_002)
    conn.close()
    figures = {}
    for name, directory in (("writer", written.parent), ("migrated", data)):
        services = Services(from_env({}, data_dir=directory))
        try:
            figures[name] = (compare.compare(services, "wave-2", baseline_id="wave-1", by="district").frame,
                             compare.compare(services, "wave-2", baseline_id="wave-1", by="lad", weighted=True).frame,
                             cohort.cohort(services, "wave-2", against="wave-1").frame)
        finally:
            services.close()
    for got, expected in zip(figures["migrated"], figures["writer"], strict=True):
        assert got.height > 0
        assert_frame_equal(got, expected)


CRASH = """
import datetime as dt, os, sys
from pathlib import Path
import surveyapp.store.writer as writer
writer.FLUSH_WHEN_IDLE_SECONDS = 3600.0  # hold every response: the crash loses them all
from surveyapp.store import Store
from surveyapp.store.writer import PreparedResponse
store = Store(Path(sys.argv[1]))
futures = [store.writer.submit(PreparedResponse(
    response_id=f"{i:08d}-2222-4000-8000-000000000000", wave_id="wave-2", submission_id=None, fingerprint="fp",
    submitted_hour=dt.datetime(2021, 1, 1, 10), postcode_district="ME4", lad_code="E06000035",
    area_status="in_area", cohort_key=f"crash-{i % 15}", language="en", channel="api",
    answers=(("q7", "health_met", "strongly_agree", None), ("q7", "making_progress", "dont_know", None))))
    for i in range(30)]
assert all(f.result().status == "stored" for f in futures)
print(store.writer._derived.held, flush=True)
os._exit(0)  # no flush, no clean stop: as a crash
"""


def test_responses_a_crash_left_without_derived_rows_are_completed_at_the_next_start(
        written: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(written, data / "surveyapp.duckdb")
    crashed = subprocess.run([sys.executable, "-c", CRASH, str(data / "surveyapp.duckdb")], capture_output=True,
                             text=True, check=True, cwd=Path(__file__).parents[2])
    assert crashed.stdout.strip() == "30"  # held, never added
    store = Store(data / "surveyapp.duckdb")
    try:
        assert store.rows("SELECT count(*) FROM likert_sheets WHERE response_number >= "
                          "('0x00000000222240008000000000000000')::UHUGEINT AND wave_id = 'wave-2' "
                          "AND cohort_number IN (SELECT md5_number('crash-' || i) FROM range(15) t(i))")[0][0] == 0
        store.settle()
    finally:
        store.close()
    assert _check_against_answers(data / "surveyapp.duckdb") > 0
