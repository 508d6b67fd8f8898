"""The findings' own words in every language of the form: complete, compiled, with their placeholders."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from surveyapp.findings.render import LOCALE, findings_messages
from surveyapp.web.messages import load_messages

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"\{\w+\}")


def po(path: Path) -> Any:
    return read_po(io.BytesIO(path.read_bytes()))


def template_ids() -> set[str]:
    return {m.id for m in po(LOCALE / "messages.pot") if m.id}


def test_the_template_holds_every_message_the_findings_use() -> None:
    found: set[str] = set()
    for method, pattern in (("python", "**.py"), ("jinja2", "templates/**.html")):
        found |= {message for _, _, message, *_ in extract_from_dir(
            ROOT / "surveyapp" / "findings", method_map=[(pattern, method)], keywords={"t": None}) if message}
    assert found == template_ids(), "run `make translations`"


def test_a_catalogue_for_every_language_of_the_form() -> None:
    assert sorted(p.parts[-3] for p in CATALOGUES) == ["en_easy", "pl", "ro", "ur"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_with_its_placeholders_and_compiled(path: Path) -> None:
    catalogue = po(path)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    assert set(translated) == template_ids(), f"untranslated in {path}: {template_ids() - set(translated)}"
    words = findings_messages()[path.parts[-3].replace("_", "-")]
    for message, text in translated.items():
        assert sorted(PLACEHOLDER.findall(str(message))) == sorted(PLACEHOLDER.findall(str(text))), message
        assert words(str(message)) == text, f"{path}: run `make translations`"


def test_the_layouts_words_come_from_the_forms_catalogue() -> None:
    assert findings_messages()["pl"]("Skip to main content") != "Skip to main content"


def test_the_findings_words_asked_for_again_still_end_in_english() -> None:
    """Each start asks for the words again, from catalogues read once: a message in neither catalogue is shown
    in English however often they were asked for, and the form's own words are not changed by the findings'."""
    for _ in range(3):
        words = findings_messages()
    assert words["pl"]("A sentence no catalogue holds") == "A sentence no catalogue holds"
    assert words["pl"]("Skip to main content") == load_messages()["pl"]("Skip to main content")
    summary = "A one-page summary to print (PDF)"
    assert words["pl"](summary) != summary and load_messages()["pl"](summary) == summary
