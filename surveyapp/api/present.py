"""Turn waves and questionnaires into their HTTP shapes, in the requested language."""

from __future__ import annotations

import datetime as dt

from surveyapp.api.schemas import OptionOut, QuestionnaireOut, QuestionOut, SectionOut, WaveOut
from surveyapp.wavestate import Wave
from waves.model import FreeText, Likert, MultipleChoice, Question, SingleChoice, text_in


def wave_out(wave: Wave, today: dt.date, lang: str = "en") -> WaveOut:
    return WaveOut(wave.wave_id, text_in(wave.title, lang), wave.kind,  # type: ignore[arg-type]
                   wave.status(today), wave.opens_on, wave.closes_on,  # type: ignore[arg-type]
                   wave.questionnaire.id, wave.questionnaire.version)


def question_out(q: Question, lang: str) -> QuestionOut:
    out = QuestionOut(q.id, type(q).__struct_config__.tag, q.section, text_in(q.text, lang),  # type: ignore[arg-type]
                      text_in(q.hint, lang) or None)
    if isinstance(q, SingleChoice | MultipleChoice):
        out.options = [OptionOut(o.id, text_in(o.text, lang), group=o.group) for o in q.options]
        if isinstance(q, MultipleChoice):
            out.exclusive = q.exclusive
    elif isinstance(q, Likert):
        out.statements = [OptionOut(s.id, text_in(s.text, lang)) for s in q.statements]
        out.answers = [OptionOut(a.id, text_in(a.text, lang), score=a.score) for a in q.answers]
        out.required = q.required_one
    elif isinstance(q, FreeText):
        out.max_length = q.max_length
    return out


def questionnaire_out(wave: Wave, today: dt.date, lang: str) -> QuestionnaireOut:
    q = wave.questionnaire
    language = lang if lang in q.languages else "en"
    return QuestionnaireOut(
        wave=wave_out(wave, today, language), language=language, languages=list(q.languages),
        title=text_in(q.title, language), intro=text_in(q.intro, language) or None,
        sections=[SectionOut(s.id, text_in(s.title, language), text_in(s.intro, language) or None)
                  for s in q.sections],
        questions=[question_out(x, language) for x in q.questions])
