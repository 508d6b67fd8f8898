"""Cohort change pairs the same child (issue 10): a return code may be used for up to three children in a wave,
so the form and the API ask which child the answers are about, and cohort change pairs only what it can match.

Families are sent through the real service (JSON API) in two waves; the pairs and the exclusions are then
counted here by hand from the bodies sent, and compared with what the service publishes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from scipy.stats import wilcoxon

from analytics.disclosure import Disclosure
from surveyapp.actions import cohort
from surveyapp.domain.services import Services
from tests.conftest import InProcessApp
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, FakeClock, collect_all, make_settings

AUTUMN, SPRING = "2026-autumn", "2027-spring"
SCALE = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
SCORE = {a: 5 - i for i, a in enumerate(SCALE)}
EXACT = Disclosure(b"", exact=True)


@dataclass
class Child:
    """One child's two answers to health_met (autumn, spring) and the markers given with them."""

    family: str
    autumn: str
    spring: str | None
    autumn_child: str | None
    spring_child: str | None


def _body(answer: str, code: str | None, child: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"answers": {"q7": {"health_met": answer}}, "postcode": "CT9 1AA"}
    if code:
        body["return_code"] = code
    if child:
        body["child"] = child
    return body


def _send(http: Any, wave: str, answer: str, code: str | None, child: str | None) -> str:
    r = http.post(f"/api/v1/waves/{wave}/responses", json=_body(answer, code, child))
    assert r.status_code == 201, r.text
    return str(r.json()["return_code"])


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessApp, dict[str, list[Child]]]]:
    """Four kinds of family, each answering in autumn and again in spring with the code autumn gave them:
    - one child, 30 families: a code used once in each wave (half of them naming the child, half not);
    - two children, 15 families, each child named ("1", "2") in both waves;
    - two children, 6 families, named in neither wave (the second child's form typed the first's code);
    - one child each wave, 11 families, named "1" in autumn and "2" in spring: another child."""
    data = tmp_path_factory.mktemp("children") / "data"
    clock = FakeClock()
    service = InProcessApp(make_settings(data), clock).start()
    rng = random.Random(10)
    kinds: dict[str, list[Child]] = {"single": [], "named": [], "unnamed": [], "other": []}
    try:
        def autumn(kind: str, family: str, child: str | None, spring_child: str | None, answer: str) -> None:
            kinds[kind].append(Child(family, answer, None, child, spring_child))

        for i in range(30):
            marker = "1" if i % 2 else None
            autumn("single", f"s{i}", marker, "1" if i % 4 == 1 else None, rng.choice(SCALE))
        for i in range(15):  # the older child answers low, the younger high: pairing across them would show
            autumn("named", f"n{i}", "1", "1", rng.choice(SCALE[3:]))
            autumn("named", f"n{i}", "2", "2", rng.choice(SCALE[:2]))
        for i in range(6):
            autumn("unnamed", f"u{i}", None, None, rng.choice(SCALE))
            autumn("unnamed", f"u{i}", None, None, rng.choice(SCALE))
        for i in range(11):
            autumn("other", f"o{i}", "1", "2", rng.choice(SCALE))
        children = [child for kind in kinds.values() for child in kind]
        # A family's first child is sent without a code and gets one; its second child's form carries that code.
        first: dict[str, Child] = {}
        for child in children:
            first.setdefault(child.family, child)
        sent = collect_all(service, AUTUMN, [_body(c.autumn, None, c.autumn_child) for c in first.values()])
        codes = {family: answer.return_code for family, answer in zip(first, sent, strict=True)}
        collect_all(service, AUTUMN, [_body(c.autumn, codes[c.family], c.autumn_child)
                                      for c in children if first[c.family] is not c])
        with service.client(ADMIN_TOKEN) as admin:
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
        for child in children:
            child.spring = rng.choice(SCALE)
        collect_all(service, SPRING, [_body(c.spring, codes[c.family], c.spring_child) for c in children])
        yield service, kinds
    finally:
        service.stop()


