"""What families wrote: comments (q7a answers), codebooks, codings and their tags, samples and setting names
(migration 011)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from surveyapp.store import Store

COMMENT_QUESTION = "q7a"
THEME_COLUMNS = ("theme_id", "position", "label", "description")


class VersionTaken(RuntimeError):
    """Another edit of the codebook was stored first: the version asked for is no longer the next one."""


def comment_rows(store: Store, wave_ids: Sequence[str]) -> pl.DataFrame:
    """Every non-empty comment of these waves: response_id, wave_id, lad_code, text (as written), in a
    stable order (wave, response)."""
    return store.frame(
        "SELECT r.response_id, r.wave_id, r.lad_code, a.text FROM answers a "
        "JOIN responses r USING (response_id) WHERE a.question_id = ? AND list_contains(?, r.wave_id) "
        "AND a.text IS NOT NULL AND trim(a.text) <> '' ORDER BY r.wave_id, r.response_id",
        [COMMENT_QUESTION, list(wave_ids)])


def statement_answers(store: Store, response_ids: Sequence[str], question_id: str = "q7") -> pl.DataFrame:
    """The Likert answers given with these responses: response_id, statement_id, option_id."""
    return store.frame(
        "SELECT response_id, statement_id, option_id FROM answers WHERE question_id = ? "
        "AND statement_id IS NOT NULL AND list_contains(?, response_id) ORDER BY response_id, statement_id",
        [question_id, list(response_ids)])


def codebook_versions(store: Store, questionnaire_id: str) -> list[dict[str, Any]]:
    """Every stored version of the questionnaire's codebook, oldest first: version, note, made_by, made_at."""
    rows = store.rows("SELECT version, note, made_by, made_at FROM codebook_versions WHERE questionnaire_id = ? "
                      "ORDER BY version", [questionnaire_id])
    return [dict(zip(("version", "note", "made_by", "made_at"), row, strict=True)) for row in rows]


def codebook_themes(store: Store, questionnaire_id: str, version: int) -> list[dict[str, Any]]:
    """The themes of one version of the codebook, in their order: theme_id, position, label, description."""
    rows = store.rows(f"SELECT {', '.join(THEME_COLUMNS)} FROM codebook_themes WHERE questionnaire_id = ? "
                      "AND version = ? ORDER BY position", [questionnaire_id, version])
    return [dict(zip(THEME_COLUMNS, row, strict=True)) for row in rows]


