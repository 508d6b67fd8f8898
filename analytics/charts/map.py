"""Map of the area pack's LADs coloured by representation ratio or by shift: tiles, or real boundaries.

The tile layout, the place's name and the population sources come from the active area pack."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping
from typing import Any, Literal

import altair as alt
import polars as pl

from analytics.charts.common import (
    BASELINE_SOURCE,
    NOT_AREAS,
    TOO_FEW,
    WIDTH,
    configure,
    hide_suppressed,
    pct,
    titled,
)
from analytics.scale import Scale
from waves.areas.pack import PackInfo

Measure = Literal["ratio", "shift"]
LOW, MID, HIGH, NO_DATA = "#e08214", "#f7f7f7", "#4393c3", "#bdbdbd"


def map_values(frame: pl.DataFrame, *, measure: Measure, threshold: int,
               statement_id: str | None = None) -> pl.DataFrame:
    """One row per LAD: `value` (ratio, or shift in share agreeing) and text `lines`, null when suppressed.

    measure 'ratio' needs a reach result (area_level 'lad', representation_ratio, responses, suppressed);
    'shift' needs a compare result (area_level 'lad', statement_id, delta_share_agree, n_valid, suppressed).
    """
    rows = frame.filter((pl.col("area_level") == "lad") & ~pl.col("area_code").is_in(NOT_AREAS))
    if measure == "ratio":
        rows = hide_suppressed(rows, [], size_col="responses", threshold=threshold)
        rows = rows.with_columns(pl.col("representation_ratio").alias("value"))
        text = [None if v is None else f"{v:.2f}" for v in rows["value"]]
    else:
        rows = hide_suppressed(rows.filter(pl.col("statement_id") == statement_id), [], size_col="n_valid",
                               threshold=threshold)
        rows = rows.with_columns(pl.col("delta_share_agree").alias("value"))
        text = [None if v is None else pct(v, signed=True).replace(" points", "") for v in rows["value"]]
    lines = [[*textwrap.wrap(name, 12), shown or "too few"] for name, shown in
             zip(rows["area_name"], text, strict=True)]
    return rows.select("area_code", "area_name", "value", "suppressed").with_columns(
        pl.Series("lines", lines, dtype=pl.List(pl.String)))


def biggest_shift_statement(by_area: pl.DataFrame) -> str:
    """The statement with the largest absolute area shift (the first statement when none is shown)."""
    shown = by_area.filter(pl.col("delta_share_agree").is_not_null() & ~pl.col("suppressed"))
    if shown.is_empty():
        return str(by_area["statement_id"][0])
    return str(shown.sort(pl.col("delta_share_agree").abs(), descending=True)["statement_id"][0])


def colour(measure: Measure, values: pl.Series) -> alt.Color:
    """A diverging, colour-blind-safe scale centred on 'as expected' (ratio 1, or no shift)."""
    if measure == "ratio":
        return alt.Color("value:Q", title=["Representation ratio", "(1 = in proportion)"],
                         scale=alt.Scale(domain=[0.5, 1, 1.5], range=[LOW, MID, HIGH], clamp=True),
                         legend=alt.Legend(format=".1f", orient="right", gradientLength=220))
    return alt.Color("value:Q", title=["Change in share", "agreeing (points)"],
                     scale=alt.Scale(domain=[-0.2, 0, 0.2], range=[LOW, MID, HIGH], clamp=True),
                     legend=alt.Legend(labelExpr="format(datum.value * 100, '+.0f')", orient="right",
                                       gradientLength=220))


def map_title(values: pl.DataFrame, measure: Measure, statement_id: str | None, scale: Scale | None,
              compared_with: str = "the baseline") -> str:
    """The finding: the area furthest from 'as expected'."""
    shown = values.filter(pl.col("value").is_not_null())
    if shown.is_empty():
        return "Too few responses in every area to map"
    if measure == "ratio":
        low = shown.sort("value").row(0, named=True)
        return f"{low['area_name']} is the least heard area: {low['value']:.2f} times its share of children"
    assert scale is not None, "map_chart asks for a scale with measure 'shift'"
    top = shown.sort(pl.col("value").abs(), descending=True).row(0, named=True)
    more = "More" if top["value"] > 0 else "Fewer"
    return (f"{more} families agree {scale.phrase(str(statement_id))} in {top['area_name']} "
            f"than in {compared_with} ({pct(top['value'], signed=True)})")


def tile_layers(values: pl.DataFrame, fill: alt.Color, tiles: pl.DataFrame) -> alt.TopLevelMixin:
    """Equal squares, one per LAD, in the area pack's tile layout (lad_code, col, row)."""
    tiles = tiles.select(pl.col("lad_code").alias("area_code"), "col", "row").join(values, on="area_code",
                                                                                    how="left")
    x = alt.X("col:O", axis=None, scale=alt.Scale(paddingInner=0.06))
    y = alt.Y("row:O", axis=None, scale=alt.Scale(paddingInner=0.06))
    grey = alt.Chart().mark_rect(stroke="white", strokeWidth=2, color=NO_DATA).encode(x=x, y=y)
    squares = alt.Chart().mark_rect(stroke="white", strokeWidth=2).encode(
        x=x, y=y, color=fill, tooltip=[alt.Tooltip("area_name:N", title="Area")])
    text = alt.Chart().mark_text(fontSize=13, lineHeight=16, color="#111111").encode(x=x, y=y, text="lines:N")
    return alt.layer(grey, squares, text, data=tiles, width=alt.Step(115), height=alt.Step(115))


