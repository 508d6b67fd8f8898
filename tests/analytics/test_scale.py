"""Counting in DuckDB gives the figures the row-by-row computations give, on a realistic generated store.

The store is written by `bench.generate.write_store` through the migrations (uuid response ids, Q7 and the
demographic answers in long form, cohort keys reused across waves). Each analysis through `surveyapp.actions`
(which counts in DuckDB) is checked against the Polars computation over one row per answer read back from the
same file (`likert_frame`, `responses_frame`), and the counts and cohort pairs against plain Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy.stats import wilcoxon

from analytics.cohort import cohort_change, wilcoxon_p
from analytics.compare import compare_responses
from analytics.disclosure import Disclosure
from analytics.reach import reach
from analytics.scale import Scale
from bench.generate import write_store
from surveyapp.actions import cohort, compare, levels
from surveyapp.actions import reach as reach_action
from surveyapp.domain.services import Services
from surveyapp.settings import from_env
from surveyapp.store.frames import likert_frame, responses_frame
from surveyapp.store.keys import StoredKeys
from surveyapp.store.writer import PreparedResponse
from waves.model import SingleChoice

N_RESPONSES = 6_000
EXACT = Disclosure(b"", exact=True)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    data = tmp_path_factory.mktemp("scale") / "data"
    write_store(data / "surveyapp.duckdb", N_RESPONSES, n_waves=2, seed=3, chunk=2_500)
    opened = Services(from_env({}, data_dir=data))
    opened.disclosure = EXACT  # internal figures are exact anyway (services.internal); nothing rounds here
    yield opened
    opened.close()


def _rows(services: Services, waves: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per response (with `<question>_broad` columns) and one per Q7 answer, read from the file."""
    questionnaire = services.waves.get(waves[0]).questionnaire  # type: ignore[union-attr]
    responses = responses_frame(services.store, waves, questionnaire)
    for q in questionnaire.questions:
        if isinstance(q, SingleChoice) and any(o.group for o in q.options):
            groups = {o.id: o.group or o.id for o in q.options}
            responses = responses.with_columns(
                pl.col(q.id).replace_strict(groups, default=None).alias(f"{q.id}_broad"))
    return responses, likert_frame(services.store, waves)


def _cohort_row_by_row(services: Services) -> pl.DataFrame:
    """wave-2 against wave-1 by `analytics.cohort.cohort_change` over one row per answer read from the file."""
    later, later_likert = _rows(services, ["wave-2"])
    earlier, earlier_likert = _rows(services, ["wave-1"])
    return cohort_change(later_likert, later, earlier_likert, earlier,
                         threshold=services.settings.small_number_threshold, internal=True)


