"""The live tracker: reach so far with each group's shortfall, and responses per day, from published counts.

Every function takes frames the disclosure layer has already rounded (a `responses_true` column beside a
rounded `responses`, when rounded) and returns frames; nothing here reads a store or a clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import polars as pl

from analytics.suppression import flag_publishable, internal_columns, small_rule

UK_ZONE = "Europe/London"
GROUP_COLUMNS = [
    "wave_id", "area_level", "area_code", "area_name", "responses", "responses_band", "expected_share",
    "expected_responses", "shortfall", "response_share", "representation_ratio", "ratio_ci_low", "ratio_ci_high",
    "p_value", "p_adjusted", "under_reached", "reach_status", "suppressed", "expected_source", "retired",
]
DAILY_COLUMNS = ["wave_id", "date", "breakdown", "code", "name", "responses", "responses_band", "suppressed"]
NO_POPULATION = "no population figure"
LEVEL_WORDS = {"lad": "area", "district": "postcode district", "source": "outreach source", "channel": "channel",
               "ethnic_group_broad": "ethnic group", "ethnic_group": "detailed ethnic group", "religion": "religion",
               "child_age_band": "child's age band"}
_EPSILON = 1e-9  # (pN - x) / (1 - p) computed in floating point: a whole number must not round up past itself


def shortfall_of(share: float, responses: int, total: int) -> int:
    """The fewest more responses k that bring a group with `responses` of `total` up to `share`, the total
    growing with them: the smallest k >= 0 with (x + k) / (N + k) >= p, i.e. ceil((pN - x) / (1 - p))."""
    if not 0 <= share < 1:
        raise ValueError(f"a share is from 0 up to (not including) 1, not {share}")
    value = (share * total - responses) / (1 - share)
    return max(0, math.ceil(value - _EPSILON * max(1.0, abs(value))))  # float noise, relative to the size


def with_shortfall(reach: pl.DataFrame, *, total: int, threshold: int) -> pl.DataFrame:
    """Reach rows (`analytics.reach.COLUMNS`) with `shortfall` and `retired` (null), as `GROUP_COLUMNS`,
    sorted by shortfall, largest first (rows without an expected share last).

    The shortfall is worked on the published figures alone: x is the published (rounded) count, or
    threshold - 1 for a row shown as "fewer than 10" (the most it can hold, so the shortfall is the fewest
    more it needs), N the published base of the shares (`total`), p the expected share. Rows outside the
    shares (out of area, unknown, not answered, prefer not to say) and rows without a population have none.
    """
    internal = "publishable" in reach.columns  # exact counts: x is the count itself
    x = (pl.col("responses") if internal else
         pl.when(pl.col("suppressed")).then(pl.lit(threshold - 1)).otherwise(pl.col("responses"))).cast(pl.Float64)
    p = pl.col("expected_share")
    value = (p * total - x) / (1 - p)
    needed = (value - _EPSILON * pl.max_horizontal(pl.lit(1.0), value.abs())).ceil().clip(lower_bound=0).cast(pl.Int64)
    return reach.with_columns(
        shortfall=pl.when(p.is_not_null() & (total > 0) & (p < 1)).then(needed),
        retired=pl.lit(None, pl.Boolean),
    ).select(internal_columns(GROUP_COLUMNS) if internal else GROUP_COLUMNS).sort(
        pl.col("shortfall"), pl.col("under_reached"), pl.col("area_name"),
        descending=[True, True, False], nulls_last=True)


def published(counts: pl.DataFrame, *, threshold: int, internal: bool = False) -> pl.DataFrame:
    """Rounded counts (`responses`, `responses_true`) as published: a count whose true value is under
    `threshold` is null and shown as the band "fewer than 10" (`responses_band`), with `suppressed`; the
    true count is dropped. `internal` (exact counts): every count kept, `responses_band` the count itself, and
    `publishable`/`publishable_rule` instead of `suppressed`."""
    if internal:
        return flag_publishable(counts.with_columns(responses_band=pl.col("responses").cast(pl.String)),
                                [(pl.col("responses") < threshold, small_rule(threshold))])
    if "responses_true" not in counts.columns:  # exact counts (tests only): the same rule on the counts
        counts = counts.with_columns(responses_true=pl.col("responses"))
    hidden = pl.col("responses_true") < threshold
    return counts.with_columns(
        responses=pl.when(~hidden).then(pl.col("responses")),
        responses_band=pl.when(hidden).then(pl.lit(f"fewer than {threshold}"))
        .otherwise(pl.col("responses").cast(pl.String)),
        suppressed=hidden,
    ).drop("responses_true")


def group_rows(counts: pl.DataFrame, *, wave_id: str, level: str, names: Mapping[str, str],
               retired: Mapping[str, bool] | None = None) -> pl.DataFrame:
    """Published counts of groups without a population figure (sources, channels: area_code, responses,
    responses_band, suppressed) as `GROUP_COLUMNS`, largest first, hidden ones after, then by name."""
    flags = dict(retired or {})
    internal = "publishable" in counts.columns
    hidden = ~pl.col("publishable") if internal else pl.col("suppressed")
    return counts.with_columns(
        wave_id=pl.lit(wave_id), area_level=pl.lit(level),
        area_name=pl.col("area_code").replace_strict(dict(names), default=pl.col("area_code"), return_dtype=pl.String),
        retired=pl.col("area_code").replace_strict(flags, default=None, return_dtype=pl.Boolean) if flags
        else pl.lit(None, pl.Boolean),
        reach_status=pl.lit(NO_POPULATION),
        **{c: pl.lit(None, pl.Float64) for c in ("expected_share", "expected_responses", "response_share",
                                                 "representation_ratio", "ratio_ci_low", "ratio_ci_high",
                                                 "p_value", "p_adjusted")},
        shortfall=pl.lit(None, pl.Int64), under_reached=pl.lit(None, pl.Boolean),
        expected_source=pl.lit(None, pl.String),
    ).sort(hidden, pl.col("responses"), pl.col("area_name"), descending=[False, True, False], nulls_last=True
           ).select(internal_columns(GROUP_COLUMNS) if internal else GROUP_COLUMNS)


def uk_days(hourly: pl.DataFrame, *, codes: Sequence[str], last: dt.date | None = None,
            first: dt.date | None = None) -> pl.DataFrame:
    """Needs hourly counts (submitted_hour, a naive UTC hour; code; n); returns code, date, responses: each
    UK date (Europe/London, so an hour after 23:00 UTC in summer is the next day) from `first` (the wave's
    opening day, so the series does not tell on which day the first response came; default the first
    response's) to `last` (a date; default the last response's), for every one of `codes` (in their order
    within each day), zero where none came."""
    dated = hourly.with_columns(date=pl.col("submitted_hour").dt.replace_time_zone("UTC")
                                .dt.convert_time_zone(UK_ZONE).dt.date())
    counted = dated.group_by("code", "date").agg(responses=pl.col("n").sum().cast(pl.Int64))
    if counted.is_empty() or not codes:
        return pl.DataFrame(schema={"code": pl.String, "date": pl.Date, "responses": pl.Int64})
    dates: list[dt.date] = counted["date"].to_list()
    first, end = min([*dates, *([first] if first is not None else [])]), max([*dates, *([last] if last else [])])
    days = pl.DataFrame({"date": pl.date_range(first, end, interval="1d", eager=True)})
    grid = days.join(pl.DataFrame({"code": list(codes)}, schema={"code": pl.String}), how="cross")
    rank = {code: i for i, code in enumerate(codes)}
    return grid.join(counted, on=["code", "date"], how="left").with_columns(
        pl.col("responses").fill_null(0), _rank=pl.col("code").replace_strict(rank, return_dtype=pl.Int64)).sort(
        "date", "_rank").select("code", "date", "responses")


def level_words(by: str) -> str:
    """A breakdown in words, for sentences: "area", "postcode district", "free school meals"."""
    return LEVEL_WORDS.get(by, by.replace("_", " "))


def outreach_headline(groups: pl.DataFrame, *, level_word: str, apart: str | None = None, most: int = 3) -> str:
    """The line for groups without a population figure (sources, channels): which brought the most responses
    ("Oak Tree School SENCO brought the most responses so far (about 150), then Parent forum (about 40)"), how
    many have fewer than 10, and the `apart` row's (responses through no outreach link) on its own."""
    rows = groups.filter(pl.col("area_code") != apart) if apart else groups
    exact = "publishable" in groups.columns  # internal: exact counts, none hidden
    about = "" if exact else "about "
    shown = rows.filter(pl.col("publishable") if exact else pl.col("responses").is_not_null()).sort(
        "responses", descending=True, maintain_order=True)
    hidden = rows.height - shown.height
    listed = [f"{r['area_name']} ({about}{r['responses']:,})" for r in shown.head(most).iter_rows(named=True)]
    if not listed:
        line = f"No {level_word} has 10 or more responses yet"
    else:
        line = f"{listed[0].replace(' (', ' brought the most responses so far (', 1)}" + "".join(
            f", then {item}" for item in listed[1:])
        line += f"; {hidden} more {'has' if hidden == 1 else 'have'} fewer than 10" if hidden else ""
    outside = groups.filter(pl.col("area_code") == apart) if apart else groups.clear()
    if outside.height:
        row = outside.row(0, named=True)
        count = row["responses_band"] if row.get("suppressed") else f"{about}{row['responses']:,}"
        line += f". {row['area_name']}: {count}"
    return line + "."


