"""The columns of an export, how each is coded, and its one variable name in SPSS, Stata and R.

A Likert statement is coded by its score (5 = Strongly agree ... 1 = Strongly disagree, from the
questionnaire's TOML), so that a plain mean of the item is the service's mean score; each unscored answer
("Don't know") and "not answered" are declared missing values: SPSS user-missing codes (98, 99) and Stata
extended missing values (.a, .b), each with its label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from analytics.scale import Scale
from waves.model import FreeText, Likert, MultipleChoice, Questionnaire, SingleChoice

META_COLUMNS = [
    ("response_id", "Random id of the response"),
    ("wave_id", "The wave the response belongs to"),
    ("submitted_hour", "Hour the response was received (UTC); no finer time is kept"),
    ("channel", "How it arrived: form (the families' web form), api, paper or phone (paper and phone: entered by "
                "staff)"),
    ("source_id", "The outreach source whose link, QR code or poster it came through (8 characters; the admin API "
                  "lists a wave's sources); empty: none (the plain link, the API without one, a retired source)"),
    ("source_name", "That source's name, as it is now (e.g. Oakfield School SENCO)"),
    ("language", "Language the questionnaire was answered in"),
    ("postcode_district", "Outward code of the postcode (the full postcode is never kept)"),
    ("area_status", "in_area (Kent and Medway), out_of_area, or unknown (not given)"),
    ("lad_code", "Majority local authority district (ONS code) of the postcode district"),
    ("lad_name", "Name of that district"),
    ("cohort_key", "Keyed hash of the return code: equal in two waves = the same family"),
    ("child_key", "Keyed hash of the return code and which child the answers are about: equal in two waves = "
                  "the same child; empty when no child was named"),
]
CHOSEN_LABELS = {0: "Not chosen", 1: "Chosen"}
TAGGED_LABELS = {0: "Coded, not this theme", 1: "Tagged with this theme"}
NOT_ANSWERED = "Not answered"
NOT_ANSWERED_CODE = 99  # SPSS; each unscored answer gets the codes below it (98 = Don't know)
# One name for SPSS, Stata and R: Stata allows 32 characters, less the digits pyreadstat appends to a variable's
# name to name its value labels (which Stata also limits to 32), hence 28; SPSS allows 64.
NAME_LIMIT = 28
RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",  # SPSS
            "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",  # Stata
            "_pi", "_pred", "_rc", "_skip", "str", "strl", "using"}


class ExportError(ValueError):
    """An export that cannot be made as asked; names the parameter and how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Missing:
    """A declared missing value of a Likert item: an unscored answer ("Don't know"), or no answer."""

    answer_id: str | None  # None: not answered (left out, not asked, or "Does not apply to me" on the form)
    code: int  # SPSS user-missing code
    tag: str  # Stata extended missing value's letter (.a, .b, ...)
    text: str


@dataclass(frozen=True)
class Column:
    """One column of the export. `labels` are (answer or option id, number, text): the number is the code in
    SPSS and Stata (for single choice its place in the questionnaire's list, for Likert items and scores the
    score); a Likert item's unscored answers and "not answered" are its `missing` values."""

    name: str
    question_id: str | None
    statement_id: str | None
    option_id: str | None
    kind: str  # meta, single, multiple, option, likert, score, text, theme
    text: str  # the full wording
    label: str  # the variable label in SPSS and Stata
    values: str  # what the values mean
    labels: tuple[tuple[str, int, str], ...] = ()
    source: str | None = None  # option and score columns: the answer column they are made from
    missing: tuple[Missing, ...] = ()

    @property
    def coded(self) -> bool:
        """A text column holding answer ids, written as numbers with value labels in SPSS and Stata."""
        return self.kind in ("single", "likert")

    @property
    def words(self) -> dict[str, str]:
        """Answer or option id -> its words, declared missing answers included."""
        return {a: t for a, _, t in self.labels} | {m.answer_id: m.text for m in self.missing if m.answer_id}


