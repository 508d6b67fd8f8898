"""The data dictionary (one row per column), the codes (one row per column and value), and aggregate waves'
published counts as a table (the 2019 baseline), for analysts to put beside the exported waves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from analytics.scale import Scale
from surveyapp.render.exports.columns import CHOSEN_LABELS, TAGGED_LABELS, Column, variable_names
from waves.model import Questionnaire

DICTIONARY_SCHEMA = {"name": pl.String, "sav_name": pl.String, "dta_name": pl.String, "question_id": pl.String,
                     "statement_id": pl.String, "option_id": pl.String, "kind": pl.String, "text": pl.String,
                     "label": pl.String, "values": pl.String, "codes": pl.String, "missing": pl.String,
                     "set": pl.String}
CODES_SCHEMA = {"name": pl.String, "variable": pl.String, "answer_id": pl.String, "words": pl.String,
                "sav_code": pl.Int32, "dta_code": pl.String, "missing": pl.Boolean}
BASELINE_SCHEMA = {"wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String,
                   "statement": pl.String, "answer_id": pl.String, "answer": pl.String, "score": pl.Int8,
                   "n": pl.Int64}


def mr_set_name(question_id: str) -> str:
    """The SPSS multiple response set of a multiple-choice question's 0/1 variables."""
    return f"${question_id}"


def _codes(column: Column) -> str:
    if column.kind in ("option", "theme"):
        words = CHOSEN_LABELS if column.kind == "option" else TAGGED_LABELS
        return "; ".join(f"{n} = {t}" for n, t in reversed(words.items()))
    if column.kind == "score":
        return "; ".join(f"{n} = {t}" for _, n, t in column.labels)
    if column.kind == "multiple":
        return "text in SPSS and Stata: the option ids, ';'-joined (the 0/1 variables beside it are coded)"
    return "; ".join(f"{n} = {t} ({a})" for a, n, t in column.labels)


def _missing(column: Column) -> str | None:
    if not column.missing:
        return None
    values = "; ".join(f"{m.code} in SPSS, .{m.tag} in Stata = {m.text}" + (f" ({m.answer_id})" if m.answer_id
                                                                            else " (or not asked in that wave)")
                       for m in column.missing)
    return (f"{values}. Declared missing: SPSS user-missing values, Stata extended missing values. R's haven "
            "reads them as NA (read_sav(); read_dta(): tagged NA), so mean(x, na.rm = TRUE) leaves them out; "
            "read_sav(user_na = TRUE) keeps them as the numbers above, which mean() counts: use "
            "mean(zap_missing(x), na.rm = TRUE) there")


def _set(column: Column, members: Sequence[str]) -> str | None:
    """The SPSS multiple response set a column belongs to, with its variables by their SPSS names (a cut name
    no longer starts `<question>__`)."""
    if column.kind in ("multiple", "option") and column.question_id:
        return (f"{mr_set_name(column.question_id)}: SPSS multiple response set of {', '.join(members)} "
                "(multiple dichotomies, counted value 1)")
    return None


def dictionary_frame(columns: Sequence[Column]) -> pl.DataFrame:
    """The data dictionary: one row per column with its question, wording, values, how SPSS and Stata files
    code it (`codes`, `missing`, `set`) and its variable name there (one name, the same in both and in R)."""
    names = variable_names(columns)
    members: dict[str | None, list[str]] = {}
    for c in columns:
        if c.kind == "option":
            members.setdefault(c.question_id, []).append(names[c.name])
    return pl.DataFrame([{"name": c.name, "sav_name": names[c.name], "dta_name": names[c.name],
                          "question_id": c.question_id, "statement_id": c.statement_id, "option_id": c.option_id,
                          "kind": c.kind, "text": c.text, "label": c.label, "values": c.values,
                          "codes": _codes(c), "missing": _missing(c),
                          "set": _set(c, members.get(c.question_id, []))} for c in columns],
                        schema=DICTIONARY_SCHEMA)


def codes_frame(columns: Sequence[Column]) -> pl.DataFrame:
    """One row per coded column and value: the answer's id and words, its number in SPSS and Stata (a declared
    missing value's SPSS code and Stata letter), and whether it is declared missing."""
    names = variable_names(columns)
    rows: list[dict[str, object]] = []
    for c in columns:
        if c.kind in ("option", "theme"):
            words = CHOSEN_LABELS if c.kind == "option" else TAGGED_LABELS
            rows += [{"name": c.name, "variable": names[c.name], "answer_id": None, "words": t, "sav_code": n,
                      "dta_code": str(n), "missing": False} for n, t in reversed(words.items())]
        elif c.kind in ("single", "likert", "score"):
            rows += [{"name": c.name, "variable": names[c.name], "answer_id": a, "words": t, "sav_code": n,
                      "dta_code": str(n), "missing": False} for a, n, t in c.labels]
            rows += [{"name": c.name, "variable": names[c.name], "answer_id": m.answer_id, "words": m.text,
                      "sav_code": m.code, "dta_code": f".{m.tag}", "missing": True} for m in c.missing]
    return pl.DataFrame(rows, schema=CODES_SCHEMA)


def baseline_frame(counts: pl.DataFrame, questionnaires: Mapping[str, Questionnaire]) -> pl.DataFrame:
    """Aggregate waves' published counts (`counts`: wave_id, question_id, statement_id, answer_id, n) as one
    row per wave, statement and answer, with the statement's short label, the answer's words and score, in the
    questionnaire's order: the 2019 baseline as data, to put beside a wave's export."""
    rows: list[dict[str, object]] = []
    for wave_id, questionnaire in questionnaires.items():
        likert = questionnaire.likert()
        if likert is None:
            continue
        scale = Scale.of(likert)
        n = {(s, a): v for w, q, s, a, v in counts.select("wave_id", "question_id", "statement_id", "answer_id",
                                                          "n").iter_rows() if w == wave_id and q == likert.id}
        rows += [{"wave_id": wave_id, "question_id": likert.id, "statement_id": s, "statement": scale.label(s),
                  "answer_id": a.id, "answer": scale.answer_labels[a.id], "score": a.score, "n": n[(s, a.id)]}
                 for s in scale.statements for a in likert.answers if (s, a.id) in n]
    return pl.DataFrame(rows, schema=BASELINE_SCHEMA)
