"""A release as the findings page shows it: each statement now and against 2019 and the last survey, who
answered and who was under-heard, "You said" (approved quotes) and "You said, we did" beside its statement. Built
from the frozen document, the entries and the approved quotes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from surveyapp.domain.release import ReleaseDocument, ReleaseTable
from surveyapp.findings.source import Quote, SaidDid
from surveyapp.findings.words import Words, against, hidden_words, in_ten, ratio_words, when_of
from waves.model import Likert, Questionnaire, text_in

ALL = "all"


def compare_table(document: ReleaseDocument, level: str, vs: str) -> ReleaseTable | None:
    """The compare table at this level against "baseline" or "previous" (or that wave's id), if released."""
    wanted = {"baseline": {"baseline", document.baseline_id}, "previous": {"previous", document.previous_wave_id}}[vs]
    return next((t for t in document.tables if t.spec.kind == "compare" and t.spec.level == level
                 and t.spec.against in wanted), None)


def rows_of(table: ReleaseTable | None, area_code: str | None = None) -> dict[str, dict[str, Any]]:
    """statement id -> row, for one area of the table (any area for the level "all")."""
    if table is None:
        return {}
    return {str(r["statement_id"]): r for r in table.rows
            if area_code is None or r.get("area_code") == area_code}


@dataclass(frozen=True)
class Statement:
    statement_id: str
    heading: str
    wording: str  # the statement word for word, as families answered it
    now: str  # "4 in 10 families now agree ..." or why it is not shown
    comparisons: list[str]
    said_did: list[SaidDid] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)  # "You said": what families wrote, approved by a second person


def statement_words(questionnaire: Questionnaire | None, document: ReleaseDocument, lang: str
                    ) -> dict[str, tuple[str, str, str]]:
    """statement id -> (heading, wording, phrase) in the language: the questionnaire's plain words where it has
    them, else the release's English wording."""
    found: dict[str, tuple[str, str, str]] = {}
    likert = next((q for q in (questionnaire.questions if questionnaire else ()) if isinstance(q, Likert)), None)
    for statement in (likert.statements if likert else ()):
        wording = text_in(statement.text, "en")
        heading = (text_in(statement.short, "en") if lang == "en" and statement.short
                   else text_in(statement.explain, lang) if statement.explain and lang in statement.explain
                   else wording)
        found[statement.id] = (heading, wording, text_in(statement.phrase, "en") if statement.phrase else "")
    return {sid: found.get(sid, (text, text, "")) for sid, text in document.statements.items()}


def now_words(t: Words, lang: str, row: dict[str, Any] | None, phrase: str) -> str:
    if row is None or row.get("share_agree") is None:
        reason = hidden_words(t, row.get("hidden") if row else "interim" if row is None else None)
        return t("Not shown: {reason}.", reason=reason)
    share = in_ten(t, row["share_agree"])
    if lang == "en" and phrase:
        return f"{share[:1].upper()}{share[1:]} families now agree {phrase}."
    return t("{share} families now agree.", share=share[:1].upper() + share[1:])


def statements(t: Words, document: ReleaseDocument, questionnaire: Questionnaire | None, said: list[SaidDid],
               *, level: str = ALL, area_code: str | None = None, quotes: Sequence[Quote] = ()) -> list[Statement]:
    """Each statement at this level (and area): now, against 2019, against the last survey."""
    words = statement_words(questionnaire, document, t.lang)  # type: ignore[attr-defined]
    base_table, prev_table = compare_table(document, level, "baseline"), compare_table(document, level, "previous")
    base, prev = rows_of(base_table, area_code), rows_of(prev_table, area_code)
    by_area = compare_table(document, "utla", "baseline") if level == ALL and base_table is None else None
    found = []
    for sid, (heading, wording, phrase) in words.items():
        row = base.get(sid) or prev.get(sid)
        comparisons = []
        if sid in base and base[sid].get("share_agree") is not None:
            comparisons.append(against(t, base[sid], when_of(base_table.compared_with_title if base_table else ""),
                                       baseline=True))
        comparisons += like_for_like(t, by_area, sid)
        if sid in prev and prev[sid].get("share_agree") is not None:
            comparisons.append(against(t, prev[sid], when_of(prev_table.compared_with_title if prev_table else "",
                                                              year_only=False), baseline=False))
        found.append(Statement(sid, heading, wording, now_words(t, t.lang, row, phrase),  # type: ignore[attr-defined]
                               comparisons, [s for s in said if s.statement_id == sid],
                               [q for q in quotes if q.statement_id == sid]))
    return found


def like_for_like(t: Words, table: ReleaseTable | None, statement_id: str) -> list[str]:
    """Against 2019 where 2019 covered only part of the area (Kent, not Medway): each part it covered, alone."""
    if table is None:
        return []
    when = when_of(table.compared_with_title)
    return [against(t, r, when, baseline=True, area=str(r.get("area_name") or r.get("area_code")))
            for r in table.rows if r.get("statement_id") == statement_id and r.get("share_agree") is not None
            and r.get("baseline_share_agree") is not None]


@dataclass(frozen=True)
class Heard:
    name: str
    words: str


def under_heard(t: Words, document: ReleaseDocument) -> list[Heard]:
    """Areas and communities under-heard (reach's under_reached), said plainly, from every reach table."""
    found: list[Heard] = []
    for table in document.tables:
        if table.spec.kind not in ("reach", "tracker"):
            continue
        for row in table.rows:
            ratio = row.get("representation_ratio")
            if row.get("under_reached") and ratio is not None:
                found.append(Heard(str(row.get("area_name") or row.get("area_code")),
                                   t("{name}: {ratio}.", name=row.get("area_name") or row.get("area_code"),
                                     ratio=ratio_words(t, float(ratio)))))
    return list({h.name: h for h in found}.values())


def notes(document: ReleaseDocument) -> list[str]:
    """The compare tables' own notes (e.g. "Kent only: the 2019 survey did not cover Medway"), once each."""
    return list(dict.fromkeys(t.note for t in document.tables if t.note and t.spec.kind == "compare"))
