"""The public findings routes: no sign-in, GET only. Pages of a published release are frozen (`frozen.py`):
rendered once per address and served from memory until a release or an entry changes."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery

from surveyapp.domain.services import Services
from surveyapp.findings import opendata, pages
from surveyapp.findings.feed import atom
from surveyapp.findings.kit import FindingsKit
from surveyapp.findings.render import FROZEN, page
from surveyapp.findings.source import find
from surveyapp.findings.summary import summary_html, summary_pdf
from surveyapp.findings.view import notes, statements, under_heard
from surveyapp.http.headers import csp_for_page
from surveyapp.web.kit import FormKit
from surveyapp.web.messages import ENGLISH

TheServices = NamedDependency[Services]
TheKit = NamedDependency[FindingsKit]
TheForm = NamedDependency[FormKit]
FREEZE = {"frozen": True}
NO_STORE = {"Cache-Control": "no-store"}


def _started(kit: FindingsKit, services: Services) -> FindingsKit:
    kit.services = services
    return kit


def _reading(kit: FindingsKit, services: Services, form_kit: FormKit, release_id: str, lang: str) -> pages.Reading:
    release = find(_started(kit, services).reader, services, release_id)
    if release is None:
        raise NotFoundException("no published release of that id: see /findings for the releases")
    return pages.reading(kit, services, form_kit.languages, release, lang)


def _published(r: pages.Reading) -> None:
    if r.release.status == "withdrawn":
        raise HTTPException(f"this release has been withdrawn: {r.release.withdrawal_notice}", status_code=410)


@get("/findings", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_list(services: TheServices, findings: TheKit, form_kit: TheForm, lang: FromQuery[str] = ENGLISH
                  ) -> Response[str]:
    """Every published release, newest first, withdrawn ones with their notice."""
    releases = _started(findings, services).reader.published(services)
    t = findings.messages[lang if lang in form_kit.languages and lang in findings.messages else ENGLISH]
    from surveyapp.web.render import language_links

    return page("list.html", t, title=t("What families told us"), releases=pages.list_items(t, releases),
                feed="/findings/feed.atom",
                languages=language_links(findings.messages, t.lang, form_kit.languages, "/findings"))


@get("/findings/feed.atom", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_feed(services: TheServices, findings: TheKit) -> Response[bytes]:
    """The Atom feed of releases."""
    releases = _started(findings, services).reader.published(services)
    data = atom(releases, services.settings.form_url, services.areas.info.place_name)
    return Response(data, media_type="application/atom+xml; charset=utf-8", headers=FROZEN)


@get("/findings/{release_id:str}", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_release(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str],
                     lang: FromQuery[str] = ENGLISH) -> Response[str]:
    """One release in plain words, or its withdrawal notice."""
    r = _reading(findings, services, form_kit, release_id, lang)
    return page("release.html", r.t, **pages.release_page(findings, r))


@get("/findings/{release_id:str}/area", sync_to_thread=True, include_in_schema=False)
def findings_area(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str],
                  lang: FromQuery[str] = ENGLISH, postcode: FromQuery[str] = "", area: FromQuery[str] = ""
                  ) -> Response[str]:
    """"In your area": the family's area's figures, or the nearest larger area's and why. Not kept anywhere."""
    r = _reading(findings, services, form_kit, release_id, lang)
    _published(r)
    context, status = pages.area_page(findings, r, postcode, area)
    return page("area.html", r.t, status=status, headers=NO_STORE, **context)


def _summary(findings: FindingsKit, services: Services, r: pages.Reading) -> str:
    return summary_html(r.t, title=pages.release_context(findings, r)["title"], caption=pages.caption(r),
                        responses=f"{r.document.responses:,}", notes=notes(r.document),
                        statements=statements(r.t, r.document, r.questionnaire, r.said),
                        heard=under_heard(r.t, r.document), url=public_url(services, r.release.release_id, r.t.lang))


@get("/findings/{release_id:str}/summary", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_summary(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str],
                     lang: FromQuery[str] = ENGLISH) -> Response[str]:
    """The one-page summary as the page the PDF is printed from."""
    r = _reading(findings, services, form_kit, release_id, lang)
    _published(r)
    html = _summary(findings, services, r)
    return Response(html, media_type="text/html", headers={"Content-Security-Policy": csp_for_page(html), **FROZEN})


@get("/findings/{release_id:str}/summary.pdf", sync_to_thread=True, include_in_schema=False)
def findings_pdf(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str],
                 lang: FromQuery[str] = ENGLISH) -> Response[bytes]:
    """The one-page A4 summary with a QR code of the findings page, printed once per release and language."""
    from surveyapp.render.report import PdfBusy, PdfError, pdf_slot

    r = _reading(findings, services, form_kit, release_id, lang)
    _published(r)
    key = (release_id, r.t.lang, findings.fingerprint())
    data = findings.pdfs.get(key)
    if data is None:
        try:
            with pdf_slot(services.pdf_renders):
                data = findings.pdfs[key] = summary_pdf(_summary(findings, services, r))
        except PdfBusy as exc:
            raise HTTPException(str(exc), status_code=503,
                                headers={"Retry-After": str(PdfBusy.RETRY_SECONDS)}) from None
        except PdfError as exc:
            raise HTTPException(str(exc), status_code=503) from None
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="findings-{release_id}.pdf"', **FROZEN})


def public_url(services: Services, release_id: str, lang: str = ENGLISH) -> str:
    """The findings page's public address (SURVEYAPP_PUBLIC_URL), as the QR code holds it."""
    from surveyapp.web.render import with_lang

    return with_lang(f"{services.settings.form_url}/findings/{release_id}", lang)


@get("/findings/{release_id:str}/data.json", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_json(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str]
                  ) -> Response[bytes]:
    """Every table of the release, with its data dictionary and licence, as JSON."""
    r = _reading(findings, services, form_kit, release_id, ENGLISH)
    _published(r)
    return Response(opendata.data_json(r.release, r.document, public_url(services, release_id)),
                    media_type="application/json", headers={**FROZEN, **opendata.LICENCE_HEADERS})


@get("/findings/{release_id:str}/data/{table_id:str}", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_csv(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str],
                 table_id: FromPath[str]) -> Response[bytes]:
    """One table of the release as CSV (`<table_id>.csv`)."""
    r = _reading(findings, services, form_kit, release_id, ENGLISH)
    _published(r)
    data = opendata.table_csv(r.document, table_id.removesuffix(".csv")) if table_id.endswith(".csv") else None
    if data is None:
        raise NotFoundException("no table of that id in this release: data.json lists them")
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{release_id}-{table_id}"', **FROZEN, **opendata.LICENCE_HEADERS})


@get("/findings/{release_id:str}/dictionary.csv", sync_to_thread=True, include_in_schema=False, opt=FREEZE)
def findings_dictionary(services: TheServices, findings: TheKit, form_kit: TheForm, release_id: FromPath[str]
                        ) -> Response[bytes]:
    """What each column of the release's tables means."""
    r = _reading(findings, services, form_kit, release_id, ENGLISH)
    _published(r)
    return Response(opendata.dictionary_csv(r.document), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{release_id}-dictionary.csv"',
                             **FROZEN, **opendata.LICENCE_HEADERS})


def findings_handlers() -> list[Any]:
    return [findings_list, findings_feed, findings_release, findings_area, findings_summary, findings_pdf,
            findings_json, findings_csv, findings_dictionary]

