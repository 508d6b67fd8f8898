"""Hand-built result frames in the compare, reach and cohort contracts, for the chart and report tests."""

from __future__ import annotations

import math

import polars as pl

from analytics.reach import CENSUS_SOURCE, LAD_SOURCE
from waves.areas.pack import OUT_OF_AREA, UNKNOWN

# The kinds of chart the report draws, one of each in the chart tests (tests/report/test_charts.py and the second
# questionnaire's, tests/waves/test_second_questionnaire.py), which check their `all_charts` builds exactly these.
CHART_NAMES = ["cohort", "likert", "map-ratio", "map-shift", "reach-lad", "reach-religion", "shift-all", "shift-one",
               "trend"]

STATEMENTS = ("local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
              "assessment_wait", "included_in_planning", "making_progress")
ANSWERS = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree")
WAVES = ("baseline-2019", "2026-autumn", "2027-spring")
TITLES = {"baseline-2019": "2019 baseline", "2026-autumn": "Autumn 2026", "2027-spring": "Spring 2027"}
LADS = {
    "E06000035": "Medway", "E07000105": "Ashford", "E07000106": "Canterbury", "E07000107": "Dartford",
    "E07000108": "Dover", "E07000109": "Gravesham", "E07000110": "Maidstone", "E07000111": "Sevenoaks",
    "E07000112": "Folkestone and Hythe", "E07000113": "Swale", "E07000114": "Thanet",
    "E07000115": "Tonbridge and Malling", "E07000116": "Tunbridge Wells",
}
THRESHOLD = 10
SUPPRESSED_LAD = "E07000109"  # Gravesham: too few responses in every compare frame here
CANARY = 777  # a figure only a suppressed row carries, when a step upstream forgot to null it
NUMERIC = ("n_valid", "n_dont_know", *ANSWERS, "share_agree", "share_disagree", "net_agree", "mean_score",
           "share_agree_ci_low", "share_agree_ci_high", "baseline_n_valid", "baseline_share_agree",
           "delta_share_agree", "delta_ci_low", "delta_ci_high", "p_value", "q_value")


