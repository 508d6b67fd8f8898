"""A release's tables as open data: one CSV per table, all of them in one JSON file, and a data dictionary, under
the Open Government Licence v3.0. Columns keep the analytics' names; a hidden cell is empty (CSV) or null (JSON)
and its row's `hidden` column says why."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from surveyapp.domain.release import HIDDEN_REASONS, ReleaseDocument, ReleaseOut

OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LICENCE_HEADERS = {"Link": f'<{OGL_URL}>; rel="license"'}

_AREA = {
    "wave_id": "the survey wave the figures are from", "baseline_id": "the earlier wave the row is compared with",
    "area_level": "the level of the area or group: all, utla (county or unitary council), lad (district), or an "
                  "equality question", "area_code": "the ONS code of the area, or the group's id",
    "area_name": "the area's or group's name", "statement_id": "which statement of question 7 (see statement)",
    "hidden": "why the row's figures are empty: " + "; ".join(f"{k} = {v}" for k, v in HIDDEN_REASONS.items()),
    "suppressed": "true when some of the row's figures are hidden",
}
_COMPARE = {
    "n_valid": "families who answered the statement, not counting don't know (rounded)",
    "n_dont_know": "families who answered don't know (rounded)",
    "strongly_agree": "families who strongly agreed (rounded)",
    "tend_to_agree": "families who tended to agree (rounded)",
    "neither": "families who neither agreed nor disagreed (rounded)",
    "tend_to_disagree": "families who tended to disagree (rounded)",
    "strongly_disagree": "families who strongly disagreed (rounded)",
    "share_agree": "share agreeing (0 to 1) of those who answered other than don't know",
    "share_disagree": "share disagreeing (0 to 1)", "net_agree": "share agreeing minus share disagreeing",
    "mean_score": "average score, 1 (strongly disagree) to 5 (strongly agree)",
    "share_agree_ci_low": "95% confidence interval of share_agree: lower end",
    "share_agree_ci_high": "95% confidence interval of share_agree: upper end",
    "effective_base": "the sample size the weighted figures are worth",
    "design_effect": "the weighting's design effect",
    "baseline_area_code": "the area of the earlier wave compared with (e.g. Kent-wide for 2019)",
    "baseline_n_valid": "families who answered in the earlier wave", "baseline_share_agree": "share agreeing then",
    "delta_share_agree": "share_agree now minus then",
    "delta_ci_low": "95% confidence interval of the change: lower end",
    "delta_ci_high": "95% confidence interval of the change: upper end",
    "p_value": "p-value of the test that nothing changed (or that the group was not under-reached)",
    "q_value": "the p-value adjusted for testing many rows (false discovery rate)",
}
_REACH = {
    "responses": "responses from the area or group (rounded)", "responses_band": "responses as a band",
    "response_share": "share of all responses", "expected_share": "share expected from the population",
    "expected_responses": "responses expected from that share", "shortfall": "more responses needed to reach it",
    "representation_ratio": "response_share divided by expected_share (1 = as many as expected)",
    "ratio_ci_low": "95% confidence interval of the ratio: lower end",
    "ratio_ci_high": "95% confidence interval of the ratio: upper end",
    "p_adjusted": "p-value adjusted for many areas (Holm)", "under_reached": "true when clearly fewer answered than "
    "expected", "reach_status": "the same in words", "expected_source": "where the expected share comes from",
    "retired": "true for an outreach source no longer used",
}
_COHORT = {
    "later_wave_id": "the later wave", "earlier_wave_id": "the earlier wave", "n_pairs": "families who answered both",
    "n_ties": "of them, those whose answer did not change", "share_improved": "share whose answer improved",
    "share_same": "share whose answer stayed the same", "share_worse": "share whose answer got worse",
    "mean_change": "average change in score", "p_value_pratt": "p-value counting unchanged answers (Pratt)",
    "q_value_pratt": "that p-value adjusted for many rows",
    "n_excluded_ambiguous": "pairs left out because a code was used more than once",
    "n_excluded_other_child": "pairs left out because they were about another child",
}
MEANINGS: dict[str, str] = {**_AREA, **_COMPARE, **_REACH, **_COHORT}


def _plain(value: Any) -> Any:
    return "" if value is None else value


def table_csv(document: ReleaseDocument, table_id: str) -> bytes | None:
    """One table as CSV (UTF-8, a header row of the columns), or None when the release has no such table."""
    table = document.table(table_id)
    if table is None:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_plain(row.get(c)) for c in table.columns])
    return out.getvalue().encode("utf-8")


def dictionary_rows(document: ReleaseDocument) -> list[dict[str, str]]:
    """Every column of the release's tables: its meaning and the tables that have it."""
    tables: dict[str, list[str]] = {}
    for table in document.tables:
        for column in table.columns:
            tables.setdefault(column, []).append(table.spec.table_id)
    return [{"column": c, "meaning": MEANINGS.get(c, "see the analysts' methods page"), "tables": " ".join(ids)}
            for c, ids in tables.items()]


def dictionary_csv(document: ReleaseDocument) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["column", "meaning", "tables"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(dictionary_rows(document))
    return out.getvalue().encode("utf-8")


def data_json(release: ReleaseOut, document: ReleaseDocument, url: str) -> bytes:
    """The whole release as one JSON file: what it is, its licence, the dictionary and every table."""
    return msgspec.json.encode({
        "release_id": document.release_id, "wave_id": document.wave_id, "title": document.wave_title,
        "stage": document.stage, "version": document.version, "published_at": release.published_at,
        "content_sha256": release.content_sha256, "cutoff": document.cutoff, "responses": document.responses,
        "url": url, "licence": OGL, "licence_url": OGL_URL, "correction_note": document.correction_note,
        "statements": document.statements, "dictionary": dictionary_rows(document),
        "tables": [{"table_id": t.spec.table_id, "kind": t.spec.kind, "level": t.spec.level, "title": t.title,
                    "compared_with": t.compared_with, "note": t.note, "columns": t.columns,
                    "rows": [{c: r.get(c) for c in t.columns} for r in t.rows]} for t in document.tables],
    })
