"""Outreach sources: register, list, rename and retire the partners who pass a wave's survey on; QR and poster."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from surveyapp.actions.schemas import SourceOut
from surveyapp.domain.services import Services
from surveyapp.domain.sources import Source, SourceError
from surveyapp.domain.waves import Wave

RETIRED_NOTE = ("retired: its link still opens the form, but responses through it are stored without a source "
                "(the responses it brought before keep it)")


def _source_wave(services: Services, wave_id: str) -> Wave:
    wave = services.wave(wave_id)
    if wave.kind != "responses":
        raise SourceError("wave_id", f"{wave_id} holds published counts only and takes no responses; choose a "
                                     "wave families answer", 409)
    return wave


def _source(services: Services, wave_id: str, source_id: str) -> Source:
    _source_wave(services, wave_id)
    source = services.sources.get(source_id)
    if source is None or source.wave_id != wave_id:
        raise SourceError("source_id", f"{wave_id} has no source {source_id[:20]!r}; GET "
                                       f"/api/v1/waves/{wave_id}/sources lists them", 404)
    return source


PUBLIC_URL_SETTING = "SURVEYAPP_PUBLIC_URL"


def printable(services: Services) -> None:
    """Refuse (409, naming the setting) to make a poster or QR code while the public address is unset or a
    loopback address: hundreds of printed posters would point at a link nobody else can open."""
    from surveyapp.domain.checks import public_address_missing

    problem = public_address_missing(services.settings)
    if problem is not None:
        raise SourceError(PUBLIC_URL_SETTING, problem, 409)


def source_url(services: Services, source: Source) -> str:
    """The public link of a source (SURVEYAPP_PUBLIC_URL/s/<id>): it opens the wave's form."""
    return f"{services.settings.form_url}/s/{source.source_id}"


def source_counts(services: Services, wave_id: str) -> dict[str, tuple[int | None, str]]:
    """Each source's responses in the wave, rounded as reach by source rounds them (the same cells): source id ->
    (count, or None under the threshold; the count in words)."""
    from analytics.disclosure import round_response_counts
    from surveyapp.store.sources import responses_by_source

    rounded = round_response_counts(services.disclosure, responses_by_source(services.store, wave_id), by="source")
    threshold = services.settings.small_number_threshold
    exact = "responses_true" not in rounded.columns
    shown: dict[str, tuple[int | None, str]] = {}
    for row in rounded.iter_rows(named=True):
        true = row["responses"] if exact else row["responses_true"]
        shown[row["area_code"]] = (None, f"fewer than {threshold}") if true < threshold else \
            (row["responses"], str(row["responses"]))
    return shown


def _source_out(services: Services, source: Source, counts: dict[str, tuple[int | None, str]]) -> SourceOut:
    base = f"/api/v1/waves/{source.wave_id}/sources/{source.source_id}"
    count, band = counts.get(source.source_id, (None, f"fewer than {services.settings.small_number_threshold}"))
    return SourceOut(source.source_id, source.wave_id, source.name, "retired" if source.retired else "active",
                     source_url(services, source), f"{base}/qr.svg", f"{base}/qr.png", f"{base}/poster",
                     source.created_at.replace(tzinfo=dt.UTC),
                     source.retired_at.replace(tzinfo=dt.UTC) if source.retired_at else None, count, band,
                     RETIRED_NOTE if source.retired else "")


def create_source(services: Services, wave_id: str, name: str) -> SourceOut:
    """Register a partner who passes the wave's survey on; its link records it on each response."""
    _source_wave(services, wave_id)
    return _source_out(services, services.sources.create(wave_id, name, services.clock()), {})


def list_sources(services: Services, wave_id: str) -> list[SourceOut]:
    """The wave's sources, oldest first, with their responses so far (rounded, as published)."""
    _source_wave(services, wave_id)
    counts = source_counts(services, wave_id)
    return [_source_out(services, s, counts) for s in services.sources.of_wave(wave_id)]


def rename_source(services: Services, wave_id: str, source_id: str, name: str) -> SourceOut:
    """A new name (its link, and the responses it brought, stay)."""
    source = services.sources.rename(_source(services, wave_id, source_id), name)
    return _source_out(services, source, source_counts(services, wave_id))


def retire_source(services: Services, wave_id: str, source_id: str) -> SourceOut:
    """From now on the source's link still opens the form, but responses are stored without it."""
    source = services.sources.retire(_source(services, wave_id, source_id), services.clock())
    return _source_out(services, source, source_counts(services, wave_id))


def source_qr(services: Services, wave_id: str, source_id: str, kind: Literal["svg", "png"]) -> bytes:
    """The QR code of the source's link, as SVG or PNG."""
    from surveyapp.render.poster import qr_png, qr_svg

    url = source_url(services, _source(services, wave_id, source_id))
    printable(services)
    return qr_svg(url).encode() if kind == "svg" else qr_png(url)


def source_poster(services: Services, wave_id: str, source_id: str) -> str:
    """The source's A4 poster as one HTML page: the QR code, the wave's title, how long it takes, the link
    written out, that it is anonymous, and whom to ask for paper or phone."""
    from surveyapp.render.poster import Poster, poster_html

    source = _source(services, wave_id, source_id)
    printable(services)
    wave = services.wave(wave_id)
    return poster_html(Poster(title=wave.questionnaire.title["en"], wave_title=wave.title["en"],
                              url=source_url(services, source), partner=source.name,
                              contact=services.settings.contact, closes_on=wave.closes_on))
