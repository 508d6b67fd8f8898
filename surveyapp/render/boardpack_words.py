"""The board pack's words: its summary and the statement-by-statement table with "You said, we did", every
figure read from the release's tables (`PackTables`), said plainly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics.charts.boardpack_families import NO_PARTNER, same_families_finding, same_family_rows, source_rows
from analytics.charts.common import clear_change, names
from analytics.charts.words import in_ten, responses_said
from analytics.scale import Scale
from surveyapp.actions.schemas_said_did import SaidDidOut
from surveyapp.domain.release import ReleaseDocument, ReleaseTable

PLACES = ("lad", "utla", "district")
KIND_WORDS = {"changed": "We changed", "under_way": "Under way", "cannot_change": "We cannot change"}


def _table(document: ReleaseDocument, kind: str, level: str, against: str | None = None) -> ReleaseTable | None:
    """The release's table of this kind, level (and comparison) that has rows, or None when it has none (or it
    is held back for the final release)."""
    for table in document.tables:
        spec = table.spec
        if spec.kind == kind and spec.level == level and (against is None or spec.against == against) \
                and table.rows:
            return table
    return None


def _frame(document: ReleaseDocument, kind: str, level: str, against: str | None = None) -> pl.DataFrame | None:
    """The release's table of this kind, level (and comparison) as a frame, or None when it has none."""
    table = _table(document, kind, level, against)
    return None if table is None else pl.DataFrame(table.rows, infer_schema_length=None)


@dataclass(frozen=True)
class PackTables:
    """The tables the board pack reads, picked from a release by what they are (kind, level, comparison)."""

    headline: pl.DataFrame | None  # compare by local authority against the baseline (or all against previous)
    headline_against: str | None  # "baseline" or "previous"
    overall: pl.DataFrame | None  # compare, all families, against the previous wave
    areas: pl.DataFrame | None  # compare by district against the previous wave (or the baseline)
    areas_against: str | None
    reach_places: pl.DataFrame | None  # reach by district (or local authority)
    reach_groups: list[tuple[str, pl.DataFrame]]  # reach by each equality question: (level, rows)
    cohort: pl.DataFrame | None = None  # the same families in this wave and the one before, per statement
    cohort_then: str | None = None  # the title of the wave the cohort pairs this one with ("Autumn 2026")
    sources: pl.DataFrame | None = None  # responses by outreach source (the tracker's table)

    @classmethod
    def of(cls, document: ReleaseDocument) -> PackTables:
        headline, headline_against = _frame(document, "compare", "utla", "baseline"), "baseline"
        if headline is None:
            headline, headline_against = _frame(document, "compare", "all", "previous"), "previous"
        areas, areas_against = _frame(document, "compare", "lad", "previous"), "previous"
        if areas is None:
            areas, areas_against = _frame(document, "compare", "lad", "baseline"), "baseline"
        groups = [(t.spec.level, pl.DataFrame(t.rows, infer_schema_length=None)) for t in document.tables
                  if t.spec.kind == "reach" and t.spec.level not in (*PLACES, "source", "channel") and t.rows]
        places = _frame(document, "reach", "lad")
        cohort = _table(document, "cohort", "all", "previous")
        return cls(headline=headline, headline_against=headline_against if headline is not None else None,
                   overall=_frame(document, "compare", "all", "previous"), areas=areas,
                   areas_against=areas_against if areas is not None else None,
                   reach_places=places if places is not None else _frame(document, "reach", "utla"),
                   reach_groups=groups,
                   cohort=None if cohort is None else pl.DataFrame(cohort.rows, infer_schema_length=None),
                   cohort_then=None if cohort is None else cohort.compared_with_title,
                   sources=_frame(document, "tracker", "source"))


