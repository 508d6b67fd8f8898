"""Themes counted (the codings of migration 011, read through their latest non-blind coding) and the quotes picked
for releases (migration 012)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import Store
from surveyapp.store.levels import area_sql

COMMENT_QUESTION = "q7a"
QUOTE_COLUMNS = ("quote_id", "release_id", "response_id", "statement_id", "place", "text", "version", "status",
                 "picked_by", "picked_at", "edited_by", "checked_by", "checked_at", "check_note")

# A comment's themes are those of its latest coding that is not blind (a blind second coding is compared, never
# counted); a coding with no theme ticked is a coded comment with none.
_COUNTED = ("WITH latest AS (SELECT c.response_id, c.coder, row_number() OVER (PARTITION BY c.response_id "
            "ORDER BY c.coded_at DESC, c.coder) AS rank FROM comment_codings c WHERE NOT c.blind) ")


def coded_themes(store: Store, wave_ids: Sequence[str], *, by: str, groups: Mapping[str, str] | None = None,
                 before: dt.datetime | None = None) -> pl.DataFrame:
    """One row per coded comment of these waves and theme it carries (theme_id null: coded, no theme applies):
    response_id, wave_id, area_code (its code at level `by`, see `store.levels.area_sql`); `before`: only
    responses stored before that hour (naive UTC), as a release's cut-off."""
    area, _, joins, params = area_sql(by, groups)
    cut = " AND r.submitted_hour < $before" if before is not None else ""
    sql = (f"{_COUNTED}SELECT r.response_id, r.wave_id, {area} AS area_code, t.theme_id FROM latest l "
           f"JOIN responses r ON r.response_id = l.response_id {joins} "
           "LEFT JOIN comment_tags t ON t.response_id = l.response_id AND t.coder = l.coder "
           f"WHERE l.rank = 1 AND r.wave_id IN (SELECT unnest($waves)){cut} ORDER BY r.response_id, t.theme_id")
    extra = {"before": before} if before is not None else {}
    return store.frame(sql, {**params, **extra, "waves": list(wave_ids)}).cast(
        {"response_id": pl.String, "wave_id": pl.String, "area_code": pl.String, "theme_id": pl.String})


def codebook(store: Store, questionnaire_id: str) -> pl.DataFrame:
    """The themes of the questionnaire's latest codebook, in their order: theme_id, label (none: no codebook)."""
    return store.frame(
        "SELECT theme_id, label FROM codebook_themes WHERE questionnaire_id = $q AND version = (SELECT max(version) "
        "FROM codebook_versions WHERE questionnaire_id = $q) ORDER BY position, theme_id", {"q": questionnaire_id},
    ).cast({"theme_id": pl.String, "label": pl.String})


def comment_of(store: Store, response_id: str) -> dict[str, Any] | None:
    """A comment as written, with where its response stands: wave_id, lad_code, area_status, text; None when the
    response left none."""
    rows = store.rows("SELECT r.wave_id, r.lad_code, r.area_status, a.text FROM answers a JOIN responses r "
                      "USING (response_id) WHERE a.response_id = ? AND a.question_id = ? AND a.text IS NOT NULL "
                      "AND trim(a.text) <> ''", [response_id, COMMENT_QUESTION])
    return dict(zip(("wave_id", "lad_code", "area_status", "text"), rows[0], strict=True)) if rows else None


def read_quotes(store: Store, *, release_id: str | None = None, quote_id: str | None = None) -> list[dict[str, Any]]:
    """The quotes of a release (or one quote), in the order they were picked."""
    where, params = ("quote_id = ?", [quote_id]) if quote_id is not None else ("release_id = ?", [release_id])
    rows = store.rows(f"SELECT {', '.join(QUOTE_COLUMNS)} FROM release_quotes WHERE {where} "
                      "ORDER BY picked_at, quote_id", params)
    return [dict(zip(QUOTE_COLUMNS, row, strict=True)) for row in rows]


def add_quote(store: Store, values: dict[str, Any]) -> None:
    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(f"INSERT INTO release_quotes ({', '.join(QUOTE_COLUMNS)}) VALUES "
                       f"({', '.join('?' for _ in QUOTE_COLUMNS)})", [values.get(c) for c in QUOTE_COLUMNS])

    store.writer.run(write).result()


def update_quote(store: Store, quote_id: str, version: int, changes: dict[str, Any]) -> bool:
    """Change a quote that is still at `version` (False when someone changed it first)."""
    columns = list(changes)

    def write(cursor: duckdb.DuckDBPyConnection) -> bool:
        found = cursor.execute("SELECT count(*) FROM release_quotes WHERE quote_id = ? AND version = ?",
                               [quote_id, version]).fetchall()[0][0]
        if not found:
            return False
        cursor.execute(f"UPDATE release_quotes SET {', '.join(f'{c} = ?' for c in columns)} WHERE quote_id = ?",
                       [*(changes[c] for c in columns), quote_id])
        return True

    done: bool = store.writer.run(write).result()
    return done
