"""The form's words in every language: gettext catalogues made with Babel, complete, compiled and marked honestly."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from surveyapp.web.messages import LOCALE_DIR, CatalogueError, load_messages
from waves.loader import load_catalogue
from waves.model import Likert, MultipleChoice, SingleChoice

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
DRAFTS = {"pl", "ro", "ur"}
PLACEHOLDER = re.compile(r"\{\w+\}")


def po(path: Path) -> Any:
    return read_po(io.BytesIO(path.read_bytes()))


def template_ids() -> set[str]:
    return {m.id for m in po(LOCALE_DIR / "messages.pot") if m.id}


def test_the_template_holds_every_message_the_code_and_templates_use() -> None:
    found: set[str] = set()
    for method, pattern in (("python", "**.py"), ("jinja2", "templates/**.html")):
        found |= {message for _, _, message, *_ in extract_from_dir(
            ROOT / "surveyapp" / "web", method_map=[(pattern, method)], keywords={"t": None}) if message}
    assert found == template_ids(), "run `make translations`"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_with_its_placeholders(path: Path) -> None:
    catalogue = po(path)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    assert set(translated) == template_ids(), f"untranslated in {path}: {template_ids() - set(translated)}"
    for message, text in translated.items():
        assert sorted(PLACEHOLDER.findall(str(message))) == sorted(PLACEHOLDER.findall(str(text))), message


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_compiled_catalogue_is_the_current_one(path: Path) -> None:
    lang = path.parts[-3].replace("_", "-")
    words = load_messages()[lang]
    for message in po(path):
        if message.id:
            assert words(str(message.id)) == message.string, f"{path}: run `make translations`"


def test_draft_catalogues_say_so_in_their_header_and_on_their_pages() -> None:
    messages = load_messages()
    for lang in DRAFTS:
        header = (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").read_text()
        assert "Language-Team: DRAFT – awaiting review by a qualified translator" in header
        assert messages[lang].meta.draft
    assert not messages["en-easy"].meta.draft and not messages["en"].meta.draft
    assert messages["ur"].meta.direction == "rtl" and messages["pl"].meta.direction == "ltr"
    assert (messages["pl"].meta.name, messages["ro"].meta.name) == ("Polski", "Română")


def test_every_offered_questionnaire_language_has_a_catalogue_and_its_question_texts() -> None:
    messages = load_messages()
    for questionnaire in load_catalogue().questionnaires.values():
        for lang in questionnaire.languages:
            assert lang in messages
    repeat = next(q for q in load_catalogue().questionnaires.values() if q.id == "send-repeat")
    for question in repeat.questions:
        for lang in repeat.languages:
            assert lang in question.text, (question.id, lang)
        if isinstance(question, SingleChoice | MultipleChoice) and question.section == "about":
            assert all(set(repeat.languages) <= set(o.text) for o in question.options), question.id
        if isinstance(question, Likert):
            for statement in question.statements:
                assert set(statement.text) == {"en"}, "Q7 keeps its exact 2019 wording in every language"
                assert set(statement.explain or {}) == set(repeat.languages) - {"en"}



def test_a_catalogue_is_read_again_once_its_file_changes_and_not_before(tmp_path: Path) -> None:
    """The words are read once per set of compiled files (each start reads them): a catalogue compiled again
    (`make translations`) is what the next start shows, and a file that cannot be read is named."""
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    polish = tmp_path / "locale" / "pl" / "LC_MESSAGES" / "messages.mo"
    first = load_messages(tmp_path / "locale")
    assert load_messages(tmp_path / "locale") is first
    catalogue = po(polish.with_suffix(".po"))
    catalogue["Continue"].string = "Dalej, proszę"
    with polish.open("wb") as file:
        write_mo(file, catalogue)
    again = load_messages(tmp_path / "locale")
    assert first["pl"]("Continue") != "Dalej, proszę" and again["pl"]("Continue") == "Dalej, proszę"
    polish.write_bytes(b"not a compiled catalogue")
    with pytest.raises(CatalogueError, match=str(polish)):
        load_messages(tmp_path / "locale")
