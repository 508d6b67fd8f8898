"""Releases of the seeded waves: same-family change (spring's 40 pairs with autumn, counted per statement, every
figure from the published counts), and a release checked with the published releases of the wave it compares with."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import binomtest

from surveyapp.actions.releases import making
from surveyapp.domain.release import TableSpec
from tests.conftest import Seeded, StartService
from tests.support import ADMIN_TOKEN, FakeClock

pytestmark = pytest.mark.slow  # each makes releases of the seeded waves


def test_same_family_change_is_released_from_the_pairs(seeded: Seeded, seeded_copy: object,
                                                        start_service: StartService,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = [TableSpec("cohort-all-vs-previous", "cohort", "all", "previous")]
    monkeypatch.setattr(making, "plan_for", lambda services, wave: plan)
    app = start_service(data_dir=seeded_copy, clock=FakeClock(seeded.now + dt.timedelta(hours=2)))
    with app.client(ADMIN_TOKEN) as admin:
        made = admin.post("/api/v1/waves/2027-spring/releases",
                          json={"stage": "interim", "cutoff": "2027-04-10T13:00:00Z"})
    assert made.status_code == 201, made.text
    table = made.json()["document"]["tables"][0]
    assert table["compared_with"] == "2026-autumn"
    rows = {r["statement_id"]: r for r in table["rows"]}
    health = rows.pop("health_met")  # the only statement both waves answered
    assert health["n_pairs"] == len(seeded.pairs) == 40
    assert all(r["n_pairs"] is None and r["hidden"] == "small" for r in rows.values())
    improved, worse = health["n_improved"], health["n_worse"]
    true_improved = sum(after > before for before, after in seeded.pairs)
    assert improved is None or abs(improved - true_improved) < 5  # rounded to base 5
    if improved is not None and worse is not None:
        assert health["p_value"] == pytest.approx(binomtest(improved, improved + worse).pvalue)
        assert health["share_improved"] == pytest.approx(improved / 40)


def test_a_release_is_checked_with_the_published_releases_of_the_wave_it_compares_with(
        seeded: Seeded, seeded_copy: object, start_service: StartService, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = [TableSpec("compare-all-vs-baseline", "compare", "all", "baseline"),
            TableSpec("compare-all-vs-previous", "compare", "all", "previous")]
    monkeypatch.setattr(making, "plan_for", lambda services, wave: plan)
    app = start_service(data_dir=seeded_copy, clock=FakeClock(seeded.now + dt.timedelta(hours=2)))
    with app.client(ADMIN_TOKEN) as admin:
        autumn = admin.post("/api/v1/waves/2026-autumn/releases", json={"stage": "final"})
        assert autumn.status_code == 201, autumn.text
        autumn_id = autumn.json()["release_id"]
        admin.post(f"/api/v1/releases/{autumn_id}/publish").raise_for_status()
        spring = admin.post("/api/v1/waves/2027-spring/releases",
                            json={"stage": "interim", "cutoff": "2027-04-10T13:00:00Z"})
    assert spring.status_code == 201, spring.text
    document = spring.json()["document"]
    assert document["check"]["checked_against"] == [autumn_id]
    then = {r["statement_id"]: r for r in autumn.json()["document"]["tables"][0]["rows"]}
    table = next(t for t in document["tables"] if t["spec"]["table_id"] == "compare-all-vs-previous")
    now = {r["statement_id"]: r for r in table["rows"]}
    # the autumn figures the spring release compares with are the ones autumn's final release published
    assert now["health_met"]["baseline_n_valid"] == then["health_met"]["n_valid"] == 60
    assert now["health_met"]["baseline_share_agree"] == then["health_met"]["share_agree"]
