"""A release: what the council publishes about one wave, frozen once published (issue 22).

This module is the contract between the parts that make a release (`surveyapp.actions.releases`, the output
checker in `analytics.outputcheck`) and the parts that read one (the families' findings page, the one-page
summary, open data, the Atom feed, the board pack). Readers use only a published `ReleaseDocument`: never the
store's rows, never an internal figure.

A document is encoded once, canonically (`encode`), when it is published; its SHA-256 is the release's content
hash and those bytes are what every reader is served. Responses stored later never change it; a correction is a
new version (`version` + 1, `supersedes`, `correction_note`), as the ONS corrects a bulletin.

Tables keep the column names of the analytics that made them (`analytics.compare.columns`,
`analytics.reach.COLUMNS`, `analytics.cohort.COLUMNS`, `analytics.tracker.GROUP_COLUMNS`), so a reader that
can draw an internal table can draw a released one. A cell the check did not let out is null, and its row says
why in `hidden` (one of `HIDDEN_REASONS`' keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

import msgspec

Stage = Literal["interim", "final"]
Status = Literal["draft", "published", "withdrawn"]
TableKind = Literal["compare", "reach", "cohort", "tracker", "themes"]
How = Literal["suppressed", "merged", "rounded"]

# Why a row or cell is not shown, in the words a family reads (the findings page says these).
HIDDEN_REASONS: dict[str, str] = {
    "small": "fewer than 10 families answered",
    "complement": "hidden so that a small group cannot be worked out from the other figures",
    "one_answer": "hidden because every family in this group gave the same answer",
    "interim": "shown only in the final release, once the survey has closed",
}


class TableSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One table of a release plan: an analysis and its level, and what it compares with.

    `against` is "baseline" (the aggregate baseline, e.g. 2019), "previous" (the response wave before) or a
    wave id; None for reach and tracker. `stages` says which releases carry it: an interim release shows only
    what stays safe while anyone can add responses (local authority and above, no small groups)."""

    table_id: str  # e.g. "compare-utla-vs-baseline"; unique in a plan, stable across releases
    kind: TableKind
    level: str  # all | utla | lad | ethnic_group_broad | religion | ... (analytics' `by`) | source (tracker)
    against: str | None = None
    stages: tuple[Stage, ...] = ("interim", "final")


class ReleaseTable(msgspec.Struct, forbid_unknown_fields=True):
    """One published table: the spec it was made from, a title that says what it compares with, and its rows
    (column -> value, null where hidden). A row with a hidden count also has `hidden_columns`, each hidden column
    -> its reason (`HIDDEN_REASONS`' key); `hidden` is the reason of the row's first hidden count."""

    spec: TableSpec
    title: str
    compared_with: str | None  # the wave id it compares with, when it compares
    compared_with_title: str | None
    columns: list[str]
    rows: list[dict[str, Any]]
    note: str = ""  # e.g. "Kent only: the 2019 survey did not cover Medway"


class StoppedCell(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A cell the check changed: which, how, and by which rule."""

    table_id: str
    row: dict[str, str]  # the row's key columns, e.g. {"area_code": "E07000105", "statement_id": "s3"}
    column: str
    how: How
    rule: str


class RuleResult(msgspec.Struct, forbid_unknown_fields=True):
    rule: str  # e.g. "threshold", "zeros", "complement", "differencing", "one_answer", "consistent_rounding"
    description: str
    passed: bool
    stopped: list[StoppedCell] = msgspec.field(default_factory=list)
    detail: str = ""


class ReleaseCheck(msgspec.Struct, forbid_unknown_fields=True):
    passed: bool
    rules: list[RuleResult]
    checked_against: list[str]  # the earlier published releases of the same waves it was checked with
    seconds: float = 0.0


class ReleaseDocument(msgspec.Struct, forbid_unknown_fields=True):
    """Everything a release publishes. Frozen (its `encode`d bytes) when published."""

    release_id: str
    wave_id: str
    wave_title: str
    questionnaire_id: str
    stage: Stage
    version: int
    cutoff: dt.datetime  # responses stored before this moment (UTC), and no others, are in it
    made_at: dt.datetime
    responses: int  # responses in it, rounded as every published count is (0 when the check hid it)
    baseline_id: str | None
    previous_wave_id: str | None
    tables: list[ReleaseTable]
    check: ReleaseCheck
    statements: dict[str, str]  # statement id -> its English wording, for readers without the questionnaire
    supersedes: str | None = None
    correction_note: str = ""
    licence: str = "Open Government Licence v3.0"
    responses_hidden: str | None = None  # why `responses` is not shown (HIDDEN_REASONS' key), None when it is

    def table(self, table_id: str) -> ReleaseTable | None:
        return next((t for t in self.tables if t.spec.table_id == table_id), None)


class ReleaseOut(msgspec.Struct, forbid_unknown_fields=True):
    """A release as the API shows it: its document, where it stands, and its content hash once published."""

    release_id: str
    wave_id: str
    stage: Stage
    version: int
    status: Status
    content_sha256: str | None
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawal_notice: str
    document: ReleaseDocument


def encode(document: ReleaseDocument) -> bytes:
    """The canonical bytes of a document (msgspec JSON, keys in the Structs' order, dict keys sorted)."""
    return msgspec.json.encode(document, order="sorted")


def decode(data: bytes) -> ReleaseDocument:
    return msgspec.json.decode(data, type=ReleaseDocument)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