def append_codebook(store: Store, questionnaire_id: str, version: int, themes: Sequence[dict[str, Any]], *,
                    note: str, made_by: str, made_at: dt.datetime) -> None:
    """Store a new version of the codebook with its themes; VersionTaken when `version` is not the next one."""

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        found = cursor.execute("SELECT coalesce(max(version), 0) FROM codebook_versions WHERE questionnaire_id = ?",
                               [questionnaire_id]).fetchall()[0][0]
        if found != version - 1:
            raise VersionTaken(f"the {questionnaire_id} codebook is at version {found}")
        cursor.execute("INSERT INTO codebook_versions VALUES (?, ?, ?, ?, ?)",
                       [questionnaire_id, version, note, made_by, made_at])
        cursor.executemany(f"INSERT INTO codebook_themes (questionnaire_id, version, {', '.join(THEME_COLUMNS)}) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           [[questionnaire_id, version, *(t[c] for c in THEME_COLUMNS)] for t in themes])

    store.writer.run(write).result()


def save_coding(store: Store, response_id: str, coder: str, *, questionnaire_id: str, codebook_version: int,
                theme_ids: Sequence[str], blind: bool, coded_at: dt.datetime) -> None:
    """Store (or replace) this coder's coding of one comment, with the themes ticked."""

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("DELETE FROM comment_tags WHERE response_id = ? AND coder = ?", [response_id, coder])
        cursor.execute("DELETE FROM comment_codings WHERE response_id = ? AND coder = ?", [response_id, coder])
        cursor.execute("INSERT INTO comment_codings VALUES (?, ?, ?, ?, ?, ?)",
                       [response_id, coder, questionnaire_id, codebook_version, blind, coded_at])
        if theme_ids:  # executemany refuses an empty list
            cursor.executemany("INSERT INTO comment_tags VALUES (?, ?, ?)",
                               [[response_id, coder, theme] for theme in theme_ids])

    store.writer.run(write).result()


def codings(store: Store, wave_ids: Sequence[str]) -> pl.DataFrame:
    """Every coding of these waves' comments, one row per theme ticked (theme_id null: none ticked):
    response_id, wave_id, coder, codebook_version, blind, coded_at, theme_id."""
    return store.frame(
        "SELECT c.response_id, r.wave_id, c.coder, c.codebook_version, c.blind, c.coded_at, t.theme_id "
        "FROM comment_codings c JOIN responses r USING (response_id) "
        "LEFT JOIN comment_tags t ON t.response_id = c.response_id AND t.coder = c.coder "
        "WHERE list_contains(?, r.wave_id) ORDER BY c.response_id, c.coder, t.theme_id", [list(wave_ids)])


def theme_tags(store: Store, wave_ids: Sequence[str]) -> pl.DataFrame:
    """The themes each coded comment carries, from its latest coding that is not blind: response_id, wave_id,
    lad_code, codebook_version, theme_id (null: coded, no theme applies)."""
    return store.frame(
        "WITH latest AS (SELECT c.*, row_number() OVER (PARTITION BY c.response_id ORDER BY c.coded_at DESC, "
        "c.coder) AS rank FROM comment_codings c WHERE NOT c.blind) "
        "SELECT l.response_id, r.wave_id, r.lad_code, l.codebook_version, t.theme_id FROM latest l "
        "JOIN responses r USING (response_id) "
        "LEFT JOIN comment_tags t ON t.response_id = l.response_id AND t.coder = l.coder "
        "WHERE l.rank = 1 AND list_contains(?, r.wave_id) ORDER BY l.response_id, t.theme_id", [list(wave_ids)])


def save_sample(store: Store, wave_id: str, response_ids: Sequence[str], *, seed: int, drawn_at: dt.datetime) -> None:
    """Store a wave's blind double-coding sample (replacing the one drawn before)."""

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("DELETE FROM coding_samples WHERE wave_id = ?", [wave_id])
        if response_ids:
            cursor.executemany("INSERT INTO coding_samples VALUES (?, ?, ?, ?)",
                               [[wave_id, rid, seed, drawn_at] for rid in response_ids])

    store.writer.run(write).result()


def sample(store: Store, wave_id: str) -> tuple[list[str], int | None]:
    """The wave's blind double-coding sample (its response ids, sorted) and the seed it was drawn with."""
    rows = store.rows("SELECT response_id, seed FROM coding_samples WHERE wave_id = ? ORDER BY response_id",
                      [wave_id])
    return [r[0] for r in rows], (rows[0][1] if rows else None)


def setting_names(store: Store) -> list[str]:
    """The names of schools and settings masking hides, sorted."""
    return [row[0] for row in store.rows("SELECT name FROM setting_names ORDER BY lower(name), name")]


def add_setting_names(store: Store, names: Sequence[str], *, added_by: str, added_at: dt.datetime) -> None:
    """Add names to the list (those already on it are left as they are)."""
    if not names:
        return

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.executemany("INSERT INTO setting_names VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           [[name, added_by, added_at] for name in names])

    store.writer.run(write).result()


def remove_setting_name(store: Store, name: str) -> bool:
    """Take a name off the list; False when it was not on it."""

    def write(cursor: duckdb.DuckDBPyConnection) -> bool:
        found = cursor.execute("SELECT count(*) FROM setting_names WHERE name = ?", [name]).fetchall()[0][0]
        cursor.execute("DELETE FROM setting_names WHERE name = ?", [name])
        return bool(found)

    result: bool = store.writer.run(write).result()
    return result
