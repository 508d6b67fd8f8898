"""SPSS `.sav` and Stata `.dta` through pyreadstat: answers as numbers with value labels, Likert items by their
score with "Don't know" and "not answered" declared missing (SPSS user-missing, Stata extended missing), the
questions as variable labels, one variable name in both, and SPSS multiple response sets."""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from surveyapp.render.exports.columns import CHOSEN_LABELS, NOT_ANSWERED_CODE, TAGGED_LABELS, Column, variable_names
from surveyapp.render.exports.dictionary import mr_set_name
from surveyapp.render.exports.safe import cut, neutral, neutralise

# Longest labels: SPSS variable labels 256 bytes and value labels 120 bytes; Stata variable labels 80 characters.
_LIMITS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "sav": ({"utf8_bytes": 256}, {"utf8_bytes": 120}), "dta": ({"chars": 80}, {"chars": 32000})}


def _likert_sav(column: Column) -> pl.Expr:
    codes = {a: n for a, n, _ in column.labels} | {m.answer_id: m.code for m in column.missing if m.answer_id}
    return pl.col(column.name).replace_strict(codes, default=None, return_dtype=pl.Int16).fill_null(
        NOT_ANSWERED_CODE)


def _likert_dta(column: Column, values: pl.Series) -> pl.Series:
    """Scores as numbers, declared missing answers (and no answer) as their letters: an Object column, which
    pyreadstat writes as Stata's extended missing values .a, .b, ..."""
    codes: dict[str | None, int | str] = {a: n for a, n, _ in column.labels}
    codes |= {m.answer_id: m.tag for m in column.missing}
    return pl.Series(column.name, [codes.get(v, codes[None]) for v in values.to_list()], dtype=pl.Object)


def _value_labels(columns: Sequence[Column], names: dict[str, str], fmt: str) -> dict[str, dict[Any, str]]:
    value = _LIMITS[fmt][1]
    labels: dict[str, dict[Any, str]] = {}
    for c in columns:
        if c.kind in ("option", "theme"):
            words = CHOSEN_LABELS if c.kind == "option" else TAGGED_LABELS
            labels[names[c.name]] = {n: cut(neutral(t), **value) for n, t in words.items()}
        elif c.kind == "score" or c.coded:
            pairs: dict[Any, str] = {n: t for _, n, t in c.labels}
            pairs |= {(m.code if fmt == "sav" else m.tag): m.text for m in c.missing}
            labels[names[c.name]] = {n: cut(neutral(t), **value) for n, t in pairs.items()}
    return labels


def _missing_ranges(columns: Sequence[Column], names: dict[str, str]) -> dict[str, list[Any]]:
    """SPSS allows 3 discrete user-missing values, or a range and one more."""
    ranges: dict[str, list[Any]] = {}
    for c in columns:
        codes = sorted(m.code for m in c.missing)
        if codes:
            ranges[names[c.name]] = codes if len(codes) <= 3 else [{"lo": codes[0], "hi": codes[-1]}]
    return ranges


def _coded(frame: pl.DataFrame, columns: Sequence[Column], fmt: str) -> pl.DataFrame:
    singles = {c.name: {a: n for a, n, _ in c.labels} for c in columns if c.kind == "single"}
    frame = neutralise(frame).with_columns(
        pl.col(name).replace_strict(codes, default=None, return_dtype=pl.Int16) for name, codes in singles.items())
    likert = [c for c in columns if c.kind == "likert"]
    if fmt == "sav":
        return frame.with_columns(_likert_sav(c) for c in likert)
    frame = frame.with_columns(pl.col(pl.String).fill_null(""))  # Stata has no missing text
    return frame.with_columns(_likert_dta(c, frame[c.name]) for c in likert)


