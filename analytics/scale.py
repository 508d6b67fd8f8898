"""The answer scale of a Likert question, as analytics and charts need it, read from its definition.

Every questionnaire fact the analytics use (which question is compared, each answer's score, which answers
count as agreeing or disagreeing, the statements in order with their short labels and plain phrases) comes
from the questionnaire's TOML through `Scale.of`, never from constants here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from waves.model import Likert, Questionnaire, text_in


@dataclass(frozen=True)
class Scale:
    """A Likert question's answers and statements: scores, leanings, labels."""

    question_id: str
    scores: Mapping[str, int]  # scored answer id -> score, in the questionnaire's order
    agree: tuple[str, ...]  # answer ids that count towards the share agreeing
    disagree: tuple[str, ...]  # ... and disagreeing
    unscored: tuple[str, ...]  # answers counted but never scored or averaged ("don't know")
    statements: tuple[str, ...]  # statement ids in questionnaire order
    labels: Mapping[str, str] = field(default_factory=dict)  # statement id -> short label
    phrases: Mapping[str, str] = field(default_factory=dict)  # statement id -> what agreeing says
    answer_labels: Mapping[str, str] = field(default_factory=dict)  # answer id -> its text
    question_name: str = "the question"  # how titles name it: "question 7", from the number its text starts with

    @classmethod
    def of(cls, question: Likert, lang: str = "en") -> Scale:
        """The scale of a Likert question, with texts in `lang` (English where missing)."""
        return cls(
            question_id=question.id,
            scores={a.id: a.score for a in question.answers if a.score is not None},
            agree=tuple(a.id for a in question.answers if a.leaning == "agree"),
            disagree=tuple(a.id for a in question.answers if a.leaning == "disagree"),
            unscored=tuple(a.id for a in question.answers if a.score is None),
            statements=tuple(s.id for s in question.statements),
            labels={s.id: text_in(s.short, lang) for s in question.statements if s.short},
            phrases={s.id: text_in(s.phrase, lang) for s in question.statements if s.phrase},
            answer_labels={a.id: text_in(a.text, lang) for a in question.answers},
            question_name=question_name(question),
        )

    @classmethod
    def for_questionnaire(cls, questionnaire: Questionnaire, lang: str = "en") -> Scale:
        """The scale of the questionnaire's required Likert question (the one compared across waves)."""
        likert = questionnaire.likert()
        if likert is None:
            raise ValueError(f"questionnaire {questionnaire.id} has no required Likert question to compare")
        return cls.of(likert, lang)

    def label(self, statement_id: str) -> str:
        """The short label of a statement (its id in words when the definition gives none)."""
        return self.labels.get(statement_id) or statement_id.replace("_", " ").capitalize()

    def phrase(self, statement_id: str) -> str:
        """What agreeing with a statement says (its id in words when the definition gives none)."""
        return self.phrases.get(statement_id) or statement_id.replace("_", " ")

    def order(self, statement_ids: Iterable[str]) -> list[str]:
        """Statement ids in questionnaire order, unknown ids last (alphabetically)."""
        known = {s: i for i, s in enumerate(self.statements)}
        return sorted(set(statement_ids), key=lambda s: (known.get(s, len(known)), s))


def question_name(question: Likert) -> str:
    """'question 7' when the English text starts with its number ("7. How much ..."), else 'question <id>'."""
    number = re.match(r"\s*(\d+[a-z]?)[.)]\s", text_in(question.text, "en"))
    return f"question {number[1] if number else question.id}"