def apart_codes(headline: pl.DataFrame | None, excluded: Sequence[str]) -> list[str]:
    """The areas the comparison did not cover (Medway, for 2019): named by the area pack, or shown with
    figures of their own but no comparison in any statement."""
    if headline is None or "baseline_share_agree" not in headline.columns:
        return list(excluded)
    own = headline.group_by("area_code").agg(
        shown=pl.col("share_agree").is_not_null().any(), compared=pl.col("baseline_share_agree").is_not_null().any())
    derived = own.filter(pl.col("shown") & ~pl.col("compared"))["area_code"].to_list()
    return sorted({*excluded, *derived} - {"all"})


def names_of(frame: pl.DataFrame, apart: Sequence[str], *, inside: bool) -> str:
    """The names of the table's areas the comparison covered (`inside`), or of those it did not."""
    where = pl.col("area_code").is_in(list(apart))
    rows = frame.filter(~where if inside else where)
    return names(rows["area_name"].unique(maintain_order=True).to_list())


def _share_of(frame: pl.DataFrame | None, code: str, statement: str, column: str = "share_agree") -> float | None:
    if frame is None or column not in frame.columns:
        return None
    found = frame.filter((pl.col("area_code") == code) & (pl.col("statement_id") == statement))
    return None if found.is_empty() else found[column][0]


def headline_sentence(tables: PackTables, scale: Scale, *, then: str, scope: str, apart: Sequence[str]) -> str:
    """How the compared areas' families answer now against the comparison, said plainly."""
    frame = tables.headline
    if frame is None:
        return ""
    rows = frame.filter(~pl.col("area_code").is_in(list(apart)) & pl.col("delta_share_agree").is_not_null())
    if rows.is_empty():
        return f"There are too few answers to compare with {then}."
    rows = rows.with_columns(change=clear_change(rows))
    who = names(rows["area_name"].unique(maintain_order=True).to_list())
    up, down = (rows["change"] == "more agree").sum(), (rows["change"] == "fewer agree").sum()
    best = rows.sort("delta_share_agree", descending=True).row(0, named=True)
    total = rows["statement_id"].n_unique()
    said = (f"{who} families agree more often than {scope} in {then} with {(rows['delta_share_agree'] > 0).sum()} "
            f"of {total} statements ({up} clearly, after allowing for chance; {down} clearly less often). ")
    phrase = scale.phrase(best["statement_id"])
    return said + (f"The largest rise: {in_ten(best['share_agree'])} now agree that {phrase}; in {then} it was "
                   f"{in_ten(best['baseline_share_agree'])}.")


def apart_sentence(tables: PackTables, *, then: str, apart: Sequence[str]) -> str:
    frame = tables.headline
    if frame is None or not apart:
        return ""
    shown = frame.filter(pl.col("area_code").is_in(list(apart)))["area_name"].unique(maintain_order=True).to_list()
    if not shown:
        return ""
    return (f"{names(shown)} is shown apart, with no {then} figure: the {then} survey did not cover "
            f"{names(shown)}.")


def overall_sentence(tables: PackTables, previous: str | None) -> str:
    frame = tables.overall
    if frame is None or previous is None or "delta_share_agree" not in frame.columns:
        return ""
    rows = frame.filter(pl.col("delta_share_agree").is_not_null())
    if rows.is_empty():
        return ""
    rows = rows.with_columns(change=clear_change(rows))
    up, down = (rows["change"] == "more agree").sum(), (rows["change"] == "fewer agree").sum()
    if up == down == 0:
        return f"Since {previous}, no statement has clearly moved for families as a whole."
    return (f"Since {previous}, families as a whole agree clearly more often with {up or 'no'} statement"
            f"{'s' if up != 1 else ''}, and clearly less often with {down or 'none'}.")


def reach_sentence(tables: PackTables, threshold: int) -> str:
    """Who was under-heard, each with its ratio said plainly."""
    parts = []
    found = [(frame, "") for frame in [tables.reach_places] if frame is not None]
    for frame, who in [*found, *((g, " families") for _, g in tables.reach_groups)]:
        under = frame.filter((pl.col("reach_status") == "under-reached") & pl.col("representation_ratio").is_not_null())
        for row in under.sort("representation_ratio").iter_rows(named=True):
            parts.append(f"{row['area_name']}{who} gave {responses_said(row['representation_ratio'])} from its share "
                         "of the population")
        hidden = frame.filter((pl.col("reach_status") == "under-reached") & pl.col("representation_ratio").is_null())
        parts += [f"{r['area_name']}{who}: fewer than {threshold} answered, clearly too few" for r in hidden.iter_rows(
            named=True)]
    if not parts:
        return "No area or group was clearly under-heard, as far as the numbers can tell."
    return "Under-heard: " + "; ".join(parts) + "."


