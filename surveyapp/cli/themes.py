"""`surveyapp themes`: coded comments by theme for a wave, by area or group, exact (internal), through the API."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from surveyapp.cli.client import open_client, segment
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

COLUMNS = ["area_name", "theme_label", "responses", "coded", "share", "publishable"]


def _themes(args: argparse.Namespace, settings: Settings) -> int:
    import polars as pl

    path, params = f"/api/v1/waves/{segment(args.wave)}/themes", {"by": args.by}
    with open_client(settings) as api:
        if args.format != "table":
            body = api.request("GET", path, "analyst", params={**params, "format": args.format}).content
            if args.out is None:
                print(body.decode("utf-8", "replace") if args.format in ("csv", "json") else "use --out for "
                      f"{args.format}")
                return 0 if args.format in ("csv", "json") else 2
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(body)
            return 0
        frame = api.frame(path, "analyst", params)
    print("Internal: not for publication. Publish themes only from a checked release.")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, float_precision=2, tbl_hide_dataframe_shape=True,
                   fmt_str_lengths=40, tbl_hide_column_data_types=True):
        print(frame.select(COLUMNS))
    return 0


def add_themes(sub: SubParsers) -> None:
    """`surveyapp themes`."""
    themes = sub.add_parser("themes", help="coded comments by theme for a wave, by area or group (exact, internal)")
    themes.add_argument("--wave", required=True)
    themes.add_argument("--by", default="all", help="all, lad, district, a question id (e.g. ethnic_group_broad), or "
                                                    "two of them for a two-way table")
    themes.add_argument("--format", choices=["table", "csv", "json", "parquet", "xlsx"], default="table")
    themes.add_argument("--out", type=Path, help="file to write (needed for parquet and xlsx)")
    themes.set_defaults(run=_themes)
