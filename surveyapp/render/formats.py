"""Results as files: JSON, CSV, Parquet and XLSX, the same bytes whether the API or the CLI asked."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from surveyapp.render.exports import XLSX_OPTIONS, neutralise

if TYPE_CHECKING:
    import polars as pl

    from surveyapp.actions.levels import Result

ResultFormat = Literal["json", "csv", "parquet", "xlsx"]
MEDIA_TYPES: dict[ResultFormat, str] = {
    "json": "application/json", "csv": "text/csv",  # Litestar adds "; charset=utf-8" to text/ types
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DEFINITIONS = [
    ("n_valid", "Answers on the 5-point scale: excludes \"don't know\" and statements left unanswered."),
    ("share_agree", "(Strongly agree + tend to agree) / n_valid, a fraction 0..1; share_disagree likewise."),
    ("net_agree", "share_agree - share_disagree."),
    ("mean_score", "Mean on strongly agree 5 ... strongly disagree 1; \"don't know\" is never averaged."),
    ("share_agree_ci_low/high", "Wilson score 95% interval."),
    ("baseline_area_code", "The baseline's own row for the area when it has one, else its 'all' row."),
    ("delta_share_agree", "Wave share_agree minus baseline share_agree; interval: Newcombe's hybrid score."),
    ("p_value / q_value", "Two-sided pooled two-proportion z test; Benjamini-Hochberg over the result's rows."),
    ("effective_base / design_effect", "Kish's effective sample size (sum w)^2 / sum w^2 and design effect "
                                       "n / effective_base; n_valid and 1 when unweighted."),
    ("suppressed", "Rows on fewer than the small-number threshold (true count), rows where everyone gave the same "
                   "answer, and weighted rows on an effective base under the threshold show no figures."),
    ("publishable / publishable_rule", "Internal figures are exact: a row a release could not show on its own has "
                                       "publishable false, and publishable_rule names the rule it fails (fewer than "
                                       "10 responses, zero alike; everyone gave the same answer; a weighted base "
                                       "under 10; the complement of such a row). Nothing is rounded or hidden."),
    ("classification", "\"Internal: not for publication\" on internal figures: for the council's own analysis; "
                       "publish only from a checked release."),
    ("weighted", "When true, estimates are post-stratified to each LAD's share of children aged 0-17 (targets "
                 "children) or of EHC plans by upper-tier authority shared by children (targets ehc_plans), LADs "
                 "with fewer than 10 responses collapsed first, weights trimmed at 5 (cap and redistribute), "
                 "intervals from Kish's effective sample size; out-of-area and unknown responses are left out."),
    ("shortfall", "(tracker) the fewest more responses that bring the row to its expected share, the total growing "
                  "with them: ceil((p N - x) / (1 - p)) on the published figures."),
    ("cohort", "Responses linked by return code and child marker (the same child); Wilcoxon signed-rank test on "
               "the paired score changes (p_value: ties dropped; p_value_pratt: Pratt's), Benjamini-Hochberg over "
               "the table; n_excluded_* count the later responses that could not be paired, by reason."),
    ("reach", "representation_ratio = response share / expected share (from expected_source: children 0-17 by "
              "LAD or by postcode district (estimated), DfE EHC plans by ethnic group, age and upper-tier "
              "authority, else Census 2021 all ages); under_reached: exact one-sided binomial test, "
              "Holm-corrected across the table, below 0.05."),
]


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _notes_frame(result: Result, attribution: str) -> pl.DataFrame:
    import polars as pl

    rows = [("parameter", k, str(v)) for k, v in result.parameters.items()]
    rows += [("note", "", n) for n in result.notes]
    rows += [("definition", term, text) for term, text in DEFINITIONS]
    rows += [("source", "", line.strip()) for line in attribution.splitlines() if line.strip()]
    return pl.DataFrame(rows, schema=["kind", "term", "text"], orient="row")


def _readme(result: Result) -> pl.DataFrame:
    """The first sheet of an internal workbook: what it is and that it is not for publication."""
    import polars as pl

    lines = [f"{result.classification}.", f"{result.kind}: " + ", ".join(f"{k} {v}" for k, v in
                                                                         result.parameters.items()),
             *result.notes[:1], "Rows with publishable FALSE are figures a published table would not show.",
             "The notes sheet has the parameters, notes, definitions and sources."]
    return pl.DataFrame({str(result.classification): lines})


def _is_share(name: str) -> bool:
    """A column holding a fraction 0..1, or a difference of two (shown as percentages in XLSX)."""
    return "share" in name or name in ("net_agree", "delta_ci_low", "delta_ci_high")


TrackerTable = Literal["groups", "daily"]


def one_table(result: Result, table: TrackerTable) -> Result:
    """The tracker's groups (the result itself) or its daily series as a result of its own, for the formats that
    hold one table (CSV, Parquet); JSON and XLSX hold every table of a result."""
    if table == "groups":
        return result
    from surveyapp.actions.levels import Result

    return Result(f"{result.kind}-daily", result.tables["daily"], result.parameters, result.notes,
                  classification=result.classification)


def serialise(result: Result, fmt: ResultFormat, attribution: str) -> bytes:
    """JSON (rows plus parameters and notes), CSV (UTF-8 with a header), Parquet, or XLSX with a notes sheet.

    An internal result (`classification`) says so in every format, where its readers see it without breaking
    them: JSON's first key; CSV and Parquet a first column `classification` on every row (a line above the
    header, or a `#` comment, would stop R's read.csv, pandas and Excel reading it as a table); XLSX a first
    sheet, README, which the workbook opens on."""
    frame = result.frame
    marked = result.classification is not None and fmt in ("csv", "parquet")
    if marked:
        import polars as pl

        frame = frame.select(pl.lit(result.classification).alias("classification"), pl.all())
    if fmt == "json":
        rows = [{k: _finite(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
        tables = {name: [{k: _finite(v) for k, v in row.items()} for row in table.iter_rows(named=True)]
                  for name, table in result.tables.items()}
        classified = {"classification": result.classification} if result.classification else {}
        return msgspec.json.encode({**classified, **result.parameters, "kind": result.kind, "notes": result.notes,
                                    "definitions": dict(DEFINITIONS), "rows": rows, **tables})
    if fmt == "csv":
        return neutralise(frame).write_csv().encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        import polars.selectors as cs
        import xlsxwriter

        shares = [name for name in frame.columns if _is_share(name)]
        with xlsxwriter.Workbook(buffer, XLSX_OPTIONS) as workbook:
            if result.classification:
                _readme(result).write_excel(workbook=workbook, worksheet="README", autofit=True)
            neutralise(frame).write_excel(workbook=workbook, worksheet=result.kind, autofit=True, freeze_panes=(1, 0),
                                          autofilter=True,
                                          column_formats={cs.by_name(shares): "0.0%"} if shares else None)
            for name, table in result.tables.items():  # further tables (the tracker's daily series), a sheet each
                neutralise(table).write_excel(workbook=workbook, worksheet=name, autofit=True, freeze_panes=(1, 0))
            _notes_frame(result, attribution).write_excel(workbook=workbook, worksheet="notes", autofit=True,
                                                          freeze_panes=(1, 0))
    return buffer.getvalue()
