"""Load and check questionnaire and wave definitions; a bad file stops start-up with a clear message."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import polars as pl

from waves.model import (
    Likert,
    MultipleChoice,
    Questionnaire,
    SingleChoice,
    Text,
    WaveDefinition,
    WaveFile,
)

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
WAVES_FILE = "waves.toml"


# What the store's packed Likert answers hold (surveyapp.store.derived): 32 statements of 4 bits, code 0 unanswered.
LIKERT_STATEMENTS_MAX, LIKERT_ANSWERS_MAX = 32, 15


class DefinitionError(Exception):
    """A definition file is wrong: the message names the file, the key and what was expected."""

    def __init__(self, path: Path, key: str, expected: str) -> None:
        super().__init__(f"{path}: at `{key}`: {expected}")
        self.path, self.key, self.expected = path, key, expected


@dataclass(frozen=True)
class Catalogue:
    """Every questionnaire and wave defined on disk, plus the counts of aggregate-only waves."""

    questionnaires: dict[tuple[str, int], Questionnaire]
    waves: tuple[WaveDefinition, ...]
    aggregate_counts: pl.DataFrame  # wave_id, question_id, statement_id, answer_id, area_level, area_code, n

    def questionnaire(self, questionnaire_id: str, version: int) -> Questionnaire:
        return self.questionnaires[(questionnaire_id, version)]

    def wave(self, wave_id: str) -> WaveDefinition | None:
        return next((w for w in self.waves if w.id == wave_id), None)


def _duplicates(ids: Iterable[str]) -> list[str]:
    return [value for value, count in Counter(ids).items() if count > 1]


def _check_unique(path: Path, key: str, ids: Iterable[str]) -> None:
    dupes = _duplicates(ids)
    if dupes:
        raise DefinitionError(path, key, f"ids must be unique, found {', '.join(sorted(dupes))} twice")


def _check_text(path: Path, key: str, text: Text | None, languages: tuple[str, ...], *,
                english: bool = True) -> None:
    if text is None:
        return
    if english and not text.get("en"):
        raise DefinitionError(path, key, "an English text (`en = \"...\"`) is required")
    unknown = sorted(set(text) - set(languages))
    if unknown:
        raise DefinitionError(path, key, f"language {', '.join(unknown)} is not in `languages` {list(languages)}")


def check_questionnaire(path: Path, q: Questionnaire) -> None:
    """Check what msgspec's types cannot: unique ids, references between keys, texts."""
    langs = q.languages
    if "en" not in langs:
        raise DefinitionError(path, "languages", "must include \"en\", the fallback language")
    _check_text(path, "title", q.title, langs)
    _check_text(path, "intro", q.intro, langs)
    _check_unique(path, "sections", (s.id for s in q.sections))
    _check_unique(path, "questions", (x.id for x in q.questions))
    section_ids = {s.id for s in q.sections}
    for i, s in enumerate(q.sections):
        _check_text(path, f"sections[{i}].title", s.title, langs)
        _check_text(path, f"sections[{i}].intro", s.intro, langs)
    likerts = [x for x in q.questions if isinstance(x, Likert)]
    if sum(len(x.statements) for x in likerts) > LIKERT_STATEMENTS_MAX:
        raise DefinitionError(path, "questions", f"at most {LIKERT_STATEMENTS_MAX} Likert statements in all "
                              "(the store packs a response's Likert answers into one 128-bit number); found "
                              f"{sum(len(x.statements) for x in likerts)}")
    if sum(1 for x in likerts if x.required_one) > 1:
        raise DefinitionError(path, "questions", "at most one Likert question may set `required_one`")
    for i, question in enumerate(q.questions):
        key = f"questions[{i}] ({question.id})"
        _check_text(path, f"{key}.text", question.text, langs)
        _check_text(path, f"{key}.hint", question.hint, langs)
        if section_ids and question.section not in section_ids:
            raise DefinitionError(path, f"{key}.section",
                                  f"unknown section {question.section!r}; expected one of {sorted(section_ids)}")
        _check_question_parts(path, key, question, langs)


