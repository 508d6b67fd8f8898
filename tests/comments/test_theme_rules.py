"""The pure rules under themes and quotes: counting coded comments (a worked example), what a quote may become,
and the stand-in masking."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.themes import rules, theme_counts
from surveyapp.comments.masking import Masker
from surveyapp.domain.quoting import cut_from

THEMES = pl.DataFrame({"theme_id": ["waiting", "blamed"], "label": ["Waiting", "Being blamed"]})


def _tagged(rows: list[tuple[str, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame([(rid, "w1", area, theme) for rid, area, theme in rows],
                        schema=["response_id", "wave_id", "area_code", "theme_id"], orient="row")


def test_a_comment_counts_once_in_its_rows_base_however_many_themes_it_carries() -> None:
    tagged = _tagged([("r1", "A", "waiting"), ("r1", "A", "blamed"), ("r2", "A", None), ("r3", "A", "waiting")])
    got = theme_counts(tagged, THEMES, every=["A", "B"], labels={"A": "Area A"}, threshold=2)
    said = rules(2)
    expected = pl.DataFrame({
        "wave_id": ["w1"] * 4, "area_code": ["A", "A", "B", "B"], "area_name": ["Area A", "Area A", "B", "B"],
        "theme_id": ["waiting", "blamed"] * 2, "theme_label": ["Waiting", "Being blamed"] * 2,
        "responses": [2, 1, 0, 0], "coded": [3, 3, 0, 0], "share": [2 / 3, 1 / 3, None, None],
        "publishable": [False, False, False, False],
        "publishable_rule": [said["all_but"], said["responses"], said["coded"], said["coded"]]})
    assert_frame_equal(got, expected, check_dtypes=False)


def test_a_theme_in_a_large_enough_row_with_enough_either_side_is_publishable() -> None:
    rows = [(f"r{i}", "A", "waiting" if i < 10 else None) for i in range(20)]
    got = theme_counts(_tagged(rows), THEMES, threshold=10)
    assert got.filter(pl.col("theme_id") == "waiting")["publishable"].to_list() == [True]
    assert got.filter(pl.col("theme_id") == "blamed")["publishable_rule"].to_list() == [rules(10)["responses"]]


MASKED = Masker().mask("My son Tom waited 18 months for an assessment. Ring 07700 900123 or tom@example.com, "
                       "CT9 1AA. I cannot cope any more.")


def test_a_quote_starts_from_the_masked_comment() -> None:
    assert MASKED == ("My son [name] waited 18 months for an assessment. Ring [phone] or [email], "
                      "[postcode]. I cannot cope any more.")


@pytest.mark.parametrize("quote", [
    "My son [name] waited 18 months for an assessment.",
    "waited 18 months for an assessment ... I cannot cope any more.",
    "[...] I cannot cope any more.",
    "My son [name] waited 18 months [...]",
])
def test_a_quote_may_be_cut_or_masked_further(quote: str) -> None:
    assert cut_from(quote, MASKED) is None


@pytest.mark.parametrize(("quote", "why"), [
    ("I can cope any more.", "whole words"),  # "cannot" cut to "can": a cut never splits a word
    ("I cannot cope. My son waited", "whole words"),  # out of order
    ("My son waited 18 years", "whole words"),  # reworded
    ("Ring 07700 900123", "whole words"),  # a masked detail filled back in
    ("My son [boy] waited", "not a placeholder"),
    ("   ", "some words"),
    ("waited " * 120, "at most"),
])
def test_a_quote_is_never_reworded_or_unmasked(quote: str, why: str) -> None:
    found = cut_from(quote, MASKED)
    assert found is not None and why in found