@pytest.fixture
def exact(sent: tuple[InProcessApp, dict[str, list[Child]]]) -> Iterator[Services]:
    services: Services = sent[0].services
    published, services.disclosure = services.disclosure, EXACT
    yield services
    services.disclosure = published


def test_each_child_is_paired_with_itself_and_the_rest_are_counted_out(
        exact: Services, sent: tuple[InProcessApp, dict[str, list[Child]]]) -> None:
    kinds = sent[1]
    paired = kinds["single"] + kinds["named"]  # by hand: the same family and the same child
    changes = [SCORE[c.spring] - SCORE[c.autumn] for c in paired if c.spring]
    result = cohort.cohort(exact, SPRING, against=AUTUMN)
    row = result.frame.filter(pl.col("statement_id") == "health_met").row(0, named=True)
    assert row["n_pairs"] == len(changes) == 60
    assert row["mean_change"] == pytest.approx(sum(changes) / len(changes))
    assert row["share_improved"] == pytest.approx(sum(c > 0 for c in changes) / len(changes))
    assert row["n_ties"] == sum(c == 0 for c in changes)
    assert row["p_value"] == pytest.approx(wilcoxon(changes).pvalue, rel=1e-9)
    assert row["p_value_pratt"] == pytest.approx(wilcoxon(changes, zero_method="pratt").pvalue, rel=1e-9)
    # the 6 unnamed two-child families' 12 spring responses cannot be told apart; the 11 renamed are another child
    assert (row["n_excluded_ambiguous"], row["n_excluded_other_child"]) == (12, 11)
    assert any("12 could not be told apart" in n or "about 12" in n for n in result.notes)


def test_the_marker_is_kept_only_inside_a_keyed_hash(sent: tuple[InProcessApp, dict[str, list[Child]]]) -> None:
    service = sent[0]
    rows = service.store.rows("SELECT cohort_key, child_key FROM responses WHERE child_key IS NOT NULL")
    assert len(rows) == 15 + 8 + 15 * 4 + 11 * 2  # one-child families naming it (autumn, spring), the others
    assert all(len(key) == 40 and key not in ("1", "2") for _, key in rows)
    by_code: dict[str, set[str]] = {}
    for cohort_key, child_key in rows:
        by_code.setdefault(cohort_key, set()).add(child_key)
    assert max(len(keys) for keys in by_code.values()) == 2  # one code, two children: two child keys
    columns = {r[0] for r in service.store.rows("SELECT column_name FROM information_schema.columns "
                                                "WHERE table_name = 'responses'")}
    assert "child" not in columns


