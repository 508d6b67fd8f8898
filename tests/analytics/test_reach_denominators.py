"""Reach's denominators: each row's expected share comes from the population that fits, and says which.

The expected shares are checked against hand computations straight from the reference CSVs (the csv module,
not the loader): children aged 0-17 by LAD, the DfE EHC plan caseload by ethnicity and by age, and Census 2021
(all ages) for religion, the only source there is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from surveyapp.domain.services import Services
from surveyapp.settings import SettingsError
from tests.conftest import InProcessApp
from tests.support import ANALYST_TOKEN, SHARED, FakeClock, collect_all, make_settings
from waves.areas.ehc_plans import ehc_plan_shares
from waves.areas.pack import load_area_pack

REFERENCE = SHARED / "reference" / "kent-medway"
EHC_PLANS = REFERENCE / "dfe_ehcp_caseload_kent_medway_2019_2025.csv"
PLACES = {"CT9": 40, "ME4": 25, "TN23": 20, "CT1": 15}
ETHNIC = {"white_british": 70, "black_african": 12, "white_roma": 3, "asian_indian": 5, "prefer_not_to_say": 10}
RELIGION = {"no_religion": 50, "christian": 40, "muslim": 10}
AGES = {"age_5_10": 40, "age_11_15": 40, "age_16_18": 20}


def _caseload(topic: str) -> dict[str, int]:
    """January 2025 EHC plans of Kent and Medway together, by breakdown, straight from the DfE file."""
    totals: dict[str, int] = {}
    with EHC_PLANS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["geographic_level"] == "Local authority" and row["time_period"] == "202425" \
                    and row["breakdown_topic"] == topic:
                totals[row["breakdown"]] = totals.get(row["breakdown"], 0) + int(row["ehcplans"])
    return totals


def _census(variable: str, category: str) -> tuple[int, int]:
    """(count, sum over the variable's categories but Not answered) for Kent + Medway, Census 2021."""
    with (REFERENCE / "census2021_kent_ethnicity_religion_summary_DERIVED.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["area"] == "Kent + Medway (13 LADs)"
                and r["variable"] == variable and r["category"] != "Not answered"]
    return next(int(r["count"]) for r in rows if r["category"] == category), sum(int(r["count"]) for r in rows)


def _shares() -> dict[tuple[str, str], float]:
    frame = ehc_plan_shares(EHC_PLANS, load_area_pack().census)
    return {(v, o): s for v, o, s in frame.select("variable", "option_id", "share").iter_rows()}


def test_broad_ethnic_shares_are_ehc_plans_by_ethnicity_leaving_out_unclassified():
    plans = _caseload("Ethnicity")
    classified = sum(n for group, n in plans.items() if group != "Unclassified")
    assert classified == 20_635 + 3_041 - 3_664 - 160  # all plans less the unclassified, in both LAs
    black = sum(n for group, n in plans.items() if group.startswith("Black - "))
    shares = _shares()
    assert shares["ethnic_group_broad", "black"] == pytest.approx(black / classified)
    assert shares["ethnic_group_broad", "other"] == pytest.approx(plans["Any other ethnic group"] / classified)
    assert shares["ethnic_group", "black_african"] == pytest.approx(plans["Black - Black African"] / classified)
    assert sum(s for (v, _), s in shares.items() if v == "ethnic_group") == pytest.approx(1)


def test_groups_dfe_counts_together_are_split_by_census_shares_within_them():
    plans = _caseload("Ethnicity")
    classified = sum(n for group, n in plans.items() if group != "Unclassified")
    gypsy_roma = plans["White - Gypsy/Roma"] + plans["White - Traveller of Irish heritage"]
    roma, _ = _census("ethnic_group_detailed", "White: Roma")
    traveller, _ = _census("ethnic_group_detailed", "White: Gypsy or Irish Traveller")
    shares = _shares()
    assert shares["ethnic_group", "white_roma"] == pytest.approx(gypsy_roma * roma / (roma + traveller) / classified)
    assert shares["ethnic_group", "white_gypsy_irish_traveller"] + shares["ethnic_group", "white_roma"] == \
        pytest.approx(gypsy_roma / classified)


def test_age_bands_are_ehc_plans_by_age_of_every_plan():
    ages = _caseload("Child or young persons age")
    everyone = sum(ages.values())
    assert everyone == 20_635 + 3_041  # every plan has an age
    band = sum(ages[f"age {a}"] for a in (16, 17, 18))
    assert _shares()["child_age_band", "age_16_18"] == pytest.approx(band / everyone)
    young = ages["under 3"] + ages["age 3"] + ages["age 4"]
    assert _shares()["child_age_band", "age_0_4"] == pytest.approx(young / everyone)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApp]:
    """A wave of 100 families on a service that reads the EHC plan caseload."""
    service = InProcessApp(make_settings(tmp_path_factory.mktemp("denominators") / "data", ehc_plans=EHC_PLANS),
                           FakeClock()).start()
    columns = {
        "postcode": [p for p, n in PLACES.items() for _ in range(n)],
        "ethnic_group": [e for e, n in ETHNIC.items() for _ in range(n)],
        "religion": [r for r, n in RELIGION.items() for _ in range(n)],
        "child_age_band": [a for a, n in AGES.items() for _ in range(n)],
    }
    try:
        collect_all(service, "2026-autumn", [
            {"answers": {"q7": {"health_met": "neither"}, **{k: v[i] for k, v in columns.items() if k != "postcode"}},
             "postcode": columns["postcode"][i]} for i in range(100)])
        yield service
    finally:
        service.stop()


