"""The form's own words (buttons, headings, errors, privacy notice), one TOML catalogue per language.

English (`en.toml`) holds every key; another language may leave keys out, and those fall back to English.
A key in another language that English does not have is a typo, and stops the service from starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec

MESSAGES_DIR = Path(__file__).parent / "messages"
ENGLISH = "en"


class CatalogueError(ValueError):
    """A message catalogue that cannot be used; the message names the file and the key."""


class Meta(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str  # the language's own name, shown on the link that switches to it
    html_lang: str  # the BCP 47 tag for <html lang>: easy-read English is still "en"


class MessageFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    meta: Meta
    text: dict[str, str]


@dataclass(frozen=True)
class Messages:
    """The words of one language, with English behind every missing key."""

    lang: str
    meta: Meta
    own: dict[str, str]
    english: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        template = self.own.get(key) or self.english[key]
        return template.format(**values) if values else template


def load_messages(directory: Path = MESSAGES_DIR) -> dict[str, Messages]:
    """Every catalogue in the directory, keyed by language code (the file's stem)."""
    files: dict[str, MessageFile] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            files[path.stem] = msgspec.toml.decode(path.read_bytes(), type=MessageFile)
        except msgspec.DecodeError as exc:
            raise CatalogueError(f"{path}: {exc}") from None
    if ENGLISH not in files:
        raise CatalogueError(f"{directory}: en.toml is missing; English is the fallback for every language")
    english = files[ENGLISH].text
    for lang, file in files.items():
        unknown = sorted(set(file.text) - set(english))
        if unknown:
            raise CatalogueError(f"{directory / (lang + '.toml')}: keys not in en.toml: {', '.join(unknown)}")
    return {lang: Messages(lang, file.meta, file.text, english) for lang, file in files.items()}