def _check_question_parts(path: Path, key: str, question: object, langs: tuple[str, ...]) -> None:
    if isinstance(question, SingleChoice | MultipleChoice):
        if not question.options:
            raise DefinitionError(path, f"{key}.options", "at least one option")
        _check_unique(path, f"{key}.options", (o.id for o in question.options))
        for j, option in enumerate(question.options):
            _check_text(path, f"{key}.options[{j}].text", option.text, langs)
        if isinstance(question, MultipleChoice) and question.exclusive is not None:
            ids = {o.id for o in question.options}
            if question.exclusive not in ids:
                raise DefinitionError(path, f"{key}.exclusive",
                                      f"unknown option id {question.exclusive!r}; expected one of {sorted(ids)}")
    elif isinstance(question, Likert):
        if not question.statements or not question.answers:
            raise DefinitionError(path, key, "a Likert question needs statements and answers")
        _check_unique(path, f"{key}.statements", (s.id for s in question.statements))
        _check_unique(path, f"{key}.answers", (a.id for a in question.answers))
        if len(question.answers) > LIKERT_ANSWERS_MAX:
            raise DefinitionError(path, f"{key}.answers", f"at most {LIKERT_ANSWERS_MAX} answers (the store "
                                  f"keeps each in 4 bits); found {len(question.answers)}")
        for j, statement in enumerate(question.statements):
            _check_text(path, f"{key}.statements[{j}].text", statement.text, langs)
        for j, answer in enumerate(question.answers):
            _check_text(path, f"{key}.answers[{j}].text", answer.text, langs)
            if answer.leaning is not None and answer.score is None:
                raise DefinitionError(path, f"{key}.answers[{j}].leaning",
                                      "a score as well: only scored answers can count as agreeing or disagreeing")
        for j, statement in enumerate(question.statements):
            _check_text(path, f"{key}.statements[{j}].short", statement.short, langs)
            _check_text(path, f"{key}.statements[{j}].phrase", statement.phrase, langs)
            _check_text(path, f"{key}.statements[{j}].explain", statement.explain, langs, english=False)
        if question.required_one:
            leanings = {a.leaning for a in question.answers}
            if not {"agree", "disagree"} <= leanings:
                raise DefinitionError(path, f"{key}.answers", "at least one answer with leaning = \"agree\" and "
                                      "one with leaning = \"disagree\": the compared question reports both shares")


@functools.lru_cache(maxsize=32)
def _parsed_toml(text: bytes) -> dict[str, object]:
    """A definition file's TOML, parsed once per process for each distinct content: Python's TOML parser was
    a quarter of what opening the service's store cost, and one process (the tests) opens it hundreds of times.
    Only read: each decode builds its definitions afresh from it, sharing no list or table."""
    return tomllib.loads(text.decode("utf-8"))


def _decode(path: Path, kind: type) -> object:
    """msgspec.toml.decode, from the parsed TOML kept for the file's content."""
    try:
        return msgspec.convert(_parsed_toml(path.read_bytes()), type=kind, str_keys=True,
                               builtin_types=(dt.datetime, dt.date, dt.time))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(path, "$", f"valid TOML ({exc})") from None
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = message.rsplit(" - at `", 1)
        key = where[1].rstrip("`") if len(where) == 2 else "$"
        raise DefinitionError(path, key, where[0]) from None


