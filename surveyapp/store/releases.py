"""The releases table, and the rows a release is made from: a wave's responses stored before a cut-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import Store

COLUMNS = ("release_id", "wave_id", "stage", "version", "status", "cutoff", "made_at", "supersedes", "draft_json",
           "content", "content_sha256", "published_at", "withdrawn_at", "withdrawal_notice")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM releases"


def release_responses(store: Store, wave_id: str, cutoff: dt.datetime, singles: Sequence[str]) -> pl.DataFrame:
    """One row per response of the wave stored before `cutoff` (a naive UTC whole hour): response_id, wave_id,
    submitted_hour, postcode_district, lad_code, area_status, source_id, channel, cohort_key, child_key, and
    one column per single-choice question in `singles` (the option id, or null)."""
    base = store.frame(
        "SELECT response_id, wave_id, submitted_hour, postcode_district, lad_code, area_status, source_id, channel, "
        "cohort_key, child_key FROM responses WHERE wave_id = ? AND submitted_hour < ? ORDER BY response_id",
        [wave_id, cutoff])
    chosen = store.frame(
        "SELECT a.response_id, a.question_id, a.option_id FROM answers a JOIN responses r USING (response_id) "
        "WHERE r.wave_id = ? AND r.submitted_hour < ? AND a.question_id IN (SELECT unnest(?))",
        [wave_id, cutoff, list(singles)])
    wide = chosen.pivot(on="question_id", index="response_id", values="option_id") if chosen.height else \
        pl.DataFrame({"response_id": []}, schema={"response_id": pl.String})
    missing = [pl.lit(None, pl.String).alias(q) for q in singles if q not in wide.columns]
    return base.join(wide.with_columns(missing).select("response_id", *singles), on="response_id", how="left")


def release_answers(store: Store, wave_id: str, cutoff: dt.datetime, question_id: str) -> pl.DataFrame:
    """The Likert answers of those responses: response_id, wave_id, statement_id, answer_id."""
    return store.frame(
        "SELECT a.response_id, r.wave_id, a.statement_id, a.option_id AS answer_id FROM answers a "
        "JOIN responses r USING (response_id) WHERE r.wave_id = ? AND r.submitted_hour < ? AND a.question_id = ? "
        "ORDER BY a.response_id, a.statement_id", [wave_id, cutoff, question_id]).cast(
        {"response_id": pl.String, "wave_id": pl.String, "statement_id": pl.String, "answer_id": pl.String})


def read_release(store: Store, release_id: str) -> dict[str, Any] | None:
    rows = store.rows(f"{_SELECT} WHERE release_id = ?", [release_id])
    return dict(zip(COLUMNS, rows[0], strict=True)) if rows else None


def read_releases(store: Store, *, wave_id: str | None = None,
                  statuses: Sequence[str] = ("draft", "published", "withdrawn")) -> list[dict[str, Any]]:
    """Releases, newest made first (of one wave when `wave_id` is given), with these statuses."""
    where = "status IN (SELECT unnest($statuses))" + (" AND wave_id = $wave" if wave_id else "")
    rows = store.rows(f"{_SELECT} WHERE {where} ORDER BY made_at DESC, version DESC, release_id DESC",
                      {"statuses": list(statuses), "wave": wave_id})
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def add_release(store: Store, values: dict[str, Any]) -> None:
    """Store a new draft (every column of COLUMNS but content and the publication's)."""
    names = [c for c in COLUMNS if c in values]
    sql = f"INSERT INTO releases ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    _write(store, lambda cursor: cursor.execute(sql, [values[n] for n in names]) and None)


def publish_release(store: Store, release_id: str, content: bytes, sha256: str, at: dt.datetime, *,
                    waves: Sequence[str], checked_with: Sequence[str]) -> bool:
    """Freeze a draft: its bytes and hash, written once; False (nothing changed) when it was not a draft, or when
    the published releases of `waves` are no longer those it was `checked_with` (in the writer's transaction, so
    two drafts checked with the same releases cannot both be published)."""
    def publish(cursor: duckdb.DuckDBPyConnection) -> bool:
        out = cursor.execute("SELECT release_id FROM releases WHERE wave_id IN (SELECT unnest(?)) AND status IN "
                             "('published', 'withdrawn')", [list(waves)]).fetchall()
        if sorted(r[0] for r in out) != sorted(checked_with):
            return False
        rows = cursor.execute(
            "UPDATE releases SET status = 'published', content = ?, content_sha256 = ?, published_at = ? "
            "WHERE release_id = ? AND status = 'draft' AND content IS NULL RETURNING release_id",
            [content, sha256, at, release_id]).fetchall()
        return bool(rows)

    return bool(_write(store, publish))


def withdraw_release(store: Store, release_id: str, notice: str, at: dt.datetime) -> bool:
    """Withdraw a published release with its public notice (its bytes stay as they were); False when it was
    not published."""
    def withdraw(cursor: duckdb.DuckDBPyConnection) -> bool:
        rows = cursor.execute(
            "UPDATE releases SET status = 'withdrawn', withdrawn_at = ?, withdrawal_notice = ? "
            "WHERE release_id = ? AND status = 'published' RETURNING release_id", [at, notice, release_id]).fetchall()
        return bool(rows)

    return bool(_write(store, withdraw))


def _write(store: Store, action: Any) -> Any:
    return store.writer.run(action).result()