def _same(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert got.height > 0
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("by", ["all", "lad", "district", "child_main_need", "ethnic_group_broad"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("baseline", ["wave-1", "baseline-2019"])
def test_compare_counted_in_duckdb_equals_the_row_by_row_computation(
        services: Services, by: str, weighted: bool, baseline: str) -> None:
    got = compare.compare(services, "wave-2", baseline_id=baseline, by=by, weighted=weighted).frame
    aggregate = baseline == "baseline-2019"
    responses, likert = _rows(services, ["wave-2"] if aggregate else ["wave-2", baseline])
    wave = services.waves.get("wave-2")
    assert wave is not None
    expected = compare_responses(
        likert, responses, wave_id="wave-2", baseline_id=baseline, by=by, weighted=weighted,
        baseline_counts=services.catalogue.aggregate_counts if aggregate else None, lads=services.areas.lads,
        threshold=services.settings.small_number_threshold, labels=levels.labels_of(services, wave, by),
        scale=Scale.for_questionnaire(wave.questionnaire), internal=True)
    compared_with = services.waves.get(baseline)
    assert compared_with is not None
    if by == "district":  # the service also has a hidden row for every district of the pack nobody answered from
        padded = got.join(expected, on=["area_code", "statement_id"], how="anti")
        districts = services.areas.districts.filter(pl.col("in_area") | pl.lit(not weighted))["postcode_district"]
        assert (~padded["publishable"]).all() and (padded["n_valid"] == 0).all()
        assert set(padded["area_code"]) <= {*districts, "unknown"} and (weighted or padded.height > 0)
        got = got.join(expected, on=["area_code", "statement_id"], how="semi")
    _same(got, compare._say_what_is_compared(services, expected, wave, compared_with, by))


def test_district_counts_equal_a_plain_python_tally(services: Services) -> None:
    got = compare.compare(services, "wave-2", baseline_id="wave-1", by="district").frame
    rows = services.store.rows(  # no GROUP BY: every answer row comes back and Python counts
        "SELECT r.postcode_district, a.statement_id, a.option_id FROM answers a "
        "JOIN responses r USING (response_id) WHERE r.wave_id = 'wave-2' AND a.question_id = 'q7'")
    scored = {"strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"}
    valid = Counter((d or "unknown", s) for d, s, a in rows if a in scored)
    agree = Counter((d or "unknown", s) for d, s, a in rows if a in {"strongly_agree", "tend_to_agree"})
    shown = got.filter(pl.col("n_valid") > 0)  # every row with answers, small ones too: internal figures are exact
    assert shown.height > 50 and not shown["publishable"].all()
    for row in shown.iter_rows(named=True):
        key = (row["area_code"], row["statement_id"])
        assert row["n_valid"] == valid[key]
        assert row["share_agree"] == pytest.approx(agree[key] / valid[key])


def test_cohort_paired_in_duckdb_equals_the_row_by_row_computation_and_scipy(services: Services) -> None:
    got = cohort.cohort(services, "wave-2", against="wave-1").frame
    _same(got, _cohort_row_by_row(services))
    later, later_likert = _rows(services, ["wave-2"])
    earlier, earlier_likert = _rows(services, ["wave-1"])
    assert got["n_pairs"].min() > 100  # the generator links ~30% of the later wave to the earlier one
    # the pairs by hand: the greatest response id per key in each wave, both answers scored
    score = {"strongly_agree": 5, "tend_to_agree": 4, "neither": 3, "tend_to_disagree": 2, "strongly_disagree": 1}

    def chosen(responses: pl.DataFrame, likert: pl.DataFrame) -> dict[tuple[str, str], int]:
        latest: dict[str, str] = {}
        for rid, key in responses.select("response_id", "cohort_key").iter_rows():
            if key not in latest or rid > latest[key]:
                latest[key] = rid
        scored: dict[str, dict[str, int]] = {}
        for rid, statement_id, answer in likert.select("response_id", "statement_id", "answer_id").iter_rows():
            if answer in score:
                scored.setdefault(rid, {})[statement_id] = score[answer]
        return {(key, s): v for key, rid in latest.items() for s, v in scored.get(rid, {}).items()}

    after, before = chosen(later, later_likert), chosen(earlier, earlier_likert)
    statement = "health_met"
    changes = [after[k] - before[k] for k in after if k in before and k[1] == statement]
    row = got.filter(pl.col("statement_id") == statement).row(0, named=True)
    assert row["n_pairs"] == len(changes)
    assert row["mean_change"] == pytest.approx(sum(changes) / len(changes))
    assert row["p_value"] == pytest.approx(wilcoxon(changes).pvalue, rel=1e-12)


@pytest.mark.parametrize("by", ["lad", "utla", "ethnic_group", "ethnic_group_broad", "religion"])
def test_reach_counted_in_duckdb_equals_the_row_by_row_computation(services: Services, by: str) -> None:
    got = reach_action.reach_of(services, "wave-2", by=by).frame
    responses, _ = _rows(services, ["wave-2"])
    wave = services.waves.get("wave-2")
    assert wave is not None
    expected = reach(responses, by=by, threshold=services.settings.small_number_threshold,
                     lads=services.areas.lads, census=services.areas.census,
                     labels=levels.labels_of(services, wave, by), internal=True)
    _same(got, expected)


FAMILIES = ["parent_carer", "young_person"]


def _kept(responses: pl.DataFrame, likert: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows of families only (respondent_role parent_carer or young_person), filtered in Polars."""
    kept = responses.filter(pl.col("respondent_role").is_in(FAMILIES))
    return kept, likert.filter(pl.col("response_id").is_in(kept["response_id"].implode()))


@pytest.mark.parametrize("by", ["all", "lad", "child_main_need"])
@pytest.mark.parametrize("baseline", ["wave-1", "baseline-2019"])
def test_filtered_compare_in_duckdb_equals_the_row_by_row_computation(services: Services, by: str,
                                                                      baseline: str) -> None:
    got = compare.compare(services, "wave-2", baseline_id=baseline, by=by,
                          filters=["respondent_role:young_person,parent_carer"]).frame
    aggregate = baseline == "baseline-2019"
    responses, likert = _kept(*_rows(services, ["wave-2"] if aggregate else ["wave-2", baseline]))
    wave, compared_with = services.waves.get("wave-2"), services.waves.get(baseline)
    assert wave is not None and compared_with is not None
    expected = compare_responses(
        likert, responses, wave_id="wave-2", baseline_id=baseline, by=by,
        baseline_counts=services.catalogue.aggregate_counts if aggregate else None, lads=services.areas.lads,
        threshold=services.settings.small_number_threshold, labels=levels.labels_of(services, wave, by),
        scale=Scale.for_questionnaire(wave.questionnaire), internal=True)
    _same(got, compare._say_what_is_compared(services, expected, wave, compared_with, by))
    assert got["n_valid"].sum() < compare.compare(services, "wave-2", baseline_id=baseline, by=by).frame[
        "n_valid"].sum()


def _latest(responses: pl.DataFrame) -> pl.DataFrame:
    """Each cohort key's response with the greatest response_id (the generator uses a key once a wave: all)."""
    return responses.filter(pl.col("response_id") == pl.col("response_id").max().over("cohort_key"))


def test_filtered_cohort_and_reach_in_duckdb_equal_the_row_by_row_computation(services: Services) -> None:
    everyone, later_likert = _rows(services, ["wave-2"])
    later, later_likert = _kept(_latest(everyone), later_likert)  # the pair's later answer passes the filter
    earlier, earlier_likert = _rows(services, ["wave-1"])
    got = cohort.cohort(services, "wave-2", against="wave-1", filters=["respondent_role:parent_carer,young_person"])
    _same(got.frame, cohort_change(later_likert, later, earlier_likert, earlier,
                                   threshold=services.settings.small_number_threshold, internal=True))
    wave = services.waves.get("wave-2")
    assert wave is not None
    for by in ("lad", "ethnic_group_broad"):
        reached = reach_action.reach_of(
            services, "wave-2", by=by, filters=["respondent_role:parent_carer,young_person"])
        families = everyone.filter(pl.col("respondent_role").is_in(FAMILIES))
        _same(reached.frame, reach(families, by=by, threshold=services.settings.small_number_threshold,
                                   lads=services.areas.lads, census=services.areas.census,
                                   labels=levels.labels_of(services, wave, by), internal=True))


def test_cohort_by_lad_in_duckdb_equals_the_row_by_row_computation_per_lad(services: Services) -> None:
    got = cohort.cohort(services, "wave-2", against="wave-1", by="lad").frame
    later, later_likert = _rows(services, ["wave-2"])
    earlier, earlier_likert = _rows(services, ["wave-1"])
    lad = pl.when(pl.col("area_status") == "in_area").then(pl.col("lad_code"))
    checked = 0
    for code in services.areas.lads["lad_code"].to_list():
        here = _latest(later).filter(lad == code)
        expected = cohort_change(later_likert.filter(pl.col("response_id").is_in(here["response_id"].implode())),
                                 here, earlier_likert, earlier, threshold=services.settings.small_number_threshold,
                                 internal=True)
        mine = got.filter(pl.col("area_code") == code).drop("area_level", "area_code", "area_name", "q_value",
                                                            "q_value_pratt")
        _same(mine, expected.drop("q_value", "q_value_pratt"))  # BH's family is the whole table, not one LAD
        checked += int(mine["n_pairs"].drop_nulls().sum())
    assert checked > 500


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("baseline", ["wave-1", "baseline-2019"])
def test_two_way_compare_in_duckdb_equals_the_row_by_row_computation(services: Services, baseline: str,
                                                                     weighted: bool) -> None:
    """by=lad,ethnic_group_broad against compare_responses over a column holding '<LAD>|<broad group>' made
    here in Polars, each row's two codes in their own columns."""
    by = "lad,ethnic_group_broad"
    got = compare.compare(services, "wave-2", baseline_id=baseline, by=by, weighted=weighted).frame
    aggregate = baseline == "baseline-2019"
    responses, likert = _rows(services, ["wave-2"] if aggregate else ["wave-2", baseline])
    lad = (pl.when(pl.col("area_status") == "in_area").then(pl.col("lad_code"))
           .when(pl.col("area_status") == "out_of_area").then(pl.lit("out_of_area")).otherwise(pl.lit("unknown")))
    responses = responses.with_columns(pl.concat_str(
        [lad, pl.col("ethnic_group_broad").fill_null("not_answered")], separator="|").alias(by))
    wave = services.waves.get("wave-2")
    assert wave is not None
    expected = compare_responses(
        likert, responses, wave_id="wave-2", baseline_id=baseline, by=by, weighted=weighted,
        baseline_counts=services.catalogue.aggregate_counts if aggregate else None, lads=services.areas.lads,
        threshold=services.settings.small_number_threshold, scale=Scale.for_questionnaire(wave.questionnaire),
        internal=True)
    ignored = ["area_name", "comparison", "lad", "ethnic_group_broad", "q_value"]  # q: over the whole table
    # The service also has a hidden row for every pair nobody answered from (so presence says nothing).
    padded = got.join(expected.select("area_code", "statement_id"), on=["area_code", "statement_id"], how="anti")
    assert padded.height > 0 and (~padded["publishable"]).all() and (padded["n_valid"] == 0).all()
    got = got.join(expected.select("area_code", "statement_id"), on=["area_code", "statement_id"], how="semi")
    if aggregate:  # Medway is not compared with the Kent-only 2019 baseline: its baseline figures are dropped
        got = got.filter(pl.col("lad") != "E06000035")
        expected = expected.filter(~pl.col("area_code").str.starts_with("E06000035|"))
    _same(got.drop(ignored), expected.drop([c for c in ignored if c in expected.columns]))
    assert got["area_code"].str.contains("|", literal=True).all()
    assert got.select((pl.col("area_code") == pl.concat_str("lad", "ethnic_group_broad", separator="|")).all()).item()
    thanet = got.filter(pl.col("area_code").str.starts_with("E07000114|")).row(0, named=True)
    assert thanet["area_name"].startswith("Thanet, ")


def test_wilcoxon_from_a_histogram_is_scipys_own_p_value() -> None:
    rng = random.Random(5)
    for size in (3, 9, 14, 40, 50, 51, 400, 5_000, 200_000):
        for choices in ([-4, -2, -1, 0, 0, 1, 1, 2, 3], [0, 0, 0, 1], [-1, 0, 1], [2, -2, 3, -3, -3, 0]):
            changes = [rng.choice(choices) for _ in range(size)]
            values, counts = np.unique(changes, return_counts=True)
            expected = wilcoxon(changes).pvalue
            got = wilcoxon_p(values, counts)
            if np.isnan(expected):
                assert got is None
            elif size <= 50:
                assert got == expected  # the same float: the histogram is expanded and handed to scipy
            else:  # the normal approximation from the histogram alone
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)
    distinct = rng.sample(range(-40, 40), 20)  # no ties, no zeros, n <= 50: scipy's exact distribution
    values, counts = np.unique(distinct, return_counts=True)
    assert wilcoxon_p(values, counts) == wilcoxon(distinct).pvalue


def test_the_writers_key_hash_is_duckdbs_md5_number_lower(tmp_path: Path) -> None:
    keys = ["abc", "ÉCOLE-ß-7", "0" * 40, "sub:2026-11-22_x.y", hashlib.sha256(b"k").hexdigest()[:40]]
    conn = duckdb.connect(str(tmp_path / "k.duckdb"))
    try:
        conn.execute("CREATE TABLE responses (wave_id VARCHAR, submission_id VARCHAR, cohort_key VARCHAR)")
        conn.executemany("INSERT INTO responses VALUES ('w', ?, ?)", [[k, k] for k in keys])
        conn.execute("INSERT INTO responses VALUES ('w', NULL, 'abc')")  # a second use of the code 'abc'
        stored = StoredKeys.read(conn, "w")
    finally:
        conn.close()
    assert stored.may_hold_submissions([*keys, None]) == [True] * len(keys) + [False]
    assert stored.code_uses(keys) == [2] + [1] * (len(keys) - 1)
    assert stored.code_uses(["abd", "ecole"]) == [0, 0]


def test_a_key_answering_three_times_in_a_wave_without_child_markers_pairs_none_of_them(tmp_path: Path) -> None:
    """Which of three answers under one code is the earlier wave's child? Without markers none is paired, and
    the three are counted out (n_excluded_ambiguous), in DuckDB as in Polars."""
    data = tmp_path / "data"
    write_store(data / "surveyapp.duckdb", 600, n_waves=2, seed=11, chunk=600)
    services = Services(from_env({}, data_dir=data))
    services.disclosure = EXACT
    try:
        linked = services.store.rows(
            "SELECT l.cohort_key FROM responses l JOIN responses e USING (cohort_key) "
            "WHERE l.wave_id = 'wave-2' AND e.wave_id = 'wave-1' ORDER BY 1 LIMIT 25")
        statements = Scale.for_questionnaire(services.waves.get("wave-2").questionnaire).statements  # type: ignore[union-attr]
        before = cohort.cohort(services, "wave-2", against="wave-1").frame
        outcomes = [
            services.store.writer.submit(PreparedResponse(
                response_id=f"{prefix}-0000-4000-8000-{i:012d}", wave_id="wave-2", submission_id=None,
                fingerprint="fp", submitted_hour=dt.datetime(2021, 1, 1, 10), postcode_district=None,
                lad_code=None, area_status="unknown", cohort_key=key, language="en", channel="api",
                answers=tuple(("q7", s, answer, None) for s in statements)))
            for i, (key,) in enumerate(linked)
            for prefix, answer in (("ffffffff", "strongly_agree"), ("00000000", "strongly_disagree"))]
        assert {f.result().status for f in outcomes} == {"stored"}
        got = cohort.cohort(services, "wave-2", against="wave-1").frame
        _same(got, _cohort_row_by_row(services))
        assert got["n_excluded_ambiguous"].to_list() == [75] * got.height  # 25 codes, three answers each
        assert (before["n_pairs"] - got["n_pairs"]).max() <= 25 < before["n_pairs"].min()
    finally:
        services.close()


def test_a_single_pair_has_no_p_value_rather_than_an_error() -> None:
    """Exact internal counts reach the test with one pair in a cell: one pair with no change is refused by
    scipy, so it has no p-value (not a 500); one pair that changed has scipy's own."""
    values, counts = np.unique([0], return_counts=True)
    assert wilcoxon_p(values, counts) is None and wilcoxon_p(values, counts, "pratt") is None
    values, counts = np.unique([1], return_counts=True)
    assert wilcoxon_p(values, counts) == wilcoxon([1]).pvalue
