"""What the form's pages share: the `FormKit` (signer, words, languages, the new drafts' rate limit), the wave
families can answer, this device's draft session and its cookie, and a page's address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from surveyapp.domain.returncodes import load_or_share_key
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from surveyapp.http.ratelimit import ClientLimit
from surveyapp.settings import Settings
from surveyapp.store.drafts import DRAFT_DAYS, draft_key
from surveyapp.web.journey import CHECK_PAGE
from surveyapp.web.messages import ENGLISH, Messages, load_messages
from surveyapp.web.render import with_lang
from surveyapp.web.tokens import DRAFT_COOKIE, FormSigner


@dataclass(frozen=True)
class FormKit:
    """What the form's handlers share: the signer (its key lives beside the return-code key), words, languages."""

    signer: FormSigner
    messages: Mapping[str, Messages]
    secure_cookies: bool
    languages: tuple[str, ...]  # SURVEYAPP_LANGUAGES
    limit: ClientLimit | None = None  # the submissions' rate limiter, which new drafts count against too


def make_form_kit(settings: Settings, limit: ClientLimit | None = None) -> FormKit:
    """The form's signer (its key made on first start, beside the return-code key), its words, the rate limit."""
    key = load_or_share_key(settings.data_dir / "secrets" / "form.key")
    languages = tuple(lang.strip() for lang in settings.languages.split(",") if lang.strip())
    return FormKit(FormSigner(key), load_messages(), settings.behind_tls, tuple(dict.fromkeys((ENGLISH, *languages))),
                   limit)


def offered(form_kit: FormKit, wave: Wave | None) -> tuple[str, ...]:
    """The languages this form is offered in: in the setting, with a catalogue, and in the questionnaire."""
    have = wave.questionnaire.languages if wave else (ENGLISH,)
    return tuple(lang for lang in form_kit.languages if lang in form_kit.messages and lang in have)


def words(form_kit: FormKit, lang: str | None, wave: Wave | None = None) -> Messages:
    """The catalogue for the asked language, when it is offered; else English."""
    return form_kit.messages[lang if lang in offered(form_kit, wave) else ENGLISH]


def responses_wave(services: Services, wave_id: str) -> Wave | None:
    """The wave families can answer, or None (unknown, or the baseline's published counts)."""
    wave = services.waves.get(wave_id)
    return wave if wave is not None and wave.kind == "responses" else None


@dataclass(frozen=True)
class Session:
    """The browser's draft cookie: a random id (nothing else), and whether it must be set."""

    cookie: str
    fresh: bool

    @property
    def key(self) -> str:
        return draft_key(self.cookie)


def session_of(connection: ASGIConnection[Any, Any, Any, Any], signer: FormSigner) -> Session:
    value = connection.cookies.get(DRAFT_COOKIE) or ""
    if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return Session(value, False)
    return Session(signer.new_browser_id(), True)


def draft_cookie(form_kit: FormKit, session: Session) -> Cookie:
    """HttpOnly, SameSite=Lax (a link from an email still finds the draft), only the random id, for DRAFT_DAYS."""
    return Cookie(key=DRAFT_COOKIE, value=session.cookie, path="/survey", max_age=DRAFT_DAYS * 86400,
                  httponly=True, samesite="lax", secure=form_kit.secure_cookies)


def page_url(wave: Wave, slug: str, t: Messages, change: bool = False) -> str:
    path = f"/survey/{wave.wave_id}/check" if slug == CHECK_PAGE else f"/survey/{wave.wave_id}/q/{slug}"
    url = with_lang(path, t.lang)
    return url + ("&" if "?" in url else "?") + "change=1" if change else url
