"""What the live tracker counts in DuckDB beyond reach's counts: responses per hour of arrival by outreach source
or channel, grouped (a row per hour and code), never a row per response; an hour's count is turned into a UK date
by `analytics.tracker.uk_days`."""

from __future__ import annotations

import polars as pl

from surveyapp.store import Store
from surveyapp.store.levels import arrival_code


def hourly_by(store: Store, wave_id: str, breakdown: str) -> pl.DataFrame:
    """Responses of the wave per stored hour (UTC, naive) and channel or source: submitted_hour, code, n."""
    code, params = arrival_code(breakdown)
    return store.frame(f"SELECT r.submitted_hour, {code} AS code, count(*) AS n FROM responses r "
                       "WHERE r.wave_id = $wave GROUP BY ALL", {**params, "wave": wave_id}).cast(
        {"submitted_hour": pl.Datetime("us"), "code": pl.String, "n": pl.Int64})