def _read_counts(path: Path, wave: WaveDefinition, q: Questionnaire) -> pl.DataFrame:
    """Read an aggregate wave's Q7 counts: one row per statement, one column per answer id."""
    likert = q.likert()
    if likert is None:
        raise DefinitionError(path, "questions", "an aggregate wave's questionnaire needs a Likert question")
    statements = {s.id: s.text["en"] for s in likert.statements}
    answer_ids = [a.id for a in likert.answers]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [a for a in answer_ids if a not in (reader.fieldnames or [])]
        if missing:
            raise DefinitionError(path, "header", f"a column for every answer id; missing {missing}")
        rows = list(reader)
    records = []
    for line, row in enumerate(rows, start=2):
        statement_id = row.get("statement_id", "")
        if statement_id not in statements:
            raise DefinitionError(path, f"line {line}: statement_id",
                                  f"one of {sorted(statements)}, not {statement_id!r}")
        if "statement" in row and row["statement"] != statements[statement_id]:
            raise DefinitionError(path, f"line {line}: statement",
                                  "the statement's wording, word for word as in the questionnaire")
        for answer_id in answer_ids:
            try:
                n = int(row[answer_id])
            except ValueError:
                raise DefinitionError(path, f"line {line}: {answer_id}", "a whole number") from None
            records.append((wave.id, likert.id, statement_id, answer_id, "all", "all", n))
    return pl.DataFrame(records, orient="row", schema={
        "wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String, "answer_id": pl.String,
        "area_level": pl.String, "area_code": pl.String, "n": pl.Int64})


def load_catalogue(directory: Path = DEFINITIONS_DIR) -> Catalogue:
    """Load every `*-v<N>.toml` questionnaire and `waves.toml` from a definitions directory."""
    questionnaires: dict[tuple[str, int], Questionnaire] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == WAVES_FILE:
            continue
        q = _decode(path, Questionnaire)
        assert isinstance(q, Questionnaire)
        check_questionnaire(path, q)
        if q.key in questionnaires:
            raise DefinitionError(path, "id", f"a new id or version; {q.id} v{q.version} is defined twice")
        questionnaires[q.key] = q
    waves_path = directory / WAVES_FILE
    wave_file = _decode(waves_path, WaveFile)
    assert isinstance(wave_file, WaveFile)
    _check_unique(waves_path, "waves", (w.id for w in wave_file.waves))
    counts = []
    for i, wave in enumerate(wave_file.waves):
        check_wave(waves_path, f"waves[{i}] ({wave.id})", wave, questionnaires)
        if wave.kind == "aggregate":
            q = questionnaires[(wave.questionnaire, wave.questionnaire_version)]
            counts.append(_read_counts(directory / str(wave.counts), wave, q))
    empty = _read_counts_schema()
    return Catalogue(questionnaires, wave_file.waves, pl.concat([empty, *counts]))


def check_wave(path: Path, key: str, wave: WaveDefinition,
               questionnaires: dict[tuple[str, int], Questionnaire]) -> None:
    """Check a wave's dates, its questionnaire and, for an aggregate wave, its counts file."""
    if wave.closes < wave.opens:
        raise DefinitionError(path, f"{key}.closes", f"a date on or after opens ({wave.opens}), not {wave.closes}")
    if (wave.questionnaire, wave.questionnaire_version) not in questionnaires:
        known = ", ".join(f"{i} v{v}" for i, v in sorted(questionnaires))
        wanted = f"{wave.questionnaire} v{wave.questionnaire_version}"
        raise DefinitionError(path, f"{key}.questionnaire", f"a defined questionnaire ({known}), not {wanted}")
    if "en" not in wave.title:
        raise DefinitionError(path, f"{key}.title", "an English title (`en = \"...\"`)")
    if (wave.kind == "aggregate") != (wave.counts is not None):
        raise DefinitionError(path, f"{key}.counts", "a counts file for aggregate waves, and only for them")
    if wave.counts is not None and not (path.parent / wave.counts).is_file():
        raise DefinitionError(path, f"{key}.counts", f"a CSV file beside {path.name}; {wave.counts} is missing")


def _read_counts_schema() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String, "answer_id": pl.String,
        "area_level": pl.String, "area_code": pl.String, "n": pl.Int64})
