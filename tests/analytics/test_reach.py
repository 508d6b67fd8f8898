"""Reach: responses per area or community against the population's shares."""

import polars as pl
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.reach import COLUMNS, option_groups, reach
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue
from waves.model import SingleChoice

PACK = load_area_pack()
CHILDREN = 412_012  # Kent and Medway children aged 0-17, the sum of lads.csv
MEDWAY, ASHFORD = "E06000035", "E07000105"


def _responses(groups: list[tuple[str | None, str, int]], column: str = "lad_code") -> pl.DataFrame:
    """groups: (value of `column`, area_status, how many responses)."""
    rows = [(value, status) for value, status, n in groups for _ in range(n)]
    frame = pl.DataFrame(rows, orient="row", schema={column: pl.String, "area_status": pl.String})
    frame = frame.with_columns(response_id=pl.format("r{}", pl.int_range(pl.len())), wave_id=pl.lit("w1"))
    return frame if column == "lad_code" else frame.with_columns(lad_code=pl.lit(None, pl.String))


def _row(frame: pl.DataFrame, code: str) -> dict:
    return frame.filter(pl.col("area_code") == code).row(0, named=True)


def test_lad_shares_are_over_known_in_area_responses_against_children_aged_0_to_17():
    out = reach(_responses([(MEDWAY, "in_area", 30), (ASHFORD, "in_area", 20), (None, "out_of_area", 12),
                            (None, "unknown", 15)]), by="lad", lads=PACK.lads)
    assert out.columns == COLUMNS
    medway = _row(out, MEDWAY)
    expected = 65_441 / CHILDREN
    assert (medway["responses"], medway["area_name"]) == (30, "Medway")
    assert medway["response_share"] == pytest.approx(30 / 50)
    assert medway["expected_share"] == pytest.approx(expected)
    assert medway["representation_ratio"] == pytest.approx(0.6 / expected)
    low, high = proportion_confint(30, 50, method="wilson")
    assert (medway["ratio_ci_low"], medway["ratio_ci_high"]) == (pytest.approx(low / expected),
                                                                 pytest.approx(high / expected))
    assert medway["under_reached"] is False


def test_out_of_area_and_unknown_are_counted_in_their_own_rows_outside_the_shares():
    out = reach(_responses([(MEDWAY, "in_area", 30), (None, "out_of_area", 12), (None, "unknown", 15)]),
                by="lad", lads=PACK.lads)
    assert _row(out, "out_of_area")["responses"] == 12
    assert _row(out, "unknown")["responses"] == 15
    assert _row(out, "unknown")["response_share"] is None
    assert _row(out, MEDWAY)["response_share"] == 1.0


def test_every_lad_has_a_row_and_one_nobody_answered_from_reads_too_few_like_any_small_count():
    out = reach(_responses([(MEDWAY, "in_area", 30)]), by="lad", lads=PACK.lads)
    assert out.height == 13 + 2
    silent = out.filter(pl.col("area_code").str.starts_with("E07"))
    assert silent["suppressed"].all()  # 0 is a count under the threshold too: never published
    assert silent["responses"].is_null().all() and silent["representation_ratio"].is_null().all()
    assert silent["expected_share"].is_not_null().all()  # the population figure is still shown


def test_a_lad_is_under_reached_when_the_ratio_interval_lies_below_one():
    out = reach(_responses([(MEDWAY, "in_area", 12), (ASHFORD, "in_area", 188)]), by="lad", lads=PACK.lads)
    medway = _row(out, MEDWAY)
    _, high = proportion_confint(12, 200, method="wilson")
    assert medway["ratio_ci_high"] == pytest.approx(high / (65_441 / CHILDREN))
    assert medway["ratio_ci_high"] < 1 and medway["under_reached"] is True
    assert _row(out, ASHFORD)["under_reached"] is False


def test_ethnic_group_is_compared_with_census_all_ages_shares_over_those_who_answered():
    responses = _responses([("white_british", "unknown", 40), ("asian_indian", "unknown", 12),
                            ("prefer_not_to_say", "unknown", 11), (None, "unknown", 10)],
                           column="ethnic_group")
    out = reach(responses, by="ethnic_group", census=PACK.census)
    white = _row(out, "white_british")
    assert white["response_share"] == pytest.approx(40 / 52)
    assert white["expected_share"] == pytest.approx(0.824446)
    assert white["expected_source"] == "Census 2021, all ages"
    assert white["area_name"] == "White: English, Welsh, Scottish, Northern Irish or British"
    for outside in ("prefer_not_to_say", "not_answered"):
        row = _row(out, outside)
        assert row["response_share"] is None and row["expected_share"] is None and row["responses"] >= 10
    assert out.height == 19 + 2


def test_broad_ethnic_groups_roll_up_the_questionnaire_option_groups():
    question = load_catalogue().questionnaire("send-repeat", 1).question("ethnic_group")
    assert isinstance(question, SingleChoice)
    responses = _responses([("white_british", "unknown", 30), ("white_other", "unknown", 10),
                            ("asian_indian", "unknown", 7), ("asian_pakistani", "unknown", 5)],
                           column="ethnic_group")
    out = reach(responses, by="ethnic_group_broad", census=PACK.census, option_groups=option_groups(question))
    assert _row(out, "white")["responses"] == 40
    assert _row(out, "asian")["responses"] == 12
    assert _row(out, "asian")["response_share"] == pytest.approx(12 / 52)
    assert _row(out, "asian")["expected_share"] == pytest.approx(0.046568)


def test_religion_uses_the_census_religion_shares():
    out = reach(_responses([("christian", "unknown", 20), ("no_religion", "unknown", 30)], column="religion"),
                by="religion", census=PACK.census)
    assert _row(out, "christian")["representation_ratio"] == pytest.approx(0.4 / 0.508488)


def test_a_small_group_and_the_next_smallest_are_suppressed():
    responses = _responses([("white_british", "unknown", 40), ("asian_indian", "unknown", 5),
                            ("black_african", "unknown", 12), ("prefer_not_to_say", "unknown", 11)],
                           column="ethnic_group")
    out = reach(responses, by="ethnic_group", census=PACK.census)
    shown = out.filter(~pl.col("suppressed")).select("area_code", "responses").rows()
    assert shown == [("black_african", 12), ("white_british", 40)]
    hidden = _row(out, "asian_indian")
    assert hidden["responses"] is None and hidden["representation_ratio"] is None
    assert hidden["expected_share"] == pytest.approx(0.018392)  # a census figure, not a response count
