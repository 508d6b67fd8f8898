"""The board pack's charts, drawn from a release's tables (frames in the analytics' columns, hidden cells null):
sized for an A4 page (text at least 9 pt when printed), one clear message each.

- `headline_chart`: share agreeing with each statement now against the comparison, like with like: the areas
  the comparison covered (Kent) against its figure (Kent-wide 2019), the areas it did not (Medway) apart.
- `area_change_chart`: one row per area, the average change over the statements, and how many clearly moved.
- `reach_bars`: responses against what each area's or group's share would give, said in words.
- `themes_chart`: what families wrote about, each theme's share of the coded comments, wave beside wave.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from analytics.charts.common import AGREE_DARK, BASELINE, BETTER, NO_CLEAR, WORSE, clear_change, names
from analytics.charts.words import ratio_words
from analytics.scale import Scale

PRINT_WIDTH = 680  # px at 96 dpi: the printable width of A4 with 12 mm margins is about 703 px
FONT = 13  # px: 9.75 pt printed at 1:1, the smallest text in the pack's charts
TITLE_FONT = 16
ROW = 24  # px a row: 13 areas and their title fit in under half an A4 page
NO_FIGURE = "too few answers to show"


def print_configured(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    """The pack's look: every text at least FONT px, no frame."""
    configured: alt.TopLevelMixin = (
        chart.properties(description=description)
        .configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelLimit=250, titleFontWeight="normal")
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, orient="top", labelLimit=PRINT_WIDTH,
                          symbolSize=120)
        .configure_text(fontSize=FONT)
        .configure_title(fontSize=TITLE_FONT, subtitleFontSize=FONT, anchor="start", subtitleColor="#333333")
        .configure_view(stroke=None)
    )
    return configured


def wrapped(subtitle: Sequence[str], width: int = 88) -> list[str]:
    """Subtitle lines short enough for the page: Vega widens the picture for a long line (and the page then
    shrinks its text)."""
    return [part for line in subtitle for part in textwrap.wrap(line, width)]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def headline_points(table: pl.DataFrame, *, scale: Scale, now: str, then: str | None, scope: str,
                    apart: Sequence[str]) -> pl.DataFrame:
    """Needs compare rows (area_code, area_name, statement_id, share_agree, baseline_share_agree); returns
    statement, series, share, order: one point per area and statement now, and the comparison's figure once
    per statement (from the rows it covered). Areas in `apart` (not covered by the comparison) get no
    comparison and a series that says so."""
    rows = table.filter(pl.col("statement_id").is_in(list(scale.statements)))
    points = []
    compared = rows.filter(~pl.col("area_code").is_in(list(apart)))
    for row in rows.iter_rows(named=True):
        outside = row["area_code"] in apart
        series = f"{'All' if row['area_code'] == 'all' else row['area_name']} families, {now}"
        if then and outside:
            series += f" (no {then} figure: not covered)"
        points.append((row["statement_id"], series, row["share_agree"], 1 if outside else 0))
    if then:
        for statement in compared["statement_id"].unique(maintain_order=True).to_list():
            base = compared.filter(pl.col("statement_id") == statement)["baseline_share_agree"].drop_nulls()
            if base.len():
                points.append((statement, f"{scope} {then}".strip(), float(base[0]), 2))
    frame = pl.DataFrame(points, schema={"statement_id": pl.String, "series": pl.String, "share": pl.Float64,
                                         "order": pl.Int64}, orient="row")
    return frame.with_columns(statement=pl.col("statement_id").map_elements(scale.label, return_dtype=pl.String))