def likert_missing(unscored: Sequence[tuple[str, str]]) -> tuple[Missing, ...]:
    """The declared missing values of a Likert item with these unscored answers (id, text): each answer in turn
    (SPSS 98 for one, Stata .a), then not answered (99, the next letter)."""
    first = NOT_ANSWERED_CODE - len(unscored)
    coded = [(answer_id, first + i, chr(ord("a") + i), text) for i, (answer_id, text) in enumerate(unscored)]
    return tuple(Missing(*m) for m in [*coded, (None, NOT_ANSWERED_CODE, chr(ord("a") + len(unscored)),
                                                NOT_ANSWERED)])


def _likert(q: Likert, scale: Scale) -> list[Column]:
    scored = tuple((a.id, scale.scores[a.id], a.text["en"]) for a in q.answers if a.id in scale.scores)
    missing = likert_missing([(a.id, a.text["en"]) for a in q.answers if a.id not in scale.scores])
    values = "; ".join(f"{a.id} = {a.text['en']}" + (f" (score {a.score})" if a.score else "")
                       for a in q.answers) + ("; empty = not answered (left out, or \"Does not apply to me\" "
                                              "on the form: never stored, so comparable with 2019)")
    low, high = min(scale.scores.values(), default=0), max(scale.scores.values(), default=0)
    unscored = ", ".join(a.text["en"] for a in q.answers if a.id in scale.unscored)
    columns = []
    for s in q.statements:
        name, short = f"{q.id}_{s.id}", (s.short or s.text)["en"]
        columns.append(Column(name, q.id, s.id, None, "likert", s.text["en"], f"{q.id} {short}", values, scored,
                              missing=missing))
        columns.append(Column(
            f"{name}_score", q.id, s.id, None, "score", f"Score of {name}: {s.text['en']}",
            f"{q.id} {short}: score", f"{low} to {high} ("
            + "; ".join(f"{score} = {label}" for _, score, label in scored)
            + f"); empty for {unscored or 'unscored answers'} and when not answered", scored, source=name))
    return columns


def _question_columns(questionnaire: Questionnaire) -> list[Column]:
    columns: list[Column] = []
    for q in questionnaire.questions:
        text = q.text["en"]
        if isinstance(q, Likert):
            columns += _likert(q, Scale.of(q))
        elif isinstance(q, SingleChoice):
            options = tuple((o.id, i, o.text["en"]) for i, o in enumerate(q.options, 1))
            columns.append(Column(q.id, q.id, None, None, "single", text, text,
                                  "; ".join(f"{o.id} = {o.text['en']}" for o in q.options), options))
        elif isinstance(q, MultipleChoice):
            options = tuple((o.id, i, o.text["en"]) for i, o in enumerate(q.options, 1))
            columns.append(Column(q.id, q.id, None, None, "multiple", text, text,
                                  "option ids separated by ';': " + "; ".join(f"{o.id} = {o.text['en']}"
                                                                              for o in q.options), options))
            columns += [Column(f"{q.id}__{o.id}", q.id, None, o.id, "option", f"{text}: {o.text['en']}",
                               f"{o.text['en']} ({q.id})", "1 = chosen; 0 = the question answered without "
                               "choosing it; empty = the question not answered", source=q.id)
                        for o in q.options]
        elif isinstance(q, FreeText):
            columns.append(Column(q.id, q.id, None, None, "text", text, text, "free text (analysts only)"))
    return columns


def theme_column(theme_id: str, label: str, description: str, questionnaire_id: str, version: int) -> Column:
    """A theme of the comments' codebook as a 0/1 column `theme_<id>`: the codebook's label and description in
    the dictionary, with the version the export was made under."""
    return Column(f"theme_{theme_id}", "q7a", None, theme_id, "theme",
                  f"Theme of the comment (q7a): {label}. {description} (codebook of {questionnaire_id}, version "
                  f"{version})", f"Theme: {label}",
                  "1 = the comment is tagged with this theme; 0 = coded, without it; empty = no comment, or the "
                  "comment not coded yet (each comment's latest coding; blind second codings are left out)")


