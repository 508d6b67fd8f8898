"""Breakdowns an analyst asks for first (issue 14): filters on compare, cohort and reach, and breakdowns by a
multiple-choice question (send_status). Each figure is checked against a hand count made here, in plain Python,
from the bodies submitted through the real service; the tables are then read as an analyst (exact, flagged:
internal figures) and an attacker (signed out: nothing) would."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from analytics.disclosure import Disclosure
from surveyapp.actions import cohort, compare, reach
from surveyapp.domain.services import Services
from tests.conftest import Cli, InProcessApp
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, FakeClock, collect_all, make_settings

AUTUMN, SPRING = "2026-autumn", "2027-spring"
SCORED = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
SCORE = {a: 5 - i for i, a in enumerate(SCORED)}
ANSWERS = [*SCORED, "dont_know", None]
# Hand-made: each postcode's local authority district (from the area pack's districts.csv).
LAD = {"ME14 5AB": "E07000110", "CT9 1AA": "E07000114", "CT16 1AA": "E07000108"}
COMMON = ["parent_carer", "young_person", "family_member"]
STATUS = ["sen_support", "ehcp", "ehc_assessment"]
FAMILIES = "respondent_role:parent_carer,young_person"
EXACT = Disclosure(b"", exact=True)


@dataclass
class Sent:
    body: dict[str, Any]
    code: str
    spring: dict[str, Any] | None = None

    @property
    def role(self) -> str | None:
        return self.body["answers"].get("respondent_role")  # type: ignore[no-any-return]


def _answers(rng: random.Random, role: str | None) -> dict[str, Any]:
    answers: dict[str, Any] = {"q7": {"health_met": rng.choice(ANSWERS[:-1])}}
    if rng.random() < 0.8:
        answers["q7"]["local_offer_useful"] = rng.choice(ANSWERS[:-1])
    if role is not None:
        answers["respondent_role"] = role
    if rng.random() < 0.85:
        answers["send_status"] = rng.sample(STATUS, rng.randint(1, 2))
    return answers


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sent], FakeClock]:
    """150 autumn responses (3 of them from professionals, the small group), 70 of the families again in spring."""
    data = tmp_path_factory.mktemp("breakdowns") / "data"
    clock = FakeClock()
    service = InProcessApp(make_settings(data), clock).start()
    rng = random.Random(14)
    roles = ["professional"] * 3 + [None] * 12 + [rng.choice(COMMON) for _ in range(135)]
    rng.shuffle(roles)
    sent: list[Sent] = []
    try:
        bodies = [{"answers": _answers(rng, role), "postcode": rng.choice(list(LAD))} for role in roles]
        answered = collect_all(service, AUTUMN, bodies)
        sent += [Sent(body, r.return_code) for body, r in zip(bodies, answered, strict=True)]
        with service.client(ADMIN_TOKEN) as admin:
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
        for family in sent[:70]:
            role = family.role if rng.random() < 0.8 else rng.choice(COMMON)
            family.spring = {"answers": _answers(rng, role), "return_code": family.code,
                             "postcode": rng.choice(list(LAD))}
        collect_all(service, SPRING, [family.spring for family in sent[:70]])
    finally:
        service.stop()
    return data, sent, clock


@pytest.fixture(scope="module")
def service(seeded: tuple[Path, list[Sent], FakeClock], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[InProcessApp]:
    import shutil

    data, _, clock = seeded
    copy = tmp_path_factory.mktemp("breakdowns-app") / "data"
    shutil.copytree(data, copy)
    app = InProcessApp(make_settings(copy), clock).start()
    yield app
    app.stop()


@pytest.fixture
def exact(service: InProcessApp) -> Iterator[Services]:
    """The service's own functions with exact counts: its counting against the hand count."""
    services: Services = service.services
    published, services.disclosure = services.disclosure, EXACT
    yield services
    services.disclosure = published


def _get(service: InProcessApp, path: str, params: Any) -> Any:
    with service.client(ANALYST_TOKEN) as client:
        return client.get(f"/api/v1/waves/{path}", params=params)


def _families(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.role in ("parent_carer", "young_person")]


# --- filter= ----------------------------------------------------------------------------------------------


