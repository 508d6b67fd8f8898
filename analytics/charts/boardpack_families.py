"""The board pack's charts of which families answered: the same families in both waves, and the outreach sources
that brought families in. Drawn from a release's tables (hidden cells null, a `hidden` reason beside them), sized
for an A4 page like the rest of the pack (`analytics.charts.boardpack`).

- `same_families_chart`: per statement, the shares of the families who answered both waves whose answer got
  worse, stayed the same or improved, with the number of families and whether the change is clear, in words;
  a hidden row says "too few families who answered both to show", never a figure.
- `source_bars`: responses by outreach source, a hidden count said as "fewer than 10", never a figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from analytics.areas import NO_SOURCE
from analytics.charts.boardpack import HIDDEN_SO, ROW, hidden_reason, print_configured, said_small, wrapped
from analytics.charts.common import BETTER, NEUTRAL, WORSE
from analytics.scale import Scale

OUTCOMES = ("Worse", "Same", "Improved")
TOO_FEW_PAIRS = "too few families who answered both to show"
CLEAR = 0.05  # q value under which a change is called clear (Benjamini-Hochberg over the table's statements)
NO_PARTNER = "No partner's link (the plain link)"


def _verdict(improved: int | None, worse: int | None, q: float | None) -> str:
    if q is None or improved is None or worse is None or q >= CLEAR or improved == worse:
        return "could be chance"
    return "clearly improved" if improved > worse else "clearly worse"


def same_family_rows(table: pl.DataFrame, *, scale: Scale) -> pl.DataFrame:
    """Needs cohort rows (statement_id, n_pairs, n_improved, n_worse, share_improved, share_same, share_worse,
    q_value, hidden); returns one row per statement in the questionnaire's order: statement, statement_id,
    families, worse, same, improved (null for a hidden row), verdict ("clearly improved", "clearly worse",
    "could be chance", null when hidden) and words. A row with any hidden count shows no figure at all."""
    rows: list[tuple[object, ...]] = []
    found = {r["statement_id"]: r for r in table.iter_rows(named=True)}
    for statement in scale.statements:
        row = found.get(statement)
        if row is None:
            continue
        hidden = bool(row.get("hidden")) or not row.get("n_pairs") or row.get("share_same") is None
        if hidden:
            rows.append((scale.label(statement), statement, None, None, None, None, None, TOO_FEW_PAIRS))
            continue
        verdict = _verdict(row.get("n_improved"), row.get("n_worse"), row.get("q_value"))
        rows.append((scale.label(statement), statement, row["n_pairs"], row["share_worse"], row["share_same"],
                     row["share_improved"], verdict, f"{row['n_pairs']:,} families: {verdict}"))
    schema = {"statement": pl.String, "statement_id": pl.String, "families": pl.Int64, "worse": pl.Float64,
              "same": pl.Float64, "improved": pl.Float64, "verdict": pl.String, "words": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def same_families_finding(rows: pl.DataFrame) -> str:
    """What the chart finds, in words: how many statements clearly improved and how many clearly got worse."""
    shown = rows.filter(pl.col("verdict").is_not_null())
    if shown.is_empty():
        return "too few answered both to show"
    up, down = (shown["verdict"] == "clearly improved").sum(), (shown["verdict"] == "clearly worse").sum()
    if up == down == 0:
        return "no statement clearly moved"
    return f"{up or 'no'} of {shown.height} statements clearly improved, {down or 'none'} clearly worse"


def _segments(rows: pl.DataFrame) -> pl.DataFrame:
    """The bars' pieces: worse from 0, then the same, then improved up to 1; a share's label where it fits."""
    shown = rows.filter(pl.col("verdict").is_not_null())
    start = {"Worse": pl.lit(0.0), "Same": pl.col("worse"), "Improved": pl.col("worse") + pl.col("same")}
    parts = [shown.select("statement", outcome=pl.lit(name), rank=pl.lit(rank), share=pl.col(name.lower()),
                          start=start[name], end=start[name] + pl.col(name.lower()))
             for rank, name in enumerate(OUTCOMES)]
    segments = pl.concat(parts) if parts else pl.DataFrame()
    return segments.with_columns(
        middle=(pl.col("start") + pl.col("end")) / 2,
        label=pl.when(pl.col("share") >= 0.14).then(pl.format("{}%", (pl.col("share") * 100).round(0).cast(pl.Int64))),
        ink=pl.when(pl.col("outcome") == "Same").then(pl.lit("#0b0c0c")).otherwise(pl.lit("#ffffff")))


def same_families_chart(rows: pl.DataFrame, *, title: Sequence[str], subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """One bar per statement (worse, the same, improved, adding up to all the families who answered both), the
    shares on the bar, the families and whether the change is clear beside it; a hidden row's words only."""
    order = rows["statement"].to_list()
    y = alt.Y("statement:N", sort=order, title=None, axis=alt.Axis(labelLimit=250), scale=alt.Scale(domain=order))
    beside = alt.Y("statement:N", sort=order, title=None, axis=None, scale=alt.Scale(domain=order))
    segments = _segments(rows)
    bars = alt.Chart(segments).mark_bar(height=16).encode(
        x=alt.X("start:Q", title="Share of the families who answered both",
                scale=alt.Scale(domain=[0, 1], clamp=True),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        x2="end:Q", y=y, order="rank:Q",
        color=alt.Color("outcome:N", title=None, sort=list(OUTCOMES), legend=alt.Legend(direction="horizontal"),
                        scale=alt.Scale(domain=list(OUTCOMES), range=[WORSE, NEUTRAL, BETTER])),
        tooltip=["statement:N", "outcome:N", alt.Tooltip("share:Q", format=".0%")])
    shares = alt.Chart(segments).mark_text(fontWeight="bold").encode(
        x="middle:Q", y=y, text="label:N", color=alt.Color("ink:N", scale=None)).transform_filter(
        "isValid(datum.label)")
    frame = rows.with_columns(at=pl.lit(0.0))
    hidden = alt.Chart(frame.filter(pl.col("verdict").is_null())).mark_text(
        align="left", dx=4, fontStyle="italic", color="#333333").encode(x="at:Q", y=y, text="words:N")
    words = alt.Chart(frame.filter(pl.col("verdict").is_not_null())).mark_text(
        align="left", dx=4, color="#0b0c0c").encode(x=alt.value(0), y=beside, text="words:N")
    height = ROW * len(order)
    left = alt.layer(bars, shares, hidden).properties(width=260, height=height)
    right = words.properties(width=200, height=height)  # the words start at its left edge
    chart = alt.hconcat(left, right, spacing=4).properties(title=alt.Title(list(title),
                                                                           subtitle=wrapped(subtitle)))
    described = " ".join(title) + ". " + "; ".join(
        f"{r['statement']}: " + (r["words"] if r["verdict"] is None else
                                 f"{r['worse']:.0%} worse, {r['same']:.0%} the same, {r['improved']:.0%} improved, "
                                 f"{r['words']}") for r in rows.iter_rows(named=True))
    return print_configured(chart, described)


def source_rows(table: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """Needs tracker rows (area_code, area_name, responses, hidden); returns source, responses (null when
    hidden) and words: "about 120", "fewer than 10" for a count hidden as small, "not shown" for one hidden so
    that a small one cannot be worked out; the most responses first, hidden counts last."""
    reason = hidden_reason(table)
    rows = table.select(
        source=pl.when(pl.col("area_code") == NO_SOURCE).then(pl.lit(NO_PARTNER)).otherwise(pl.col("area_name")),
        responses=pl.when(reason.is_null()).then(pl.col("responses")), reason=reason)
    return rows.with_columns(words=pl.when(pl.col("responses").is_not_null())
                             .then(pl.format("about {}", pl.col("responses")))
                             .when(said_small(pl.col("reason")))
                             .then(pl.lit(f"fewer than {threshold}"))
                             .otherwise(pl.lit(HIDDEN_SO))).drop("reason").sort(
        pl.col("responses").is_null(), -pl.col("responses").fill_null(0), pl.col("source"))


def source_bars(rows: pl.DataFrame, *, title: str, subtitle: Sequence[str]) -> alt.TopLevelMixin:
    """One bar per outreach source (its responses), the count in words beside it; a hidden count has no bar."""
    order = rows["source"].to_list()
    top = max(10.0, float(rows["responses"].max() or 0) * 1.05)  # type: ignore[arg-type]
    y = alt.Y("source:N", sort=order, title=None, axis=alt.Axis(labelLimit=250), scale=alt.Scale(domain=order))
    bars = alt.Chart(rows.drop_nulls("responses")).mark_bar(height=16, color=BETTER).encode(
        x=alt.X("responses:Q", title="Responses (rounded to a multiple of 5)", scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(tickCount=5, format="d")),
        y=y, tooltip=["source:N", "words:N"])
    beside = alt.Y("source:N", sort=order, title=None, axis=None, scale=alt.Scale(domain=order))
    words = alt.Chart(rows).mark_text(align="left", dx=4, color="#0b0c0c").encode(x=alt.value(0), y=beside,
                                                                                  text="words:N")
    left = bars.properties(width=200, height=ROW * len(order))
    right = words.properties(width=110, height=ROW * len(order))  # the words start at its left edge
    chart = alt.hconcat(left, right, spacing=4).properties(title=alt.Title(title, subtitle=wrapped(subtitle)))
    described = f"{title}. " + "; ".join(f"{r['source']}: {r['words']}" for r in rows.iter_rows(named=True))
    return print_configured(chart, described)
