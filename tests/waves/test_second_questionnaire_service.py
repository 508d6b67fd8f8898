"""A second questionnaire (other question, statement and answer ids, a 4-point scale) and an area pack of one's
own work end to end through the running service: answers, compare, cohort, reach and the board report."""

from __future__ import annotations

import collections
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

FIXTURES = Path(__file__).parents[1] / "fixtures"
STATEMENTS = ("gp_access", "school_transport", "short_breaks", "speech_therapy")
ANSWERS = ("very_good", "good", "poor", "very_poor", "not_sure")
SCORES = {"very_good": 4, "good": 3, "poor": 2, "very_poor": 1}
DISTRICTS = ("TS1", "TS2", "TS3", "TS4")


@pytest.fixture
def testshire(start_service: Callable[..., Service]) -> Service:
    return start_service(definitions_dir=FIXTURES / "definitions", area_pack=str(FIXTURES / "areas" / "testshire"))


def _answers(rng: random.Random) -> dict[str, str]:
    return {s: rng.choice(ANSWERS) for s in STATEMENTS if rng.random() < 0.9} or {"gp_access": "good"}


def test_every_analysis_and_the_report_follow_the_questionnaires_own_ids_and_scores(testshire: Service) -> None:
    rng = random.Random(7)
    sent: dict[str, list[dict[str, str]]] = {"2026-winter": [], "2036-spring": []}
    codes = []
    with testshire.client() as http, testshire.client(ADMIN_TOKEN) as admin, \
            testshire.client(ANALYST_TOKEN) as analyst:
        for i in range(60):
            q3 = _answers(rng)
            r = http.post("/api/v1/waves/2026-winter/responses", json={
                "answers": {"q3": q3, "religion": "christian"}, "postcode": f"{DISTRICTS[i % 4]} 1AA"})
            assert r.status_code == 201, r.text
            sent["2026-winter"].append(q3)
            codes.append(r.json()["return_code"])
        assert admin.post("/api/v1/admin/waves/2036-spring/open").status_code == 200
        later: dict[str, dict[str, str]] = {}
        for i, code in enumerate(codes[:40]):
            q3 = _answers(rng)
            r = http.post("/api/v1/waves/2036-spring/responses", json={
                "answers": {"q3": q3}, "postcode": f"{DISTRICTS[i % 4]} 2BB", "return_code": code})
            assert r.status_code == 201, r.text
            sent["2036-spring"].append(q3)
            later[code] = q3

        compare = analyst.get("/api/v1/waves/2026-winter/compare").json()
        assert compare["baseline"] == "baseline-2025"
        rows = {row["statement_id"]: row for row in compare["rows"]}
        assert set(rows) == set(STATEMENTS)
        for statement, row in rows.items():  # a hand count of what was sent: internal figures are exact
            given = collections.Counter(a[statement] for a in sent["2026-winter"] if statement in a)
            shown = {a: row[a] for a in SCORES}
            assert shown == {a: given[a] for a in SCORES}, (shown, given)
            assert row["n_dont_know"] == given["not_sure"]  # the unscored answers
            scored = sum(shown.values())
            assert row["n_valid"] == scored
            assert row["share_agree"] == pytest.approx((shown["very_good"] + shown["good"]) / scored)
            assert row["mean_score"] == pytest.approx(sum(SCORES[a] * shown[a] for a in SCORES) / scored)
        assert "strongly_agree" not in compare["rows"][0]

        cohort = analyst.get("/api/v1/waves/2036-spring/cohort", params={"against": "2026-winter"}).json()
        earlier = dict(zip(codes, sent["2026-winter"], strict=True))
        for row in cohort["rows"]:
            statement = row["statement_id"]
            pairs = [c for c, now in later.items()
                     if earlier[c].get(statement) in SCORES and now.get(statement) in SCORES]
            assert row["n_pairs"] == len(pairs)  # internal figures are exact

        reach = analyst.get("/api/v1/waves/2026-winter/reach", params={"by": "lad"}).json()
        names = {row["area_name"] for row in reach["rows"]}
        assert {"Northvale", "Eastmere", "Westbrook", "Southfen"} <= names

        page = analyst.get("/results/2036-spring", params={"baseline": "baseline-2025"})
        assert page.status_code == 200
        assert "GP appointments" in page.text and "Testshire" in page.text
        for foreign in ("Local Offer", "Kent", "strongly_agree", "q7"):
            assert foreign not in page.text
