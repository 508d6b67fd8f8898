"""One row per response, one column per `Column`: the store's rows shaped into the export's table."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from surveyapp.render.exports.columns import Column, Filter
from surveyapp.store import Store
from surveyapp.store.exports import export_answers, export_responses, source_names
from waves.areas.pack import AreaPack


def _wide(answers: pl.DataFrame, stored: list[str]) -> pl.DataFrame:
    wide = answers.pivot(on="name", index="response_id", values="value") if answers.height else \
        pl.DataFrame(schema={"response_id": pl.String})
    wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(n) for n in stored if n not in wide.columns)
    return wide.select("response_id", *stored)


def _made(columns: Sequence[Column]) -> list[pl.Expr]:
    """The option (0/1) and score columns, from the answer columns they are made from."""
    made = []
    for c in columns:
        if c.kind == "option" and c.source is not None:
            made.append(pl.when(pl.col(c.source).is_null()).then(None)
                        .otherwise(pl.col(c.source).str.split(";").list.contains(c.option_id)).cast(pl.Int8)
                        .alias(c.name))
        elif c.kind == "score" and c.source is not None:
            made.append(pl.col(c.source).replace_strict({a: n for a, n, _ in c.labels}, default=None,
                                                        return_dtype=pl.Int8).alias(c.name))
    return made


def export_frame(store: Store, wave_ids: Sequence[str], columns: Sequence[Column], areas: AreaPack,
                 filters: Sequence[Filter] = ()) -> pl.DataFrame:
    """One row per response of the waves (in their order, then by hour), one column per `columns`: answers as
    their ids (multiple choice `;`-joined), options 0/1, scores as numbers, `submitted_hour` in UTC."""
    pairs = [(f.question_id, f.option_ids) for f in filters]
    order = {w: i for i, w in enumerate(wave_ids)}
    base = export_responses(store, wave_ids, pairs).sort(
        pl.col("wave_id").replace_strict(order, return_dtype=pl.Int32), "submitted_hour", "response_id")
    base = base.join(areas.lads.select("lad_code", "lad_name"), on="lad_code", how="left", maintain_order="left")
    base = base.join(source_names(store), on="source_id", how="left", maintain_order="left")
    stored = [c.name for c in columns if c.kind in ("single", "multiple", "likert", "text")]
    wide = _wide(export_answers(store, wave_ids, pairs), stored)
    frame = base.join(wide, on="response_id", how="left", maintain_order="left")
    return frame.with_columns(_made(columns)).select(c.name for c in columns)
