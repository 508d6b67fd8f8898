"""What the live tracker counts in DuckDB: responses per outreach source and channel, and per hour of arrival.

Each comes back grouped (a row per source, per channel, per hour and channel or source), never a row per
response: an hour's count is turned into a UK date by `analytics.tracker.uk_days`.
"""

from __future__ import annotations

import polars as pl

from surveyapp.store import Store

CHANNELS = ("form", "api", "paper", "phone")
NO_SOURCE = "no_source"  # responses that came through no outreach link


def wave_sources(store: Store, wave_id: str) -> pl.DataFrame:
    """The wave's registered sources: source_id, name, retired (a retired_at is set), oldest first."""
    return store.frame(
        "SELECT source_id, name, retired_at IS NOT NULL AS retired FROM sources WHERE wave_id = ? "
        "ORDER BY created_at, source_id", [wave_id]).cast(
        {"source_id": pl.String, "name": pl.String, "retired": pl.Boolean})


def _column(breakdown: str) -> str:
    if breakdown == "channel":
        return "channel"
    if breakdown == "source":
        return f"coalesce(source_id, '{NO_SOURCE}')"
    raise ValueError(f"breakdown is channel or source, not {breakdown!r}")


def counts_by(store: Store, wave_id: str, breakdown: str) -> pl.DataFrame:
    """Responses of the wave per channel or source (NO_SOURCE for none): area_code, responses."""
    return store.frame(f"SELECT {_column(breakdown)} AS area_code, count(*) AS responses FROM responses "
                       "WHERE wave_id = ? GROUP BY ALL", [wave_id]).cast(
        {"area_code": pl.String, "responses": pl.Int64})


def hourly_by(store: Store, wave_id: str, breakdown: str) -> pl.DataFrame:
    """Responses of the wave per stored hour (UTC, naive) and channel or source: submitted_hour, code, n."""
    return store.frame(f"SELECT submitted_hour, {_column(breakdown)} AS code, count(*) AS n FROM responses "
                       "WHERE wave_id = ? GROUP BY ALL", [wave_id]).cast(
        {"submitted_hour": pl.Datetime("us"), "code": pl.String, "n": pl.Int64})