def boundary_layers(values: pl.DataFrame, fill: alt.Color,
                    boundaries: Mapping[str, Any]) -> alt.TopLevelMixin:
    """A choropleth of the given GeoJSON (properties ltla24_code), with the figures looked up by code."""
    rows = values.to_dicts()
    features = alt.Data(values=[{**f, "geometry": clockwise(f["geometry"])} for f in boundaries["features"]])  # type: ignore[no-untyped-call]
    lookup = alt.LookupData(data=alt.Data(values=rows), key="area_code",  # type: ignore[no-untyped-call]
                            fields=["area_name", "value"])
    grey = alt.Chart(features).mark_geoshape(stroke="white", strokeWidth=1.5, color=NO_DATA)
    shapes = alt.Chart(features).mark_geoshape(stroke="white", strokeWidth=1.5).encode(
        color=fill, tooltip=[alt.Tooltip("area_name:N", title="Area")],
    ).transform_lookup(lookup="properties.ltla24_code", from_=lookup)
    centres = [{**row, **centre} for row in rows
               if (centre := centroid(boundaries, row["area_code"])) is not None]
    labels = alt.Chart(alt.Data(values=centres)).mark_text(  # type: ignore[no-untyped-call]
        fontSize=11, lineHeight=13).encode(
        longitude="lon:Q", latitude="lat:Q", text="lines:N")
    return alt.layer(grey, shapes, labels, width=WIDTH - 200, height=440).project("mercator")


def clockwise(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry with outer rings clockwise and holes anticlockwise, the winding Vega's d3-geo expects."""
    def wound(ring: list[list[float]], outer: bool) -> list[list[float]]:
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
        return ring[::-1] if (area > 0) == outer else ring

    def polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
        return [wound(ring, i == 0) for i, ring in enumerate(rings)]

    if geometry["type"] == "MultiPolygon":
        return {**geometry, "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    if geometry["type"] == "Polygon":
        return {**geometry, "coordinates": polygon(geometry["coordinates"])}
    return dict(geometry)


def centroid(boundaries: Mapping[str, Any], code: str) -> dict[str, float] | None:
    """The vertex mean of a LAD's largest ring: close enough to place a label."""
    for feature in boundaries["features"]:
        if feature["properties"].get("ltla24_code") == code:
            geometry = feature["geometry"]
            multi = geometry["type"] == "MultiPolygon"
            polygons = geometry["coordinates"] if multi else [geometry["coordinates"]]
            ring = max((p[0] for p in polygons), key=len)
            return {"lon": sum(x for x, _ in ring) / len(ring), "lat": sum(y for _, y in ring) / len(ring)}
    return None


def map_chart(frame: pl.DataFrame, *, tiles: pl.DataFrame, pack_info: PackInfo, measure: Measure = "ratio",
              threshold: int, scale: Scale | None = None, statement_id: str | None = None,
              boundaries: Mapping[str, Any] | None = None, compared_with: str = "the baseline") -> alt.TopLevelMixin:
    """The pack's LADs coloured by representation ratio or shift; tiles unless boundaries are given.

    `tiles` is the area pack's layout (lad_code, col, row); measure 'shift' needs the question's `scale`, and
    its title and colour key say what each area is compared with (`compared_with`: "Autumn 2026", or
    "the Kent-wide 2019 figure").
    """
    if measure == "shift" and scale is None:
        raise ValueError("a map of the shift in share agreeing needs the question's scale")
    if measure == "shift" and statement_id is None:
        statement_id = biggest_shift_statement(frame)
    values = map_values(frame, measure=measure, threshold=threshold, statement_id=statement_id)
    fill = colour(measure, values["value"])
    chart = tile_layers(values, fill, tiles) if boundaries is None else boundary_layers(values, fill, boundaries)
    title = map_title(values, measure, statement_id, scale, compared_with)
    what = ("Colour: share of responses ÷ share of children (orange: under-heard, blue: over)."
            if measure == "ratio" or scale is None else
            f"Colour: change in the share agreeing against {compared_with}: {scale.label(str(statement_id))}.")
    sources: tuple[str, ...] = (pack_info.children_source,) if measure == "ratio" else (BASELINE_SOURCE,)
    if boundaries is not None:
        sources = (*sources, pack_info.boundaries_source)
    chart = chart.properties(title=titled(title, threshold, pack_info, *sources,
                                          lines=[what, f"Grey: {TOO_FEW}."]))
    kind = "Tile map, one square per district," if boundaries is None else "Map"
    return configure(chart, f"{kind} of {pack_info.place_name}'s local authority districts, coloured by "
                            f"{'representation ratio' if measure == 'ratio' else 'change in share agreeing'}."
                            f" {title}.")