def headline(groups: pl.DataFrame, *, level_word: str, most: int = 3) -> str:
    """The one line a reader acts on: the under-reached groups with the largest shortfalls ("Swale needs
    about 14 more responses to reach its share"), else the largest gaps, else that there is none."""
    if groups.is_empty() or groups["shortfall"].is_null().all():
        return f"There is no population figure by {level_word}, so no shortfall: the table shows responses so far."
    under = groups.filter(pl.col("under_reached").fill_null(False) & (pl.col("shortfall") > 0))
    if under.height:
        rows = list(under.head(most).iter_rows(named=True))
        first, rest = rows[0], rows[1:]
        line = f"{first['area_name']} needs about {first['shortfall']:,} more responses to reach its share"
        line += "".join(f"; {r['area_name']} about {r['shortfall']:,} more" for r in rest)
        more = under.height - len(rows)
        return line + (f"; and {more} more under-reached" if more else "") + "."
    gaps = groups.filter(pl.col("shortfall") > 0).head(most)
    if gaps.is_empty():
        return f"Every {level_word} has at least its share of responses so far."
    listed = "; ".join(f"{r['area_name']} about {r['shortfall']:,} more" for r in gaps.iter_rows(named=True))
    return f"No {level_word} is shown to be under-reached yet. The largest gaps: {listed}."


def tracker_headline(groups: pl.DataFrame, *, by: str) -> str:
    """The headline of the tracker's rows by `by`: which sources or channels brought the most (no outreach link
    set apart), else `headline`'s groups to push."""
    from analytics.areas import ARRIVAL_LEVELS, NO_SOURCE

    if by in ARRIVAL_LEVELS:
        return outreach_headline(groups, level_word=level_words(by), apart=NO_SOURCE)
    return headline(groups, level_word=level_words(by))
