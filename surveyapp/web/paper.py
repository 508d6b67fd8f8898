"""The paper questionnaire: the whole of a wave's questionnaire on A4, to print, fill in by hand and send back.

Everything it asks comes from the wave's definition (never a copy of the questions), in any of the form's
languages (`?lang=en-easy`), in standard or large print (`?size=large`). Question 7's statements keep their exact
2019 wording, with the plain-words explanation beside them in easy read and the other languages, as on the form.
At the top, a box for staff: the reference they write on the form when it comes back, which they type in when
they enter it in staff mode (and which makes entering it twice store it once). The return code of an earlier wave
has a box of its own; the postcode may be left blank. Where to send it back is SURVEYAPP_PAPER_RETURN_ADDRESS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from surveyapp.domain.services import Services
from surveyapp.settings import Settings
from surveyapp.web.answers import layout
from surveyapp.web.kit import FormKit, offered, responses_wave, words
from surveyapp.web.messages import ENGLISH, Messages
from surveyapp.web.refusals import not_available, not_found
from surveyapp.web.render import document
from surveyapp.web.view import child_question
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Question, SingleChoice, text_in

PRINT_CSS = Path(__file__).parent / "print.css"
Size = Literal["standard", "large"]
MANY_OPTIONS = 8  # longer lists of options print in two columns (standard print only)


@cache
def print_css(size: Size) -> str:
    """The print stylesheet: its common rules, then the standard or the large print rules."""
    css = PRINT_CSS.read_text(encoding="utf-8")
    common, _, rest = css.partition("/* standard */")
    standard, _, large = rest.partition("/* large */")
    if "</" in css or not large:
        raise ValueError(f"{PRINT_CSS}: needs /* standard */ then /* large */, and no '</'")
    return (common + (standard if size == "standard" else large)).strip()


@dataclass(frozen=True)
class Printed:
    """One question as the paper shows it."""

    kind: str  # single, multiple, likert, text, postcode
    text: str
    hint: str
    options: list[str]
    two_columns: bool = False
    statements: list[tuple[str, str]] | None = None  # (exact wording, what it means)


def printed(question: Question, t: Messages, size: Size) -> Printed:
    lang = t.lang
    text, hint = text_in(question.text, lang), text_in(question.hint, lang)
    if isinstance(question, SingleChoice | MultipleChoice):
        options = [text_in(o.text, lang) for o in question.options]
        kind = "single" if isinstance(question, SingleChoice) else "multiple"
        return Printed(kind, text, hint or (t("Tick one box.") if kind == "single" else ""), options,
                       two_columns=size == "standard" and len(options) > MANY_OPTIONS)
    if isinstance(question, Likert):
        answers = [text_in(a.text, lang) for a in question.answers] + [t("Does not apply to me")]
        statements = [(s.text["en"], (s.explain or {}).get(lang, "")) for s in question.statements]
        return Printed("likert", text, hint, answers, statements=statements)
    if isinstance(question, FreeText):
        return Printed("text", text, hint, [])
    assert isinstance(question, PartPostcode)
    return Printed("postcode", text, t("Write the first half only, for example CT1 or ME14. If you would rather not "
                                       "give your postcode, leave it blank."), [])


@get("/survey/{wave_id:str}/print", sync_to_thread=False, include_in_schema=False)
def paper_form(services: NamedDependency[Services], settings: NamedDependency[Settings],
               form_kit: NamedDependency[FormKit], wave_id: FromPath[str], lang: FromQuery[str | None] = None,
               size: FromQuery[Size] = "standard") -> Response[str]:
    """The wave's questionnaire to print on A4, in standard or large print, in any of the form's languages."""
    wave = responses_wave(services, wave_id)
    t = words(form_kit, lang, wave)
    if wave is None:
        raise not_found(t)
    if wave.status(services.today()) == "closed":
        raise not_available(services, t, wave) or not_found(t)
    questionnaire = wave.questionnaire
    sections = [(text_in(s.title, t.lang) if s else "", text_in(s.intro, t.lang) if s else "",
                 [printed(q, t, size) for q in questions]) for s, questions in layout(questionnaire)]
    address = settings.paper_return_address
    here = f"/survey/{wave_id}/print"
    other_size: Size = "standard" if size == "large" else "large"
    versions = [(_address(here, code, size), form_kit.messages[code].meta) for code in offered(form_kit, wave)
                if code != t.lang]
    return document("print.html", t, print_css(size), size=size, title=text_in(questionnaire.title, t.lang),
                    caption=text_in(wave.title, t.lang), intro=text_in(questionnaire.intro, t.lang),
                    sections=sections, child=child_question(None, t),
                    address=[line.strip() for line in (address or "").split(";") if line.strip()],
                    other_size=(_address(here, t.lang, other_size),
                                t("Large print version") if other_size == "large" else t("Standard print version")),
                    versions=versions)


def _address(path: str, lang: str, size: Size) -> str:
    """This page in that language and size; English and standard print need no parameter."""
    query = "&".join(([f"lang={lang}"] if lang != ENGLISH else []) + (["size=large"] if size == "large" else []))
    return f"{path}?{query}" if query else path