def _counts(seed: int, size: int) -> list[int]:
    weights = [2 + (seed * (i + 3)) % 7 for i in range(5)]
    total = sum(weights)
    return [size * w // total for w in weights]


def compare_row(wave: str, level: str, code: str, name: str, statement: str, counts: list[int],
                base: tuple[int, float], dont_know: int = 5) -> dict:
    """One compare result row, with Wald intervals (good enough for charts)."""
    n = sum(counts)
    agree, disagree = (counts[0] + counts[1]) / n, (counts[3] + counts[4]) / n
    se = math.sqrt(agree * (1 - agree) / n)
    base_n, base_share = base
    delta = agree - base_share
    dse = math.sqrt(se**2 + base_share * (1 - base_share) / base_n)
    mean = sum(c * s for c, s in zip(counts, (5, 4, 3, 2, 1), strict=True)) / n
    return {
        "wave_id": wave, "baseline_id": "baseline-2019", "area_level": level, "area_code": code,
        "area_name": name, "statement_id": statement, "n_valid": n, "n_dont_know": dont_know,
        **dict(zip(ANSWERS, counts, strict=True)), "share_agree": agree, "share_disagree": disagree,
        "net_agree": agree - disagree, "mean_score": mean, "share_agree_ci_low": max(agree - 1.96 * se, 0.0),
        "share_agree_ci_high": min(agree + 1.96 * se, 1.0), "baseline_area_code": "all",
        "baseline_n_valid": base_n, "baseline_share_agree": base_share, "delta_share_agree": delta,
        "delta_ci_low": delta - 1.96 * dse, "delta_ci_high": delta + 1.96 * dse,
        "p_value": 0.01 if abs(delta) > 2 * dse else 0.4, "q_value": 0.02 if abs(delta) > 2 * dse else 0.5,
        "suppressed": False,
    }


def suppress(row: dict) -> dict:
    """The row as the compare step emits it when too few answered: every figure null."""
    return {**row, **dict.fromkeys(NUMERIC), "suppressed": True}


BASE = {s: (600, 0.2 + 0.04 * i) for i, s in enumerate(STATEMENTS)}


def overall_frame() -> pl.DataFrame:
    """Compare rows at area_level 'all' for the baseline and two later waves; one statement suppressed."""
    rows = []
    for w, wave in enumerate(WAVES):
        for i, s in enumerate(STATEMENTS):
            row = compare_row(wave, "all", "all", "Kent and Medway", s, _counts(i + 3 * w, 200 + 40 * w),
                              BASE[s], dont_know=4 + i)
            if wave == "2027-spring" and s == "social_care_met":
                row = suppress(row)
            rows.append(row)
    return pl.DataFrame(rows)


def by_area_frame(wave: str = "2027-spring") -> pl.DataFrame:
    """Compare rows per LAD (plus out_of_area and unknown) for one wave; Gravesham suppressed."""
    rows = []
    for k, (code, name) in enumerate(LADS.items()):
        for i, s in enumerate(STATEMENTS):
            row = compare_row(wave, "lad", code, name, s, _counts(k + i, 40 + 7 * k), BASE[s])
            rows.append(suppress(row) if code == SUPPRESSED_LAD else row)
    for code in (OUT_OF_AREA, UNKNOWN):
        rows += [compare_row(wave, "lad", code, code, s, _counts(i, 30), BASE[s]) for s in STATEMENTS]
    return pl.DataFrame(rows)


def with_canaries(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the survey figures of suppressed rows with CANARY (counts) and CANARY / 1000 (shares).

    Expected shares come from the population, not from responses, so they stay as they are.
    """
    fills = [
        pl.when(pl.col("suppressed")).then(pl.lit(CANARY if t.is_integer() else CANARY / 1000).cast(t))
        .otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items() if t.is_numeric() and c != "expected_share"
    ]
    return frame.with_columns(fills)


def reach_frame() -> pl.DataFrame:
    """Reach rows for LADs, ethnic group and religion; Gravesham and Sikh suppressed, two under-reached."""
    rows = []
    groups = [("lad", code, name) for code, name in LADS.items()]
    groups += [("ethnic_group", "white_british", "White British"), ("ethnic_group", "asian_indian", "Indian"),
               ("ethnic_group", "black_african", "Black African"), ("religion", "christian", "Christian"),
               ("religion", "no_religion", "No religion"), ("religion", "muslim", "Muslim"),
               ("religion", "sikh", "Sikh")]
    for k, (level, code, name) in enumerate(groups):
        expected = 1 / 13 if level == "lad" else 0.05 + 0.1 * (k % 3)
        ratio = 0.55 + 0.09 * (k % 11)
        low, high = ratio * 0.75, ratio * 1.3
        row = {"area_level": level, "area_code": code, "area_name": name, "responses": 20 + 5 * k,
               "response_share": expected * ratio, "expected_share": expected, "representation_ratio": ratio,
               "ratio_ci_low": low, "ratio_ci_high": high, "under_reached": high < 1, "suppressed": False,
               "expected_source": LAD_SOURCE if level == "lad" else CENSUS_SOURCE}
        if code in (SUPPRESSED_LAD, "sikh"):
            row |= dict.fromkeys(("responses", "response_share", "representation_ratio", "ratio_ci_low",
                                  "ratio_ci_high", "under_reached")) | {"suppressed": True}
        rows.append(row)
    return pl.DataFrame(rows)


def cohort_frame() -> pl.DataFrame:
    """Linked-cohort rows, one suppressed statement."""
    rows = []
    for i, s in enumerate(STATEMENTS):
        improved, worse = 0.2 + 0.03 * i, 0.3 - 0.025 * i
        row = {"wave_id": "2027-spring", "previous_wave_id": "2026-autumn", "statement_id": s,
               "n_pairs": 40 + i, "share_improved": improved, "share_same": 1 - improved - worse,
               "share_worse": worse, "mean_change": improved - worse, "p_value": 0.03, "suppressed": False}
        if s == "assessment_wait":
            row |= dict.fromkeys(("n_pairs", "share_improved", "share_same", "share_worse", "mean_change",
                                  "p_value")) | {"suppressed": True}
        rows.append(row)
    return pl.DataFrame(rows)


def rows_of(chart) -> list[dict]:
    """Every data row embedded in a chart's spec: named datasets and inline values."""
    spec = chart.to_dict()
    rows = [row for values in spec.get("datasets", {}).values() for row in values]
    stack = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("values"), list) and node is not spec:
                rows += [v for v in node["values"] if isinstance(v, dict)]
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return rows


def numbers_in(value) -> list[float]:
    """Every number inside a nested JSON-like value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [n for item in items for n in numbers_in(item)]


def encoded_in(spec: dict) -> list[dict]:
    """Every layer or chart of a spec that has an `encoding`."""
    found, stack = [], [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "encoding" in node:
                found.append(node)
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return found
