"""The form's own words (buttons, headings, errors, privacy notice) as gettext catalogues, made with Babel.

The English text is the message id, so English needs no catalogue. Every other language has
`locale/<code>/LC_MESSAGES/messages.po` (its code with `_` for `-`: `en_easy`, `pl`, `ur`), compiled to
`messages.mo` by `make translations` (extract, update, compile). Names, `lang` and `dir` come from Babel's
locale data (Urdu is right to left), except easy-read English, which is still `lang="en"`. A catalogue whose
`Language-Team` header says DRAFT awaits review by a qualified translator: pages in it say so.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
ENGLISH = "en"
_OWN = {ENGLISH: ("English", "en"), "en-easy": ("Easy read", "en")}  # not Babel locales of their own


class CatalogueError(ValueError):
    """A message catalogue that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Meta:
    name: str  # the language's own name, shown on the link that switches to it
    html_lang: str  # the BCP 47 tag for <html lang>: easy-read English is still "en"
    direction: str  # "ltr" or "rtl", for <html dir>
    draft: bool  # machine-drafted, awaiting a qualified translator's review


@dataclass(frozen=True)
class Messages:
    """The words of one language; a message without a translation is shown in English."""

    lang: str
    meta: Meta
    translations: gettext.NullTranslations

    def __call__(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text


def _meta(lang: str, translations: gettext.NullTranslations) -> Meta:
    team = translations.info().get("language-team", "") if isinstance(translations, gettext.GNUTranslations) else ""
    draft = "DRAFT" in team
    if lang in _OWN:
        name, html_lang = _OWN[lang]
        return Meta(name, html_lang, "ltr", draft)
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise CatalogueError(f"{LOCALE_DIR / lang}: {lang!r} is not a language Babel knows") from None
    name = locale.display_name or lang
    return Meta(name[:1].upper() + name[1:], lang, locale.text_direction, draft)


def load_messages(directory: Path = LOCALE_DIR) -> Mapping[str, Messages]:
    """English, and every compiled catalogue in the directory, keyed by language code (`en-easy`, `pl`). Read
    again only when a catalogue file has changed: a service reads its words at every start (the tests start
    hundreds), and nothing changes a catalogue once read (findings/render.py adds a fallback to a copy)."""
    found = sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    try:
        stamps = tuple((path, *_stamp(path)) for path in found)
    except OSError as exc:
        raise CatalogueError(f"{exc.filename}: {exc}") from None
    return _read(stamps)


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=16)
def _read(stamps: tuple[tuple[Path, int, int], ...]) -> Mapping[str, Messages]:
    english = gettext.NullTranslations()
    found: dict[str, Messages] = {ENGLISH: Messages(ENGLISH, _meta(ENGLISH, english), english)}
    for path, *_ in stamps:
        lang = path.parent.parent.name.replace("_", "-")
        try:
            with path.open("rb") as file:
                translations: gettext.NullTranslations = Translations(file, domain=DOMAIN)
        except OSError as exc:
            raise CatalogueError(f"{path}: {exc}") from None
        found[lang] = Messages(lang, _meta(lang, translations), translations)
    return MappingProxyType(found)