def _reach(service: InProcessApp, by: str) -> dict[str, object]:
    with service.client(ANALYST_TOKEN) as client:
        r = client.get("/api/v1/waves/2026-autumn/reach", params={"by": by})
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body


def _rows(body: dict[str, object]) -> dict[str, dict[str, object]]:
    rows = body["rows"]
    assert isinstance(rows, list)
    return {row["area_code"]: row for row in rows}


def test_each_reach_row_names_the_source_of_its_expected_share(served: InProcessApp):
    plans = _caseload("Ethnicity")
    classified = sum(n for group, n in plans.items() if group != "Unclassified")
    white = sum(n for group, n in plans.items() if group.startswith("White - "))
    broad = _reach(served, "ethnic_group_broad")
    rows = _rows(broad)
    assert rows["white"]["expected_share"] == pytest.approx(white / classified)
    assert rows["white"]["expected_source"] == "DfE EHC plans, January 2025, Kent and Medway"
    notes = broad["notes"]
    assert isinstance(notes, list) and any("DfE EHC plans" in note for note in notes)

    muslim, answered = _census("religion", "Muslim")
    religion = _rows(_reach(served, "religion"))
    assert religion["muslim"]["expected_share"] == pytest.approx(muslim / answered, abs=1e-6)
    assert religion["muslim"]["expected_source"] == "Census 2021, all ages"

    with (REFERENCE / "kent_medway_lad_denominators_DERIVED.csv").open(encoding="utf-8") as handle:
        children = {r["lad_code"]: int(r["mye2020_age_0_17"]) for r in csv.DictReader(handle)}
    lads = _rows(_reach(served, "lad"))
    thanet = "E07000114"
    assert lads[thanet]["expected_share"] == pytest.approx(children[thanet] / sum(children.values()))
    assert str(lads[thanet]["expected_source"]).startswith("area pack: children aged 0-17")

    ages = _rows(_reach(served, "child_age_band"))
    assert str(ages["age_19_25"]["expected_source"]).endswith("by age")
    # 3% of plans are for children under 5: about 3 of 100 expected, too few to tell even if none answered
    assert ages["age_0_4"]["reach_status"] == "cannot yet be assessed"


def test_without_the_caseload_ethnic_group_falls_back_to_census_all_ages_and_says_so(tmp_path: Path):
    services = Services(make_settings(tmp_path / "data"))
    try:
        assert services.ehc_plans is None
    finally:
        services.close()
    from analytics.reach import expected_shares

    expected = expected_shares("ethnic_group_broad", census=load_area_pack().census)
    assert set(expected["expected_source"].to_list()) == {"Census 2021, all ages"}


def test_a_file_that_is_not_the_caseload_stops_the_service_naming_the_setting(tmp_path: Path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"SURVEYAPP_EHC_PLANS: .*wrong\.csv.*ehcplans"):
        Services(make_settings(tmp_path / "data", ehc_plans=wrong))


def test_kent_and_medway_reach_compares_with_ehc_plans_by_local_authority(served: InProcessApp):
    plans: dict[str, int] = {}
    with EHC_PLANS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["geographic_level"] == "Local authority" and row["time_period"] == "202425" \
                    and row["breakdown_topic"] == "All EHC plans":
                plans[row["new_la_code"]] = int(row["ehcplans"])
    assert plans == {"E10000016": 20_635, "E06000035": 3_041}  # SOURCES.md: January 2025
    body = _reach(served, "utla")
    rows = _rows(body)
    kent, medway = rows["E10000016"], rows["E06000035"]
    assert (kent["area_name"], medway["area_name"]) == ("Kent", "Medway")
    assert medway["expected_share"] == pytest.approx(3_041 / (20_635 + 3_041))
    assert kent["expected_source"] == "DfE EHC plans, January 2025, Kent and Medway, by local authority"
    # 75 Kent and 25 Medway families, rounded to 5; Medway's is the same cell as its LAD row
    assert (kent["responses"], medway["responses"]) == (75, 25)
    assert medway["responses"] == _rows(_reach(served, "lad"))["E06000035"]["responses"]
    assert medway["reach_status"] == "not under-reached"
    assert {"out_of_area", "unknown"} <= set(rows)


def test_without_the_caseload_kent_and_medway_reach_uses_children_0_17(tmp_path: Path):
    from analytics.reach import UTLA_SOURCE, expected_shares

    lads = load_area_pack().lads
    expected = {r["area_code"]: r for r in expected_shares("utla", lads=lads).iter_rows(named=True)}
    assert expected["E06000035"]["expected_share"] == pytest.approx(65_441 / 412_012)  # Medway's children
    assert expected["E10000016"]["expected_source"] == UTLA_SOURCE


def test_weighted_compare_can_rake_to_ehc_plans_by_authority(served: InProcessApp, tmp_path: Path):
    def compare(service: InProcessApp, **params: str) -> Any:
        with service.client(ANALYST_TOKEN) as client:
            return client.get("/api/v1/waves/2026-autumn/compare", params={"weighted": "true", **params})

    children, plans = compare(served), compare(served, targets="ehc_plans")
    assert children.status_code == plans.status_code == 200, plans.text
    assert plans.json()["targets"] == "ehc_plans"
    assert any("EHC plan" in n and "collapsed" in n for n in plans.json()["notes"])
    assert any("children aged 0-17" in n for n in children.json()["notes"])
    plain = InProcessApp(make_settings(tmp_path / "data"), FakeClock()).start()
    try:
        refused = compare(plain, targets="ehc_plans")
    finally:
        plain.stop()
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "targets"
