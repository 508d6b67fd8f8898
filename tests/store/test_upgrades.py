"""Upgrades: a store made at every earlier migration level opens in this release with every figure unchanged.

For each level N below the newest, the seeded families' responses (written by this release) are put into a store
that has only migration 001's tables, with the columns 001 has, and that store is carried to level N by the
migrations 002..N and their data steps, as a service of that release would have done. This release then opens
it (applying the rest) and its compare, cohort, reach and export figures must be the same, byte for byte, as
those of the same families stored by this release directly. A new migration adds a level here by itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from surveyapp.store import Store
from surveyapp.store.migrations import NewerStore, migrate, migration_files
from tests.conftest import InProcessApp, Seeded
from tests.support import ANALYST_TOKEN, FakeClock, make_settings

LEVELS = [int(path.name[:3]) for path in migration_files()][:-1]  # every level a store may be upgraded from
FIRST_TABLES = ("waves", "responses", "answers", "aggregate_counts")  # what migration 001 stores
FIGURES = [  # every published figure of the seeded waves, as analysts fetch them
    ("/api/v1/waves/2026-autumn/compare", {"by": "all"}),
    ("/api/v1/waves/2026-autumn/compare", {"by": "lad"}),
    ("/api/v1/waves/2027-spring/compare", {"by": "district", "format": "csv"}),
    ("/api/v1/waves/2027-spring/cohort", {"against": "2026-autumn"}),
    ("/api/v1/waves/2027-spring/cohort", {"against": "2026-autumn", "by": "lad"}),
    ("/api/v1/waves/2026-autumn/reach", {"by": "lad"}),
    ("/api/v1/waves/2026-autumn/reach", {"by": "ethnic_group"}),
    ("/api/v1/export", {"waves": "all", "format": "csv"}),
]


def figures_of(data_dir: Path, seeded: Seeded) -> dict[str, bytes]:
    service = InProcessApp(make_settings(data_dir), FakeClock(seeded.now)).start()
    try:
        with service.client(ANALYST_TOKEN) as analyst:
            found = {}
            for path, params in FIGURES:
                answer = analyst.get(path, params=params)
                assert answer.status_code == 200, (path, params, answer.text)
                found[f"{path} {params}"] = answer.content
            return found
    finally:
        service.stop()


@pytest.fixture(scope="module")
def figures_now(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return figures_of(seeded.copy_to(tmp_path_factory.mktemp("upgrade-reference") / "data"), seeded)


def store_at_level(level: int, source: Path, target: Path, folder: Path) -> None:
    """`source`'s responses in a new store `target` at migration level `level`: made at level 1, then carried
    up by the migrations to `level` with their data steps."""
    def migrations_to(n: int) -> Path:
        chosen = folder / f"migrations-{n:03d}"
        chosen.mkdir(exist_ok=True)
        for path in migration_files()[:n]:
            shutil.copy(path, chosen / path.name)
        return chosen

    conn = duckdb.connect(str(target))
    try:
        migrate(conn, migrations_to(1))
        conn.execute(f"ATTACH '{source}' AS newer (READ_ONLY)")
        for table in FIRST_TABLES:
            columns = ", ".join(f'"{c}"' for (c,) in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND "
                "table_name = ? ORDER BY column_index", [table]).fetchall())
            conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM newer.main.{table}")
        conn.execute("DETACH newer")
        migrate(conn, migrations_to(level))
        applied = [name for (name,) in conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
        assert applied == [path.name for path in migration_files()[:level]]
    finally:
        conn.close()


# Each level is a store migrated and read through eight analyses (about a second of CPU): make test-fast upgrades
# from the first level (every migration run by this release) and the last, make test from every one.
@pytest.mark.parametrize("level", [pytest.param(n, id=f"from-{n:03d}", marks=[] if n in (LEVELS[0], LEVELS[-1])
                                                else [pytest.mark.slow]) for n in LEVELS])
def test_a_store_from_every_earlier_migration_upgrades_with_every_figure_unchanged(
        level: int, seeded: Seeded, figures_now: dict[str, bytes], tmp_path: Path) -> None:
    data_dir = seeded.copy_to(tmp_path / "data")  # the same keys: codes and rounding are keyed by them
    database = data_dir / "surveyapp.duckdb"
    original = tmp_path / "original.duckdb"
    shutil.move(database, original)
    database.with_name(database.name + ".wal").unlink(missing_ok=True)
    store_at_level(level, original, database, tmp_path)
    with duckdb.connect(str(database), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM responses").fetchone() == (100,)
    upgraded = figures_of(data_dir, seeded)
    for name, figures in figures_now.items():
        assert upgraded[name] == figures, f"{name} changed after upgrading from level {level:03d}"



def test_a_rolled_back_release_refuses_a_store_a_newer_one_upgraded(tmp_path: Path) -> None:
    """The rollback is a restore of the backup taken before the upgrade: the older release will not run on the
    upgraded file, whose schema it does not know."""
    database = tmp_path / "data" / "surveyapp.duckdb"
    Store(database).close()  # upgraded by this release
    older = tmp_path / "older"
    older.mkdir()
    for path in migration_files()[:-1]:
        shutil.copy(path, older / path.name)
    newest = migration_files()[-1].name
    with duckdb.connect(str(database)) as conn, pytest.raises(NewerStore, match=f"upgraded by a newer release "
                                                                                 rf"\(migrations {newest}"):
        migrate(conn, older)
