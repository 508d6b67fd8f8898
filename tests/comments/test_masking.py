"""Masking on the planted set: invented comments with names, phone numbers, e-mail addresses, postcodes, street
addresses, NHS numbers, dates of birth and schools planted in them, each marked. A detail is caught when every
letter and digit of it is inside a placeholder; the recall per kind is what docs/analysts/comments.md states."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from surveyapp.comments.masking import Masker, nhs_number_valid
from tests.comments.planted import PLACES, SETTINGS, planted

# The recall docs/analysts/comments.md states for each kind (caught / planted on this set), held here.
STATED = {"name": (19, 22), "phone": (6, 6), "email": (3, 3), "postcode": (4, 4), "address": (6, 6), "nhs": (3, 3),
          "dob": (5, 5), "school": (12, 13)}


def _caught(text: str, start: int, end: int, masked: list[tuple[int, int, str]]) -> bool:
    return all(any(s <= i < e for s, e, _ in masked) for i in range(start, end) if text[i].isalnum())


def measure() -> tuple[Counter[str], Counter[str], list[str]]:
    """Planted and caught per kind, and what was masked that nobody planted (over-masking)."""
    masker = Masker(SETTINGS, PLACES)
    planted_n, caught_n, extra = Counter[str](), Counter[str](), []
    for text, spans in planted():
        masked = masker.spans(text)
        for start, end, kind in spans:
            planted_n[kind] += 1
            caught_n[kind] += _caught(text, start, end, masked)
        extra += [text[s:e] for s, e, _ in masked if not any(ps < e and s < pe for ps, pe, _ in spans)]
    return planted_n, caught_n, extra


def test_the_planted_set_is_big_enough_to_measure() -> None:
    comments = planted()
    assert len(comments) >= 60
    assert {kind for _, spans in comments for *_, kind in spans} == set(STATED)


def test_recall_per_kind_is_what_the_docs_state() -> None:
    planted_n, caught_n, _ = measure()
    assert {k: (caught_n[k], planted_n[k]) for k in planted_n} == STATED


def test_the_docs_state_the_recall_measured() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "analysts" / "comments.md").read_text(encoding="utf-8")
    for kind, (caught, total) in STATED.items():
        assert re.search(rf"\|\s*{kind}\b[^|]*\|\s*{total}\s*\|\s*{caught}\s*\|", docs, re.IGNORECASE), kind


def test_nothing_unplanted_is_masked_in_the_set() -> None:
    """As the docs say: no word that nobody planted is hidden ("Year 9", "CAMHS", "Kent" stay)."""
    *_, extra = measure()
    assert extra == []


def test_everyday_words_months_and_places_that_are_also_names() -> None:
    masker = Masker(SETTINGS, PLACES)
    assert masker.mask("Will anyone help? In May we moved to Deal, Kent.") == (
        "Will anyone help? In May we moved to Deal, Kent.")
    assert masker.mask("I asked Hope and Grace's teacher.") == "I asked [name] and [name]'s teacher."
    assert masker.mask("My daughter May was born 2 May 2015; the review was on 3 June 2024.") == (
        "My daughter [name] was born [date of birth]; the review was on [date].")


def test_masking_keeps_the_words_around_the_details() -> None:
    masked = Masker(SETTINGS, PLACES).mask("My son Jack Smith goes to Hillview and Mrs Patel rang 07911 123456.")
    assert masked == "My son [name] goes to [school] and [name] rang [phone]."


@pytest.mark.parametrize(("digits", "valid"), [("9434765919", True), ("9434765918", False), ("4010232137", True),
                                               ("1234567890", False), ("0000000000", True)])
def test_nhs_numbers_pass_the_modulus_11_check(digits: str, valid: bool) -> None:
    assert nhs_number_valid(digits) is valid


def test_ten_digits_failing_the_check_are_not_an_nhs_number() -> None:
    assert "[NHS number]" not in Masker().mask("Reference 943 476 5918 on the letter")