def test_filtered_compare_by_lad_counts_the_hand_count(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    frame = compare.compare(exact, AUTUMN, by="lad", filters=[FAMILIES]).frame
    for statement in ("health_met", "local_offer_useful"):
        expected = Counter(LAD[s.body["postcode"]] for s in _families(sent)
                           if s.body["answers"]["q7"].get(statement) in SCORED)
        rows = frame.filter((pl.col("statement_id") == statement) & (pl.col("n_valid") > 0))
        assert dict(zip(rows["area_code"], rows["n_valid"], strict=True)) == dict(expected)  # LADs without: 0
    everyone = compare.compare(exact, AUTUMN, by="lad").frame
    assert everyone["n_valid"].sum() > frame["n_valid"].sum()  # the filter did keep fewer


def test_filtered_compare_share_agree_is_the_hand_share(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    row = compare.compare(exact, AUTUMN, by="all", filters=[FAMILIES]).frame.filter(
        pl.col("statement_id") == "health_met").row(0, named=True)
    scored = [s.body["answers"]["q7"]["health_met"] for s in _families(sent)
              if s.body["answers"]["q7"]["health_met"] in SCORED]
    assert row["n_valid"] == len(scored)
    assert row["share_agree"] == pytest.approx(sum(a in SCORED[:2] for a in scored) / len(scored))


def test_filtered_reach_counts_the_hand_count(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    frame = reach.reach_of(exact, AUTUMN, by="lad", filters=["respondent_role:parent_carer"]).frame
    expected = Counter(LAD[s.body["postcode"]] for s in sent if s.role == "parent_carer")
    shown = frame.filter(pl.col("responses") > 0)
    assert dict(zip(shown["area_code"], shown["responses"], strict=True)) == dict(expected)


def test_filtered_cohort_pairs_the_families_whose_later_answer_passes(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    frame = cohort.cohort(exact, SPRING, against=AUTUMN, filters=[FAMILIES]).frame
    changes = [SCORE[s.spring["answers"]["q7"]["health_met"]] - SCORE[s.body["answers"]["q7"]["health_met"]]
               for s in sent if s.spring is not None
               and s.spring["answers"].get("respondent_role") in ("parent_carer", "young_person")
               and s.spring["answers"]["q7"]["health_met"] in SCORED
               and s.body["answers"]["q7"]["health_met"] in SCORED]
    row = frame.filter(pl.col("statement_id") == "health_met").row(0, named=True)
    assert row["n_pairs"] == len(changes)
    assert row["mean_change"] == pytest.approx(sum(changes) / len(changes))
    assert row["share_improved"] == pytest.approx(sum(c > 0 for c in changes) / len(changes))


def test_filters_through_the_api_say_what_they_kept_and_a_bad_one_is_a_400(service: InProcessApp) -> None:
    r = _get(service, f"{AUTUMN}/compare", [("by", "lad"), ("filter", FAMILIES), ("filter", "send_status:ehcp")])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["filter"] == ["respondent_role:parent_carer,young_person", "send_status:ehcp"]
    assert any("Filtered: only responses where respondent_role is parent_carer or young_person" in n
               for n in body["notes"])
    for params in ([("filter", "shoe_size:large")], [("filter", "respondent_role:astronaut")],
                   [("filter", "respondent_role")]):
        for kind, extra in (("compare", []), ("reach", []), ("cohort", [("against", AUTUMN)])):
            wave = SPRING if kind == "cohort" else AUTUMN
            bad = _get(service, f"{wave}/{kind}", [*extra, *params])
            assert bad.status_code == 400, (kind, params, bad.text)
            assert "filter" in bad.text, bad.text


@pytest.mark.slow  # the `surveyapp` command in subprocesses, as in tests/cli/test_cli.py
def test_the_cli_takes_the_same_filter(seeded: Any, tmp_path: Path, cli: Cli) -> None:
    import shutil

    data = shutil.copytree(seeded[0], tmp_path / "data")
    done = cli(data, "reach", "--wave", AUTUMN, "--by", "send_status", "--filter", FAMILIES, "--format", "json")
    assert done.returncode == 0, done.stderr
    import json

    body = json.loads(done.stdout)
    assert body["filter"] == [FAMILIES] and body["by"] == "send_status"
    bad = cli(data, "compare", "--wave", AUTUMN, "--filter", "respondent_role:astronaut")
    assert bad.returncode != 0 and "filter" in bad.stderr


# --- by=<multiple-choice question> -------------------------------------------------------------------------


def test_compare_by_send_status_counts_a_response_in_every_option_it_chose(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    result = compare.compare(exact, AUTUMN, by="send_status")
    expected: Counter[str] = Counter()
    for s in sent:
        if s.body["answers"]["q7"]["health_met"] in SCORED:
            expected.update(s.body["answers"].get("send_status", ["not_answered"]))
    rows = result.frame.filter((pl.col("statement_id") == "health_met") & (pl.col("n_valid") > 0))
    assert dict(zip(rows["area_code"], rows["n_valid"], strict=True)) == dict(expected)  # options without: 0
    assert sum(expected.values()) > sum(s.body["answers"]["q7"]["health_met"] in SCORED for s in sent)  # overlap
    assert any("multiple choice" in n and "overlap" in n for n in result.notes)
    assert "Education, Health and Care plan" in " ".join(rows["area_name"].to_list()) or \
        set(rows["area_name"]) != set(rows["area_code"])  # labelled with the option's wording


def test_reach_by_send_status_shares_are_of_responses_that_chose_any(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    frame = reach.reach_of(exact, AUTUMN, by="send_status").frame
    chose = [s.body["answers"]["send_status"] for s in sent if "send_status" in s.body["answers"]]
    counted = Counter(o for c in chose for o in c)
    for option in STATUS:
        row = frame.filter(pl.col("area_code") == option).row(0, named=True)
        assert row["responses"] == counted[option]
        assert row["response_share"] == pytest.approx(counted[option] / len(chose))


def test_send_status_by_is_exact_for_analysts_with_the_overlap_said(service: InProcessApp, seeded: Any) -> None:
    sent = seeded[1]
    r = _get(service, f"{AUTUMN}/reach", [("by", "send_status"), ("format", "csv")])
    assert r.status_code == 200, r.text
    frame = pl.read_csv(io.BytesIO(r.content))
    counted = Counter(o for s in sent for o in s.body["answers"].get("send_status", []))
    for option in STATUS:
        assert frame.filter(pl.col("area_code") == option)["responses"].item() == counted[option]
    notes = _get(service, f"{AUTUMN}/compare", [("by", "send_status")]).json()["notes"]
    assert any("overlap" in n for n in notes)


# --- by area: cohort by LAD ----------------------------------------------------------------------------------


def _pairs(sent: list[Sent], statement: str = "health_met") -> list[tuple[Sent, int]]:
    """(family, later minus earlier score) of every family that answered the statement on the scale twice."""
    return [(s, SCORE[s.spring["answers"]["q7"][statement]] - SCORE[s.body["answers"]["q7"][statement]])
            for s in sent if s.spring is not None and s.spring["answers"]["q7"].get(statement) in SCORED
            and s.body["answers"]["q7"].get(statement) in SCORED]


def test_cohort_by_lad_pairs_each_family_in_its_later_area(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    result = cohort.cohort(exact, SPRING, against=AUTUMN, by="lad")
    rows = result.frame.filter(pl.col("statement_id") == "health_met")
    for lad in LAD.values():
        changes = [c for s, c in _pairs(sent) if s.spring is not None and LAD[s.spring["postcode"]] == lad]
        row = rows.filter(pl.col("area_code") == lad).row(0, named=True)
        assert row["n_pairs"] == len(changes), lad
        if len(changes) >= 10:
            assert row["mean_change"] == pytest.approx(sum(changes) / len(changes))
    assert set(exact.areas.lads["lad_code"]) <= set(rows["area_code"])  # every LAD, empty ones too
    assert rows.filter(~pl.col("area_code").is_in(list(LAD.values())))["n_pairs"].sum() == 0
    assert rows["area_name"].str.contains("Thanet").any()


def test_cohort_by_lad_through_the_api(service: InProcessApp, seeded: Any) -> None:
    sent = seeded[1]
    r = _get(service, f"{SPRING}/cohort", [("against", AUTUMN), ("by", "lad")])
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert {row["area_level"] for row in rows} == {"lad"}
    assert all(row["n_pairs"] is not None for row in rows)  # internal: every row's exact figure
    for statement in ("health_met", "local_offer_useful"):
        pairs = Counter(LAD[s.spring["postcode"]] for s, _ in _pairs(sent, statement) if s.spring is not None)
        mine = [row for row in rows if row["statement_id"] == statement]
        assert {row["area_code"]: row["n_pairs"] for row in mine if row["n_pairs"]} == dict(pairs), statement
        assert all(row["publishable"] is False for row in mine if row["n_pairs"] < 10), statement
    health = {row["area_code"]: row for row in rows if row["statement_id"] == "health_met"}
    assert all(health[lad]["n_pairs"] >= 10 for lad in LAD.values())  # this seed: 10 pairs or more each


@pytest.mark.slow  # the `surveyapp` command in subprocesses, as in tests/cli/test_cli.py
def test_cohort_by_lad_through_the_cli(seeded: Any, tmp_path: Path, cli: Cli) -> None:
    import shutil

    data = shutil.copytree(seeded[0], tmp_path / "data")
    done = cli(data, "cohort", "--wave", SPRING, "--against", AUTUMN, "--by", "lad")
    assert done.returncode == 0, done.stderr
    assert "Thanet" in done.stdout and "Maidstone" in done.stdout


def test_reach_by_district_counts_and_expects_each_districts_estimated_children(exact: Services,
                                                                               seeded: Any) -> None:
    """Responses per postcode district against each in-area district's share of children aged 0-17, estimated
    here from the shared reference tables (not the area pack): each LAD's children times the district's share
    of the LAD's residents, over the district's parts in Kent and Medway."""
    import csv

    from tests.support import SHARED

    sent = seeded[1]
    result = reach.reach_of(exact, AUTUMN, by="district")
    reference = SHARED / "reference" / "kent-medway"
    with (reference / "postcode_district_to_lad_population_share_DERIVED.csv").open(encoding="utf-8") as handle:
        parts = [r for r in csv.DictReader(handle) if r["lad_is_kent_or_medway"] == "True"]
    with (reference / "kent_medway_lad_denominators_DERIVED.csv").open(encoding="utf-8") as handle:
        children = {r["lad_code"]: int(r["mye2020_age_0_17"]) for r in csv.DictReader(handle)}
    lad_residents: dict[str, float] = {}
    for r in parts:
        lad = r["ltla24_code"]
        lad_residents[lad] = lad_residents.get(lad, 0.0) + float(r["usual_residents_census2021"])
    estimate: dict[str, float] = {}
    for r in parts:
        lad, district = r["ltla24_code"], r["postcode_district"]
        estimate[district] = estimate.get(district, 0.0) + (
            children[lad] * float(r["usual_residents_census2021"]) / lad_residents[lad])
    inside = {r["postcode_district"] for r in parts if r["rank_in_district"] == "1"}
    total = sum(v for d, v in estimate.items() if d in inside)
    counted = Counter(s.body["postcode"].split()[0] for s in sent)
    for district, n in counted.items():
        row = result.frame.filter(pl.col("area_code") == district).row(0, named=True)
        assert row["responses"] == n
        assert row["expected_share"] == pytest.approx(estimate[district] / total, rel=1e-3)
        assert row["response_share"] == pytest.approx(n / len(sent))
        assert str(row["expected_source"]).startswith("area pack: children aged 0-17 by postcode district")
    assert result.frame.height >= len(inside)  # every in-area district, those without responses too
    assert any("children aged 0-17" in n and "estimated" in n for n in result.notes)


# --- two-way tables ----------------------------------------------------------------------------------------


def test_two_way_compare_by_lad_and_role_counts_the_hand_count(exact: Services, seeded: Any) -> None:
    sent = seeded[1]
    result = compare.compare(exact, AUTUMN, by="lad,respondent_role")
    rows = result.frame.filter(pl.col("statement_id") == "health_met")
    expected = Counter((LAD[s.body["postcode"]], s.role or "not_answered") for s in sent
                       if s.body["answers"]["q7"]["health_met"] in SCORED)
    got = {(r["lad"], r["respondent_role"]): r["n_valid"] for r in rows.iter_rows(named=True) if r["n_valid"]}
    assert got == dict(expected)  # every cell, small ones too: internal figures are exact
    small = rows.filter(pl.col("n_valid") < 10)
    assert small.height >= 3 and not small["publishable"].any()  # and flagged
    assert rows["area_name"].str.starts_with("Thanet, ").any()
    assert result.frame.columns.index("lad") == result.frame.columns.index("area_code") + 1


def test_two_way_through_the_api_and_a_bad_pair_is_a_400(service: InProcessApp) -> None:
    r = _get(service, f"{AUTUMN}/compare", [("by", "lad,send_status"), ("format", "csv")])
    assert r.status_code == 200, r.text
    frame = pl.read_csv(io.BytesIO(r.content))
    assert {"lad", "send_status"} <= set(frame.columns)
    assert (frame.filter(pl.col("publishable"))["n_valid"] >= 10).all()
    assert not frame.filter(pl.col("n_valid") < 10)["publishable"].any()
    for bad in ("lad,lad", "all,lad", "lad,shoe_size", "lad,religion,ethnic_group"):
        answer = _get(service, f"{AUTUMN}/compare", [("by", bad)])
        assert answer.status_code == 400 and "by" in answer.text, (bad, answer.text)
    assert _get(service, f"{AUTUMN}/reach", [("by", "lad,send_status")]).status_code == 400
    pairs = _get(service, f"{SPRING}/cohort", [("against", AUTUMN), ("by", "lad,respondent_role")])
    assert pairs.status_code == 200, pairs.text
    rows = pairs.json()["rows"]
    assert rows and all(row["area_code"] == f"{row['lad']}|{row['respondent_role']}" for row in rows)


# --- the attacker -------------------------------------------------------------------------------------------


def test_a_small_filtered_group_is_exact_and_flagged_for_analysts_and_nothing_to_anyone_else(
        service: InProcessApp, seeded: Any) -> None:
    """The 3 professionals: analysts see their exact figures, every row flagged as one a release could not
    show; signed out, or with a made-up token, every such request is refused."""
    alone = [("filter", "respondent_role:professional")]
    compare = _get(service, f"{AUTUMN}/compare", alone).json()
    assert compare["rows"] and not any(row["publishable"] for row in compare["rows"])
    assert sum(row["n_valid"] + row["n_dont_know"] for row in compare["rows"] if row["statement_id"] == "health_met") \
        == 3
    reach_rows = _get(service, f"{AUTUMN}/reach", alone).json()["rows"]
    assert sum(row["responses"] for row in reach_rows) == 3 and not any(row["publishable"] for row in reach_rows)
    for token in (None, "not-a-token"):
        with service.client(token) as stranger:
            for what in ("compare", "reach", "tracker"):
                assert stranger.get(f"/api/v1/waves/{AUTUMN}/{what}", params=alone).status_code == 401
            assert stranger.get(f"/api/v1/waves/{SPRING}/cohort",
                                params=[("against", AUTUMN), *alone]).status_code == 401


def test_spelling_a_filter_another_way_cannot_average_the_rounding_away(service: InProcessApp) -> None:
    """The same responses reached by differently written filters are the same cells, rounded the same way: a
    thousand spellings give one draw, not a thousand, so all-minus-filtered stays a rounded difference."""
    others = [r for r in ("parent_carer", "family_member", "young_person", "friend", "other")]
    spellings = [
        [("filter", f"respondent_role:{','.join(others)}")],
        [("filter", f"respondent_role:{','.join(reversed(others))}")],
        [("filter", f"respondent_role:{','.join(others)}"), ("filter", f"respondent_role:{','.join(others)},")],
        [("filter", f"respondent_role:{','.join(others)}"),
         ("filter", f"respondent_role:{','.join([*others, 'professional'])}")],
    ]
    tables = []
    for spelling in spellings:
        r = _get(service, f"{AUTUMN}/reach", [("by", "lad"), *spelling])
        assert r.status_code == 200, r.text
        tables.append([(row["area_code"], row["responses"]) for row in r.json()["rows"]])
    assert all(t == tables[0] for t in tables[1:])
    compares = [_get(service, f"{AUTUMN}/compare", [("by", "lad"), *s]).json()["rows"] for s in spellings]
    assert all([(r["area_code"], r["statement_id"], r["n_valid"]) for r in c] ==
               [(r["area_code"], r["statement_id"], r["n_valid"]) for r in compares[0]] for c in compares[1:])


def test_all_minus_the_rest_gives_analysts_the_small_group_exactly_and_flags_it(service: InProcessApp,
                                                                                 seeded: Any) -> None:
    """Everyone minus everyone-but-professionals, per LAD, is the professionals' true count: internal figures
    are exact (the old route 1 of issue 22, now by design), so the small group's rows say they are not
    publishable, and the same two requests signed out get nothing."""
    sent = seeded[1]
    others = "respondent_role:parent_carer,family_member,young_person,friend,other"
    everyone = {r["area_code"]: r["responses"] for r in
                _get(service, f"{AUTUMN}/reach", [("by", "lad")]).json()["rows"]}
    answered = {r["area_code"]: r["responses"] for r in
                _get(service, f"{AUTUMN}/reach", [("by", "lad"), ("filter", others)]).json()["rows"]}
    truth = Counter(LAD[s.body["postcode"]] for s in sent if s.role in ("professional", None))
    assert {lad: everyone[lad] - answered[lad] for lad in LAD.values()} == {lad: truth[lad] for lad in LAD.values()}
    alone = _get(service, f"{AUTUMN}/reach", [("by", "lad"), ("filter", "respondent_role:professional")]).json()
    assert not any(row["publishable"] for row in alone["rows"])
    with service.client() as stranger:
        for params in ([("by", "lad")], [("by", "lad"), ("filter", others)]):
            refused = stranger.get(f"/api/v1/waves/{AUTUMN}/reach", params=params)
            assert refused.status_code == 401 and "responses" not in refused.text