def same_families_sentence(tables: PackTables, scale: Scale, *, then: str, now: str) -> str:
    """How the answers of the families who answered both waves moved, statement by statement, said plainly."""
    if tables.cohort is None:
        return ""
    rows = same_family_rows(tables.cohort, scale=scale)
    if rows["verdict"].is_null().all():
        return f"Too few families answered both {then} and {now} to show how their answers moved."
    return f"The same families, then and now: of those who answered both {then} and {now}, " \
           f"{same_families_finding(rows)}."


def sources_sentence(tables: PackTables, threshold: int) -> str:
    """The outreach partners that brought the most families (their counts as published)."""
    if tables.sources is None:
        return ""
    rows = source_rows(tables.sources, threshold=threshold).filter(
        (pl.col("source") != NO_PARTNER) & pl.col("responses").is_not_null())
    if rows.is_empty():
        return ""
    said = [f"{r['source']} ({r['words']})" for r in rows.head(2).iter_rows(named=True)]
    return f"Of the outreach partners, {said[0]} brought the most families" + \
        (f", then {said[1]}." if len(said) > 1 else ".")


def said_did_sentence(entries: Sequence[SaidDidOut]) -> str:
    if not entries:
        return 'No "You said, we did" entries are published yet.'
    counts = {k: sum(e.kind == k for e in entries) for k in KIND_WORDS}
    words = [f"{counts['changed']} change{'s' if counts['changed'] != 1 else ''} made",
             f"{counts['under_way']} under way",
             f"{counts['cannot_change']} thing{'s' if counts['cannot_change'] != 1 else ''} it cannot change, "
             "and why"]
    return f"You said, we did: the council has recorded {names(words)} (the last section)."


def statement_rows(tables: PackTables, scale: Scale, entries: Sequence[SaidDidOut], *, wording: Mapping[str, str],
                   then: str, scope: str, apart: Sequence[str], previous: str | None) -> list[dict[str, Any]]:
    """One row per statement (and one for the survey as a whole when it has entries): what families said, in
    words from the release's figures, and the council's entries beside it."""
    frame = tables.headline
    area = {} if frame is None else dict(zip(frame["area_code"].to_list(), frame["area_name"].to_list(), strict=True))
    area = {code: "All" if code == "all" else name for code, name in area.items()}
    compared_with = f"{scope} in {then}" if scope else f"in {then}"
    rows = []
    whole = [e for e in entries if e.statement_id is None]
    if whole:
        rows.append({"label": "The survey as a whole", "wording": "", "said": [], "entries": whole})
    for statement in scale.statements:
        said = []
        for code, name in sorted(area.items(), key=lambda kv: kv[0] in apart):  # the compared areas first
            share, base = _share_of(frame, code, statement), _share_of(frame, code, statement, "baseline_share_agree")
            if share is None:
                said.append(f"{name}: too few answers to show.")
            elif code in apart or base is None:
                said.append(f"{in_ten(share).capitalize()} {name} families agree ({share:.0%}); no {then} figure.")
            else:
                said.append(f"{in_ten(share).capitalize()} {name} families agree ({share:.0%}); "
                            f"{compared_with}: {base:.0%}.")
        change = _share_of(tables.overall, "all", statement, "delta_share_agree")
        if change is not None and previous:
            said.append(f"All families since {previous}: {change * 100:+.0f} points.")
        rows.append({"label": scale.label(statement), "wording": wording.get(statement, ""), "said": said,
                     "entries": [e for e in entries if e.statement_id == statement]})
    return rows