def headline_chart(points: pl.DataFrame, *, scale: Scale, title: str, subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """A dot per series and statement (share agreeing), statements in the questionnaire's order."""
    series = points.sort("order")["series"].unique(maintain_order=True).to_list()
    colours = [AGREE_DARK, "#e66101", BASELINE][: len(series)] if len(series) <= 3 else None
    shapes = ["circle", "diamond", "square"][: len(series)] if len(series) <= 3 else None
    order = [scale.label(s) for s in scale.order(points["statement_id"].unique().to_list())]
    base = alt.Chart(points.drop_nulls("share"))
    y = alt.Y("statement:N", sort=order, title=None, axis=alt.Axis(labelLimit=250))
    x = alt.X("share:Q", title="Share of families agreeing", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%", tickCount=5))
    colour = alt.Color("series:N", title=None, sort=series, legend=alt.Legend(direction="vertical"),
                       scale=alt.Scale(domain=series, range=colours) if colours else alt.Undefined)
    shape = alt.Shape("series:N", title=None, sort=series,
                      scale=alt.Scale(domain=series, range=shapes) if shapes else alt.Undefined)
    dots = base.mark_point(filled=True, size=150, opacity=1).encode(
        x=x, y=y, color=colour, shape=shape,
        tooltip=[alt.Tooltip("statement:N"), alt.Tooltip("series:N"), alt.Tooltip("share:Q", format=".0%")])
    chart = dots.properties(width=PRINT_WIDTH - 330, height=ROW * len(order),
                            title=alt.Title(title, subtitle=wrapped(subtitle)))
    described = f"{title}. " + "; ".join(
        f"{r['statement']}: " + ", ".join(f"{s} {_pct(v)}" for s, v in zip(r["series"], r["share"], strict=True))
        for r in points.drop_nulls("share").group_by("statement", maintain_order=True).agg("series", "share")
        .iter_rows(named=True))
    return print_configured(chart, described)


def area_change_points(table: pl.DataFrame, *, scale: Scale, apart: Sequence[str]) -> pl.DataFrame:
    """Needs compare rows by area (area_code, area_name, statement_id, delta_share_agree, delta_ci_low,
    delta_ci_high, q_value); returns one row per area: area, change (mean change in points over the
    statements shown), up and down (statements that clearly rose or fell), shown (statements with a figure)
    and label (what the row says in words), largest rise first, areas without a figure last."""
    rows = table.filter(pl.col("statement_id").is_in(list(scale.statements)))
    rows = rows.with_columns(change=clear_change(rows))
    per_area = rows.group_by("area_code", "area_name", maintain_order=True).agg(
        change=(pl.col("delta_share_agree").mean() * 100),
        up=(pl.col("change") == "more agree").sum(), down=(pl.col("change") == "fewer agree").sum(),
        shown=pl.col("delta_share_agree").is_not_null().sum())
    total = len(scale.statements)
    outside = pl.col("area_code").is_in(list(apart))
    label = (
        pl.when(outside).then(pl.lit("shown apart: no figure to compare with"))
        .when(pl.col("shown") == 0).then(pl.lit(NO_FIGURE))
        .otherwise(pl.concat_str(
            pl.col("change").round(0).cast(pl.Int64).map_elements(lambda v: f"{v:+d} points", return_dtype=pl.String),
            pl.when(pl.col("up") > 0).then(pl.format("; {} of {} clearly up", pl.col("up"), pl.lit(total)))
            .otherwise(pl.lit("")),
            pl.when(pl.col("down") > 0).then(pl.format("; {} of {} clearly down", pl.col("down"), pl.lit(total)))
            .otherwise(pl.lit("")))))
    return per_area.with_columns(change=pl.when(pl.col("shown") > 0).then(pl.col("change")), label=label).sort(
        pl.col("change").is_null(), -pl.col("change").fill_null(0), pl.col("area_name")).rename(
        {"area_name": "area"})


def area_change_chart(points: pl.DataFrame, *, title: str, subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """One bar per area, its average change in points (rises right, falls left), the words beside it."""
    order = points["area"].to_list()
    frame = points.with_columns(
        direction=pl.when(pl.col("change") > 0).then(pl.lit("rose")).when(pl.col("change") < 0)
        .then(pl.lit("fell")).otherwise(pl.lit("no change")), zero=pl.lit(0.0))
    top = max(10.0, float(frame["change"].abs().max() or 0) * 1.1)  # type: ignore[arg-type]
    y = alt.Y("area:N", sort=order, title=None)
    bars = alt.Chart(frame).mark_bar(height=16).encode(
        x=alt.X("change:Q", title="Average change in the share agreeing (percentage points)",
                scale=alt.Scale(domain=[-top, top])),
        y=y, color=alt.Color("direction:N", legend=None, scale=alt.Scale(
            domain=["rose", "fell", "no change"], range=[BETTER, WORSE, NO_CLEAR])),
        tooltip=["area:N", alt.Tooltip("change:Q", format="+.0f"), "label:N"])
    rule = alt.Chart(pl.DataFrame({"zero": [0.0]})).mark_rule(color="#333333").encode(x="zero:Q")
    words = alt.Chart(frame).mark_text(align="left", dx=4, color="#0b0c0c").encode(
        y=alt.Y("area:N", sort=order, title=None, axis=None), text="label:N")
    left = alt.layer(bars, rule).properties(width=230, height=ROW * len(order))
    right = words.properties(width=190, height=ROW * len(order))
    chart = alt.hconcat(left, right, spacing=4).properties(title=alt.Title(title, subtitle=wrapped(subtitle)))
    described = f"{title}. " + "; ".join(f"{r['area']}: {r['label']}" for r in points.iter_rows(named=True))
    return print_configured(chart, described)


SMALL = ("small", "threshold")  # a count hidden because it is small (the release's reasons)
HIDDEN_SO = "not shown"  # a count hidden so that a small one cannot be worked out from it


def hidden_reason(table: pl.DataFrame) -> pl.Expr:
    """Why each row's count is hidden (the release's `hidden` column): null for a shown one, and for every row of
    a table without the column."""
    return pl.col("hidden") if "hidden" in table.columns else pl.lit(None, dtype=pl.String)


def said_small(reason: pl.Expr) -> pl.Expr:
    """Whether a hidden count is said as "fewer than" the threshold: hidden as small, or for no reason given;
    one hidden to protect another is said as HIDDEN_SO."""
    return reason.is_in(SMALL) | reason.is_null()


def reach_rows(table: pl.DataFrame, *, threshold: int, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Needs reach rows (area_code, area_name, responses, expected_responses, expected_share,
    representation_ratio, reach_status, hidden); returns group, ratio, status and words ("about a third of the
    responses we would expect"), rows without an expected share left out, the least heard first."""
    rows = table.filter(pl.col("expected_share").is_not_null())
    said = pl.col("representation_ratio").map_elements(lambda r: ratio_words(r), return_dtype=pl.String)
    words = (pl.when(pl.col("representation_ratio").is_null() & ~said_small(hidden_reason(rows)))
             .then(pl.lit(f"{HIDDEN_SO}, to protect another group"))
             .when(pl.col("representation_ratio").is_null())
             .then(pl.format("fewer than {} answered", pl.lit(threshold)))
             .when(said == "about as many as").then(pl.lit("about as many as expected"))
             .otherwise(pl.format("{} expected", said.str.replace(" of$", ""))))
    return rows.select(
        group=pl.col("area_name").replace(dict(labels or {})) if labels else pl.col("area_name"),
        ratio=pl.col("representation_ratio"), status=pl.col("reach_status").fill_null("not shown"),
        words=words, responses=pl.col("responses"), expected=pl.col("expected_responses"),
    ).sort(pl.col("ratio").is_null(), pl.col("ratio"), pl.col("group"))


def reach_bars(rows: pl.DataFrame, *, title: str, subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """One bar per area or group: its responses as a share of what its population share would give (1 =
    as many as expected), coloured by the under-reach test, with the ratio in words beside it."""
    order = rows["group"].to_list()
    top = max(1.5, float(rows["ratio"].max() or 0) * 1.05)  # type: ignore[arg-type]
    y = alt.Y("group:N", sort=order, title=None)
    bars = alt.Chart(rows).mark_bar(height=16).encode(
        x=alt.X("ratio:Q", title="Responses for every one we would expect", scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(values=[v / 2 for v in range(int(top * 2) + 1)], format=".1f")),
        y=y, color=alt.Color("status:N", title=None, legend=alt.Legend(direction="horizontal"), scale=alt.Scale(
            domain=["under-reached", "not under-reached", "cannot yet be assessed"],
            range=[WORSE, BETTER, NO_CLEAR])),
        tooltip=["group:N", alt.Tooltip("ratio:Q", format=".2f"), "words:N"])
    one = alt.Chart(pl.DataFrame({"one": [1.0]})).mark_rule(color="#333333", strokeDash=[4, 3]).encode(x="one:Q")
    words = alt.Chart(rows).mark_text(align="left", dx=4, color="#0b0c0c").encode(
        y=alt.Y("group:N", sort=order, title=None, axis=None), text="words:N")
    left = alt.layer(bars, one).properties(width=230, height=ROW * len(order))
    right = words.properties(width=190, height=ROW * len(order))
    chart = alt.hconcat(left, right, spacing=4).properties(title=alt.Title(title, subtitle=wrapped(subtitle)))
    under = [r["group"] for r in rows.iter_rows(named=True) if r["status"] == "under-reached"]
    described = f"{title}. " + (f"Under-reached: {names(under)}. " if under else "") + "; ".join(
        f"{r['group']}: {r['words']}" for r in rows.iter_rows(named=True))
    return print_configured(chart, described)


def theme_points(tables: Sequence[tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """Needs (wave title, released themes rows: theme_label, share, null where hidden) per wave, oldest first;
    returns wave, order, theme, share and label: one point per wave and theme shown."""
    frames = [rows.select(wave=pl.lit(title), order=pl.lit(i), theme=pl.col("theme_label"), share=pl.col("share"))
              for i, (title, rows) in enumerate(tables)]
    if not frames:
        return pl.DataFrame(schema={"wave": pl.String, "order": pl.Int32, "theme": pl.String, "share": pl.Float64,
                                    "label": pl.String})
    points = pl.concat(frames, how="vertical_relaxed").drop_nulls("share")
    return points.with_columns(label=pl.col("share").map_elements(_pct, return_dtype=pl.String))


def themes_chart(points: pl.DataFrame, *, title: str, subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """Each theme's share of the coded comments, one bar per wave side by side (the latest darkest), the
    percentage beside each bar; themes in the order of the latest wave's share, largest first."""
    waves = points.sort("order")["wave"].unique(maintain_order=True).to_list()
    latest = points.filter(pl.col("order") == pl.col("order").max()).sort("share", descending=True)
    order = [*latest["theme"].to_list(), *(t for t in points["theme"].unique().sort() if t not in latest["theme"])]
    shades = ["#b1b4b6", "#6f777b", AGREE_DARK][-len(waves):] if len(waves) <= 3 else None
    y = alt.Y("theme:N", sort=order, title=None)
    offset = alt.YOffset("wave:N", sort=waves, title=None)
    bars = alt.Chart(points).mark_bar(height=10).encode(
        x=alt.X("share:Q", title="Share of the coded comments raising it", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=y, yOffset=offset,
        color=alt.Color("wave:N", sort=waves, title=None,
                        scale=alt.Scale(domain=waves, range=shades) if shades else alt.Undefined),
        tooltip=["theme:N", "wave:N", "label:N"])
    words = alt.Chart(points).mark_text(align="left", dx=4, color="#0b0c0c").encode(
        x="share:Q", y=y, yOffset=offset, text="label:N")
    height = max(1, len(order)) * (12 * max(1, len(waves)) + 12)
    chart = alt.layer(bars, words).properties(width=430, height=height,
                                              title=alt.Title(title, subtitle=wrapped(subtitle)))
    described = f"{title}. " + "; ".join(f"{r['theme']}, {r['wave']}: {r['label']}"
                                          for r in points.iter_rows(named=True))
    return print_configured(chart, described)