def test_the_api_gives_analysts_the_exact_exclusions_and_refuses_a_bad_marker(
        sent: tuple[InProcessApp, dict[str, list[Child]]]) -> None:
    from surveyapp.store.frames import cohort_exclusions

    service = sent[0]
    with service.client(ANALYST_TOKEN) as analyst:
        r = analyst.get(f"/api/v1/waves/{SPRING}/cohort", params={"against": AUTUMN})
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    excluded, _ = cohort_exclusions(service.store, SPRING, AUTUMN, filters=())
    assert (row["n_excluded_ambiguous"], row["n_excluded_other_child"]) == (
        excluded["n_excluded_ambiguous"], excluded["n_excluded_other_child"])
    assert 10 <= row["n_excluded_ambiguous"] <= 15 and 10 <= row["n_excluded_other_child"] <= 15
    with service.client() as http:
        bad = http.post(f"/api/v1/waves/{SPRING}/responses",
                        json={"answers": {"q7": {"health_met": "neither"}}, "child": "eldest"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["child"]


def test_a_store_written_before_the_markers_pairs_as_before(tmp_path: Path) -> None:
    """Migration 005 on a store without markers: every code used once a wave still pairs (as "one child")."""
    from bench.generate import write_store
    from surveyapp.settings import from_env
    from surveyapp.store.frames import cohort_exclusions

    write_store(tmp_path / "data" / "surveyapp.duckdb", 800, n_waves=2, seed=2, chunk=400)
    services = Services(from_env({}, data_dir=tmp_path / "data"))
    services.disclosure = EXACT
    try:
        frame = cohort.cohort(services, "wave-2", against="wave-1").frame
        excluded, _ = cohort_exclusions(services.store, "wave-2", "wave-1", filters=())
        linked = services.store.rows("SELECT count(*) FROM responses l JOIN responses e USING (cohort_key) "
                                     "WHERE l.wave_id = 'wave-2' AND e.wave_id = 'wave-1'")[0][0]
    finally:
        services.close()
    assert linked > 50
    assert excluded["n_excluded_ambiguous"] == 0
    assert frame["n_excluded_ambiguous"].to_list() == [0] * frame.height  # internal: exact
    assert frame["n_pairs"].max() <= linked and frame["n_pairs"].max() > linked * 0.5


def test_cohort_q_values_are_benjamini_hochberg_over_the_whole_table(
        sent: tuple[InProcessApp, dict[str, list[Child]]]) -> None:
    """The same family as compare's: every row of the published table with a p-value, whatever a reader
    looks at (here by LAD and overall), checked with statsmodels."""
    from statsmodels.stats.multitest import multipletests

    with sent[0].client(ANALYST_TOKEN) as analyst:
        for by in ("all", "lad"):
            rows = analyst.get(f"/api/v1/waves/{SPRING}/cohort", params={"against": AUTUMN, "by": by}).json()["rows"]
            for p, q in (("p_value", "q_value"), ("p_value_pratt", "q_value_pratt")):
                tested = [r for r in rows if r[p] is not None]
                assert tested, by
                assert [r[q] for r in tested] == pytest.approx(list(multipletests([r[p] for r in tested],
                                                                                  method="fdr_bh")[1]))


def test_exclusion_counts_are_exact_for_analysts_and_none_for_anyone_signed_out(tmp_path: Path) -> None:
    """Internal figures: one family here answered for another child and none was ambiguous, and the analyst
    sees exactly that (a published table would show both as "fewer than 10", zero alike: the release
    checker's rule). Signed out, the cohort is not there at all."""
    clock = FakeClock()
    service = InProcessApp(make_settings(tmp_path / "data"), clock).start()
    try:
        with service.client() as http, service.client(ADMIN_TOKEN) as admin, service.client(ANALYST_TOKEN) as analyst:
            codes = [_send(http, AUTUMN, "neither", None, "1") for _ in range(14)]
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
            clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
            for i, code in enumerate(codes):
                _send(http, SPRING, "tend_to_agree", code, "2" if i == 0 else "1")
            body = analyst.get(f"/api/v1/waves/{SPRING}/cohort", params={"against": AUTUMN}).json()
            filtered = analyst.get(f"/api/v1/waves/{SPRING}/cohort",
                                   params={"against": AUTUMN, "filter": "respondent_role:parent_carer"}).json()
            with service.client() as anyone:
                assert anyone.get(f"/api/v1/waves/{SPRING}/cohort", params={"against": AUTUMN}).status_code == 401
    finally:
        service.stop()
    row = next(r for r in body["rows"] if r["statement_id"] == "health_met")
    assert (row["n_excluded_ambiguous"], row["n_excluded_other_child"]) == (0, 1)
    # Nobody here said their role, so the filter keeps no family: none excluded, exactly.
    assert all((r["n_excluded_ambiguous"], r["n_excluded_other_child"]) == (0, 0) for r in filtered["rows"])
    note = next(n for n in body["notes"] if "n_excluded_ambiguous" in n)
    assert "none could not be told apart" in note and "and 1 were about another child" in note
