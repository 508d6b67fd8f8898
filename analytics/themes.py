"""What families wrote, counted: coded comments by theme, wave and area or group, exact, each row flagged with what a
release could not show on its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

COLUMNS = ["wave_id", "area_code", "area_name", "theme_id", "theme_label", "responses", "coded", "share",
           "publishable", "publishable_rule"]


def rules(threshold: int) -> dict[str, str]:
    """The rules a theme row is flagged by, in the order they are tried, with their words."""
    return {"coded": f"fewer than {threshold} coded comments in this row (zero alike)",
            "responses": f"fewer than {threshold} comments with this theme (zero alike)",
            "all_but": f"all but fewer than {threshold} of the row's coded comments have this theme"}


def theme_counts(tagged: pl.DataFrame, themes: pl.DataFrame, *, every: Sequence[str] = (),
                 labels: Mapping[str, str] | None = None, threshold: int = 10) -> pl.DataFrame:
    """Needs `tagged` (response_id, wave_id, area_code, theme_id: one row per coded comment and theme it carries,
    theme_id null for a coded comment with none) and `themes` (theme_id, label, in the codebook's order); returns
    `COLUMNS`: one row per wave, area (every code in `every` too, and every area with a coded comment) and theme.

    responses: coded comments in the row with the theme; coded: coded comments in the row (a comment counts once
    however many themes it carries); share = responses / coded (null when none). `publishable` is false, and
    `publishable_rule` says why, when a release could not show the row on its own: fewer than `threshold` coded,
    fewer than `threshold` with the theme (zero alike), or all but fewer than `threshold` with it."""
    per_row = ["wave_id", "area_code"]
    coded = tagged.group_by(per_row).agg(coded=pl.col("response_id").n_unique())
    waves = tagged.select("wave_id").unique()
    if every:
        listed = waves.join(pl.DataFrame({"area_code": list(every)}, schema={"area_code": pl.String}), how="cross")
        coded = listed.join(coded, on=per_row, how="full", coalesce=True).with_columns(pl.col("coded").fill_null(0))
    with_theme = tagged.drop_nulls("theme_id").group_by([*per_row, "theme_id"]).agg(
        responses=pl.col("response_id").n_unique())
    order = themes.with_row_index("_order").select("theme_id", pl.col("label").alias("theme_label"), "_order")
    table = coded.join(order, how="cross").join(with_theme, on=[*per_row, "theme_id"], how="left").with_columns(
        pl.col("responses").fill_null(0).cast(pl.Int64), pl.col("coded").cast(pl.Int64))
    names = dict(labels or {})
    said = rules(threshold)
    small_base, small = pl.col("coded") < threshold, pl.col("responses") < threshold
    all_but = (pl.col("coded") - pl.col("responses")) < threshold
    rule = (pl.when(small_base).then(pl.lit(said["coded"])).when(small).then(pl.lit(said["responses"]))
            .when(all_but).then(pl.lit(said["all_but"])).otherwise(pl.lit(None, pl.String)))
    return table.with_columns(
        area_name=pl.col("area_code").replace_strict(names, default=pl.col("area_code"), return_dtype=pl.String),
        share=pl.when(pl.col("coded") > 0).then(pl.col("responses") / pl.col("coded")),
        publishable_rule=rule,
    ).with_columns(publishable=pl.col("publishable_rule").is_null()).sort(
        "wave_id", "area_code", "_order").select(COLUMNS)