def _merge_scored(column: Column, other: Column) -> Column:
    """Two questionnaires' scored column (a Likert item or its score): the same score for the same answer, and
    no score for two answers; unscored answers joined."""
    known = {a: n for a, n, _ in column.labels}
    by_score = {n: a for a, n, _ in column.labels}
    for answer_id, number, _ in other.labels:
        if known.get(answer_id, number) != number:
            raise ExportError("waves", f"the questionnaires score {answer_id} in {column.source or column.name} "
                                       f"differently ({known[answer_id]} and {number}); export those waves "
                                       "separately")
        if by_score.get(number, answer_id) != answer_id:
            raise ExportError("waves", f"the questionnaires give {by_score[number]} and {answer_id} in "
                                       f"{column.source or column.name} the same score ({number}); export those "
                                       "waves separately")
    labels = (*column.labels, *(label for label in other.labels if label[0] not in known))
    if column.kind == "score":
        return replace(column, labels=labels)
    unscored = {m.answer_id: m.text for m in (*column.missing, *other.missing)
                if m.answer_id and m.answer_id not in {a for a, _, _ in labels}}
    return replace(column, labels=labels, missing=likert_missing(list(unscored.items())))


def _merge(column: Column, other: Column) -> Column:
    if other.kind != column.kind:
        raise ExportError("waves", f"{column.name} is a {column.kind} column in one questionnaire and a "
                                   f"{other.kind} column in another; export those waves separately")
    if column.kind in ("score", "likert"):
        return _merge_scored(column, other)
    known = {label[0] for label in column.labels}
    start = max((n for _, n, _ in column.labels), default=0)
    added = [label for label in other.labels if label[0] not in known]
    return replace(column, labels=(*column.labels, *((a, start + i, t) for i, (a, _, t) in enumerate(added, 1))))


def columns_of(questionnaires: Iterable[Questionnaire]) -> list[Column]:
    """Every column of an export of waves with these questionnaires: the response's own, then each
    questionnaire's in order, a column two questionnaires share taken once (its answers and options joined,
    labels from the first)."""
    merged: dict[str, Column] = {name: Column(name, None, None, None, "meta", text, text, "")
                                 for name, text in META_COLUMNS}
    for questionnaire in questionnaires:
        for column in _question_columns(questionnaire):
            merged[column.name] = _merge(merged[column.name], column) if column.name in merged else column
    return list(merged.values())


# --- One name in SPSS, Stata and R ----------------------------------------------------------------------------


def _hashed(name: str, limit: int) -> str:
    return name[: limit - 7] + "_" + hashlib.blake2s(name.encode(), digest_size=3).hexdigest()


def variable_names(columns: Sequence[Column]) -> dict[str, str]:
    """Each column's variable name in the SPSS and Stata files (and so in R, which reads either): the name
    itself when it fits both; else its start cut so that the option or `_score` at its end stays; else (or when
    that clashes) its start and a short hash of the whole name."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        tail = f"__{column.option_id}" if column.kind == "option" else "_score" if column.kind == "score" else ""
        name = column.name + "_" if column.name in RESERVED else column.name
        if len(name) > NAME_LIMIT and len(tail) <= NAME_LIMIT - 8:
            name = column.name[: NAME_LIMIT - len(tail)] + tail if tail else column.name[:NAME_LIMIT]
        if len(name) > NAME_LIMIT or name in taken:
            name = _hashed(column.name, NAME_LIMIT)
        names[column.name] = name
        taken.add(name)
    return names


# --- Filters --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Keep responses whose answer to `question_id` is one of `option_ids` (for multiple choice: chose one)."""

    question_id: str
    option_ids: tuple[str, ...]


def parse_filter(text: str, columns: Sequence[Column]) -> Filter:
    """`<question>:<option>[,<option>]`, checked against the questions of the waves exported."""
    question_id, colon, options = text.partition(":")
    choices = {c.name: c for c in columns if c.kind in ("single", "multiple")}
    example = "e.g. filter=respondent_role:parent_carer,young_person"
    if not colon or not options.strip(","):
        raise ExportError("filter", f"write it as <question>:<option>[,<option>], {example}; not {text!r}")
    column = choices.get(question_id)
    if column is None:
        raise ExportError("filter", f"{question_id!r} is not a single or multiple choice question of these "
                                    f"waves; use one of {', '.join(choices)}")
    wanted = tuple(dict.fromkeys(o for o in options.split(",") if o))
    known = [a for a, _, _ in column.labels]
    unknown = [o for o in wanted if o not in known]
    if unknown:
        raise ExportError("filter", f"{question_id} has no option {', '.join(map(repr, unknown))}; "
                                    f"use {', '.join(str(k) for k in known)}")
    return Filter(question_id, wanted)
