"""Figures as a table for the page beneath each chart; attribution lines from an area pack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from analytics.charts.common import TOO_FEW
from analytics.scale import Scale

UNIT_HEADINGS = {"points": " (points)", "ratio": "", "share": "", "count": ""}


def cell(value: float | None, unit: str, note: str | None) -> str:
    """One figure as the page shows it: 45.2%, +8, 0.85, 123, or "too few responses"."""
    if note:
        return TOO_FEW if note == TOO_FEW else note
    if value is None:
        return "–"
    return {"share": f"{value * 100:.1f}%", "points": f"{value * 100:+.0f}", "ratio": f"{value:.2f}"}.get(
        unit, f"{value:.0f}")


def figure_table(figures: pl.DataFrame, wave_titles: Mapping[str, str], scale: Scale) -> dict[str, Any]:
    """Long figures as a table: `keys` (row header names), `measures` (column names) and `rows`."""
    waves = figures["wave_id"].drop_nulls().unique()
    shown = {"Wave": waves.len() > 1, "Area or group": figures["area_or_group"].is_not_null().any(),
             "Statement": figures["statement"].is_not_null().any()}
    keys = [k for k, show in shown.items() if show]
    measures: dict[str, str] = {}
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    for row in figures.iter_rows(named=True):
        name = row["measure"] + UNIT_HEADINGS.get(row["unit"], "")
        measures.setdefault(name, row["unit"])
        key = {"Wave": wave_titles.get(row["wave_id"], row["wave_id"]), "Area or group": row["area_or_group"],
               "Statement": scale.label(row["statement"]) if row["statement"] else ""}
        cells = rows.setdefault(tuple(str(key[k]) for k in keys), {})
        cells[name] = cell(row["value"], row["unit"], row["note"])
    return {"keys": keys, "measures": list(measures),
            "rows": [{"head": list(k), "cells": [v.get(m, "–") for m in measures]} for k, v in rows.items()]}


def attribution_lines(markdown: str) -> list[str]:
    """The attribution statements ('Contains ...', 'Source: ...') of an area pack's ATTRIBUTION.md."""
    return [line.strip() for line in markdown.splitlines()
            if line.strip().startswith(("Contains", "Source:"))]