def stats_package(frame: pl.DataFrame, columns: Sequence[Column], fmt: str, title: str) -> bytes:
    """SPSS (`sav`) or Stata (`dta`) through pyreadstat; every text neutralised."""
    import pyreadstat

    names = variable_names(columns)
    variable = _LIMITS[fmt][0]
    labels: dict[str, str | None] = {names[c.name]: cut(neutral(c.label), **variable) for c in columns}
    frame = _coded(frame, columns, fmt).rename(names)
    value_labels = _value_labels(columns, names, fmt)
    with tempfile.TemporaryDirectory(prefix="surveyapp-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        if fmt == "sav":
            measure = {names[c.name]: "ordinal" if c.kind in ("score", "likert") else "nominal"
                       for c in columns if c.kind in ("option", "score", "theme") or c.coded}
            pyreadstat.write_sav(frame, path, file_label=cut(neutral(title), utf8_bytes=64), column_labels=labels,
                                 variable_value_labels=value_labels, variable_measure=measure,
                                 missing_ranges=_missing_ranges(columns, names))
            sets = [(mr_set_name(c.name), cut(neutral(c.label), utf8_bytes=200),
                     [names[o.name] for o in columns if o.kind == "option" and o.source == c.name])
                    for c in columns if c.kind == "multiple"]
            return with_mr_sets(path.read_bytes(), sets)
        pyreadstat.write_dta(frame, path, file_label=cut(neutral(title), chars=80), column_labels=labels,
                             variable_value_labels=value_labels,
                             missing_user_values={names[c.name]: [m.tag for m in c.missing]
                                                  for c in columns if c.missing})
        return path.read_bytes()


# --- SPSS multiple response sets ------------------------------------------------------------------------------
# pyreadstat (ReadStat) reads them but cannot write them, so the record (type 7, subtype 7: see the system file
# format in PSPP's developer's guide) is added to the file it wrote, just before the dictionary's end (999).


def _records_end(data: bytes) -> tuple[int, dict[str, str]]:
    """Where the dictionary termination record starts, and each variable's short name by its (long) name."""
    if data[:4] != b"$FL2" or struct.unpack_from("<i", data, 64)[0] != 2:
        raise ValueError("not an uncompressed little-endian SPSS system file")
    at, short, long_names = 176, list[str](), dict[str, str]()
    while True:
        (kind,) = struct.unpack_from("<i", data, at)
        if kind == 2:
            width, has_label, n_missing = struct.unpack_from("<3i", data, at + 4)
            if width >= 0:
                short.append(data[at + 24: at + 32].decode().rstrip())
            at += 32
            if has_label:
                at += 4 + (struct.unpack_from("<i", data, at)[0] + 3) // 4 * 4
            at += abs(n_missing) * 8
        elif kind == 3:
            (count,) = struct.unpack_from("<i", data, at + 4)
            at += 8
            for _ in range(count):
                at += 8 + (data[at + 8] + 1 + 7) // 8 * 8
        elif kind == 4:
            at += 8 + 4 * struct.unpack_from("<i", data, at + 4)[0]
        elif kind == 6:
            at += 8 + 80 * struct.unpack_from("<i", data, at + 4)[0]
        elif kind == 7:
            subtype, size, count = struct.unpack_from("<3i", data, at + 4)
            if subtype == 13:
                pairs = data[at + 16: at + 16 + size * count].decode().split("\t")
                long_names = {b: a for a, _, b in (p.partition("=") for p in pairs)}
            at += 16 + size * count
        elif kind == 999:
            return at, {name: name for name in short} | long_names
        else:
            raise ValueError(f"unexpected record type {kind} at byte {at}")


def with_mr_sets(data: bytes, sets: Sequence[tuple[str, str, Sequence[str]]]) -> bytes:
    """The SPSS file with multiple dichotomy sets (name, label, variables; counted value 1) added."""
    if not sets:
        return data
    end, short = _records_end(data)
    lines = []
    for name, label, variables in sets:
        encoded = label.encode()
        members = " ".join(short[v].lower() for v in variables)
        lines.append(f"{name}=D1 1 {len(encoded)} ".encode() + encoded + f" {members}\n".encode())
    text = b"".join(lines)
    record = struct.pack("<4i", 7, 7, 1, len(text)) + text
    return data[:end] + record + data[end:]
