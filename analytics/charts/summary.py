"""A one-paragraph, plain-English summary of the biggest shifts and reach gaps."""

from __future__ import annotations

import polars as pl

from analytics.charts.common import clear_change, hide_suppressed, names, pct
from analytics.charts.reach import LEVEL_WORDS, reach_points
from analytics.charts.shift import shift_points, shift_title
from analytics.scale import Scale
from waves.areas.pack import PackInfo


def overall_sentence(overall: pl.DataFrame, *, scale: Scale, place_name: str, wave_id: str, baseline_title: str,
                     threshold: int) -> str:
    """Which statements moved clearly since the baseline, across the whole place."""
    rows = overall.filter((pl.col("wave_id") == wave_id) & (pl.col("area_level") == "all"))
    rows = hide_suppressed(rows, [], size_col="n_valid", threshold=threshold)
    rows = rows.with_columns(clear_change(rows).alias("change")).sort(
        pl.col("delta_share_agree").abs(), descending=True, nulls_last=True)
    parts = []
    for change, word in (("more agree", "more"), ("fewer agree", "fewer")):
        moved = rows.filter(pl.col("change") == change).head(3)
        if moved.height:
            items = [f"{scale.phrase(r['statement_id'])} ({pct(r['delta_share_agree'], signed=True)})"
                     for r in moved.iter_rows(named=True)]
            parts.append(f"{word} families agree {names(items)}")
    if not parts:
        largest = rows.filter(pl.col("delta_share_agree").is_not_null()).head(1)
        tail = "".join(f" (the largest move: {scale.phrase(r['statement_id'])}, "
                       f"{pct(r['delta_share_agree'], signed=True)})" for r in largest.iter_rows(named=True))
        return f"Across {place_name}, no statement shows a clear change since {baseline_title}{tail}."
    return f"Compared with {baseline_title}, across {place_name} {'; '.join(parts)}."


def area_sentence(by_area: pl.DataFrame, *, scale: Scale, baseline_title: str, threshold: int,
                  baseline_scope: str | None = None) -> str:
    """The clearest single area shift, and how many areas had too few responses."""
    points = shift_points(by_area, scale=scale, statement_id=None, threshold=threshold)
    if points.is_empty():
        return ""
    title = shift_title(points, scale=scale, baseline_title=baseline_title, single=False,
                        baseline_scope=baseline_scope)
    sentence = f"By area, the clearest change: {title[0].lower()}{title[1:]}."
    hidden = points.group_by("area_name").agg(pl.col("suppressed").all()).filter(pl.col("suppressed"))
    if hidden.height:
        sentence += f" {names(sorted(hidden['area_name']))} had too few responses to show."
    return sentence


def _heard(row: dict[str, object]) -> str:
    """How far a row is heard, in numbers: its ratio, or its band beside the expected number."""
    if row["representation_ratio"] is not None:
        return f"{row['area_name']} ({float(str(row['representation_ratio'])):.2f} times its expected share)"
    return f"{row['area_name']} ({row['note']})"


def reach_sentence(reach: pl.DataFrame, *, threshold: int) -> str:
    """Which areas and communities are under-reached (with how far), which cannot be assessed yet, and, when
    none is shown under-reached, the least heard area with its ratio: never "heard in proportion" unsaid."""
    gaps, pending, least = [], [], ""
    for level in reach["area_level"].unique(maintain_order=True):
        points = reach_points(reach, area_level=level, threshold=threshold)
        under = points.filter(pl.col("status") == "under-reached")
        unknown = points.filter(pl.col("status") == "cannot yet be assessed")["area_name"].to_list()
        if under.height:
            gaps.append(f"{names([_heard(r) for r in under.iter_rows(named=True)])} "
                        f"({LEVEL_WORDS.get(level, level)})")
        if unknown:
            pending.append(f"{names(unknown)} ({LEVEL_WORDS.get(level, level)})")
        shown = points.filter(pl.col("representation_ratio").is_not_null())
        if level == "lad" and shown.height:
            low = shown.sort("representation_ratio").row(0, named=True)
            least = (f"; the least heard area is {low['area_name']}, at {low['representation_ratio']:.2f} times "
                     "its share of children")
    tail = f" Too few responses yet to assess: {'; '.join(pending)}." if pending else ""
    if not gaps:
        return f"No area or community is shown to be under-reached{least}.{tail}"
    return f"Under-reached: {'; '.join(gaps)}.{tail}"


def summary_text(overall: pl.DataFrame, by_area: pl.DataFrame, reach: pl.DataFrame, *, scale: Scale,
                 pack_info: PackInfo, wave_id: str, baseline_title: str, threshold: int,
                 area_baseline_title: str | None = None) -> str:
    """The report's opening paragraph, from the compare and reach results."""
    sentences = [
        overall_sentence(overall, scale=scale, place_name=pack_info.place_name, wave_id=wave_id,
                         baseline_title=baseline_title, threshold=threshold),
        area_sentence(by_area, scale=scale, baseline_title=area_baseline_title or baseline_title,
                      threshold=threshold, baseline_scope=pack_info.baseline_scope),
        reach_sentence(reach, threshold=threshold),
    ]
    return " ".join(s for s in sentences if s)
