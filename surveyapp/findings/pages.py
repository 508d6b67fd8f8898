"""The findings' pages as HTML: the list of releases, one release, "In your area" and the printable summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from surveyapp.domain.release import ReleaseDocument, ReleaseOut
from surveyapp.findings.area import AreaRefused, Place, choices, locate, nearest
from surveyapp.findings.kit import FindingsKit
from surveyapp.findings.source import Quote, SaidDid
from surveyapp.findings.view import notes, statements, under_heard
from surveyapp.web.messages import ENGLISH, Messages
from surveyapp.web.render import LanguageLink, language_links, long_date, with_lang
from waves.model import Questionnaire


@dataclass(frozen=True)
class Reading:
    """A release as a page reads it: the release, its frozen document, its questionnaire, its entries, the words."""

    release: ReleaseOut
    document: ReleaseDocument
    questionnaire: Questionnaire | None
    said: list[SaidDid]
    t: Messages
    languages: tuple[str, ...]
    quotes: list[Quote]

    def links(self, kit: FindingsKit, path: str) -> list[LanguageLink]:
        return language_links(kit.messages, self.t.lang, self.languages, path)


def reading(kit: FindingsKit, services: Any, offered: tuple[str, ...], release: ReleaseOut, lang: str) -> Reading:
    """The release's document, questionnaire and entries, in `lang` when it is offered (else English)."""
    document = kit.reader.document(services, release)
    wave = services.waves.get(document.wave_id)
    questionnaire = wave.questionnaire if wave is not None else None
    languages = tuple(x for x in offered if questionnaire is None or x in questionnaire.languages)
    t = kit.messages[lang if lang in languages and lang in kit.messages else ENGLISH]
    return Reading(release, document, questionnaire, kit.reader.entries(services, document.questionnaire_id), t,
                   languages, kit.reader.quotes(services, release))


def kinds(t: Messages) -> dict[str, str]:
    return {"changed": t("We changed:"), "under_way": t("Under way:"), "cannot_change": t("We cannot change:")}


def caption(r: Reading) -> str:
    stage = r.t("Early findings") if r.document.stage == "interim" else r.t("Findings")
    return f"{stage} · {long_date(r.release.published_at.date())}" if r.release.published_at else stage


def release_context(kit: FindingsKit, r: Reading) -> dict[str, Any]:
    """What release.html and area.html share."""
    base = f"/findings/{r.release.release_id}"
    return {"title": r.t("What families told us: {survey}", survey=r.document.wave_title), "caption": caption(r),
            "kinds": kinds(r.t), "dated": long_date, "area_action": f"{base}/area",
            "area_choices": choices_of(kit, r), "postcode_error": "", "postcode_typed": "", "area_chosen": "",
            "list_href": with_lang("/findings", r.t.lang), "languages": r.links(kit, base)}


def choices_of(kit: FindingsKit, r: Reading) -> list[tuple[str, str]]:
    return choices(kit.services.areas) if kit.services is not None else []


def release_page(kit: FindingsKit, r: Reading) -> dict[str, Any]:
    base, document = f"/findings/{r.release.release_id}", r.document
    withdrawn = (r.release.withdrawal_notice or r.t("This release has been withdrawn.")) \
        if r.release.status == "withdrawn" else ""
    context = release_context(kit, r)
    context.update(
        withdrawn=withdrawn, interim=document.stage == "interim", correction=document.correction_note,
        responses=f"{document.responses:,}", notes=notes(document),
        statements=statements(r.t, document, r.questionnaire, r.said, quotes=r.quotes),
        survey_quotes=[q for q in r.quotes if q.statement_id is None],
        heard=under_heard(r.t, document), survey_said=[s for s in r.said if s.statement_id is None],
        pdf_href=with_lang(f"{base}/summary.pdf", r.t.lang), json_href=f"{base}/data.json",
        csvs=[(t.title, f"{base}/data/{t.spec.table_id}.csv") for t in document.tables],
        dictionary_href=f"{base}/dictionary.csv", release_id=r.release.release_id, version=document.version,
        hash=r.release.content_sha256 or "")
    return context


def area_page(kit: FindingsKit, r: Reading, postcode: str, area: str) -> tuple[dict[str, Any], int]:
    """The area's figures, or the error naming the field; the status to answer with."""
    context = release_context(kit, r)
    context.update(back_href=with_lang(f"/findings/{r.release.release_id}", r.t.lang), area_chosen=area)
    try:
        place: Place = locate(r.t, kit.services.areas, postcode, area)
    except AreaRefused as refused:
        context.update(title=r.t("Your area"), explain=[], statements=[], errors=[(refused.field, str(refused))],
                       postcode_error=str(refused) if refused.field == "postcode" else "",
                       postcode_typed=postcode[:20])
        return context, 400
    shown = nearest(r.t, r.document, place)
    name = shown.area_name or r.t("{place} as a whole", place=kit.services.areas.info.place_name)
    context.update(title=r.t("Your area: {area}", area=name), explain=shown.why_not,
                   statements=statements(r.t, r.document, r.questionnaire, r.said, level=shown.level,
                                         area_code=shown.area_code))
    return context, 200


def list_items(t: Messages, releases: list[ReleaseOut]) -> list[dict[str, str]]:
    def title(r: ReleaseOut) -> str:
        stage = t("early findings") if r.stage == "interim" else t("findings")
        version = t("version {n}", n=r.version)
        return f"{r.document.wave_title}: {stage}" + (f" ({version})" if r.version > 1 else "")

    return [{"href": with_lang(f"/findings/{r.release_id}", t.lang), "title": title(r),
             "when": t("Published {date}", date=long_date((r.published_at or dt.datetime.now(dt.UTC)).date())),
             "notice": (r.withdrawal_notice or t("This release has been withdrawn."))
             if r.status == "withdrawn" else ""}
            for r in releases]
