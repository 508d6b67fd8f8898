"""Playing the attacker across every table of internal figures (issues 10 and 22).

A wave of 570 families, skewed on purpose (Dover 8, Dartford 5, Gravesham 5, out-of-area 8, no postcode 7;
3 Muslim, 4 Hindu and 2 Sikh families; a Thanet district of 5 and an Ashford of 12 split 8 + 4), is
submitted through the real service. Issue 10's attacker set the analysts' rounded tables against each other
with an integer program; issue 22 showed that rounding could not hold against filters and planted responses,
and moved the line: signed-in analysts get exact figures, each row that a release could not show flagged
(`publishable: false` and the rule it fails), and only checked releases go out (analytics/outputcheck, whose
tests solve the integer programs over published tables). So here: every route the attacker used gives
nothing to anyone signed out (or with a token that is not a role's), and gives analysts the exact figure
with its flag.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import InProcessApp
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, FakeClock, collect_all, keyed_data_dir, make_settings

SCORED = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
ANSWERS = [*SCORED, "dont_know", None]  # None: the statement left unanswered
SMALL = "fewer than 10 responses (zero alike)"
STATEMENT = "health_met"

# Postcode district (None: no postcode) -> families. BR1 is out of the area.
PLACES: dict[str | None, int] = {
    "CT9": 190, "CT10": 5, "ME14": 120, "ME1": 60, "ME4": 40, "CT1": 60, "ME10": 30, "ME19": 20,
    "TN23": 8, "TN24": 4, "CT16": 8, "DA1": 5, "DA11": 5, "BR1": 8, None: 7,
}
RELIGIONS = {"muslim": 3, "hindu": 4, "sikh": 2, "buddhist": 6, "prefer_not_to_say": 15, "christian": 250}
ETHNIC = {"black_african": 3, "mixed_white_asian": 6, "asian_indian": 12, "other_arab": 2, "prefer_not_to_say": 10}


@dataclass
class Family:
    place: str | None
    religion: str
    ethnic: str
    answer: str | None
    code: str = ""


@dataclass
class Wave:
    families: list[Family]
    service: InProcessApp
    tables: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, **params: str) -> Any:
        key = path + repr(sorted(params.items()))
        if key not in self.tables:
            with self.service.client(ANALYST_TOKEN) as client:
                r = client.get(f"/api/v1/waves/{path}", params=params)
                assert r.status_code == 200, r.text
                self.tables[key] = r.json()
        return self.tables[key]


def _families() -> list[Family]:
    rng = random.Random(10)
    places = [p for p, n in PLACES.items() for _ in range(n)]
    rng.shuffle(places)
    religions = [r for r, n in RELIGIONS.items() for _ in range(n)]
    religions += ["no_religion"] * (len(places) - len(religions))
    ethnic = [e for e, n in ETHNIC.items() for _ in range(n)]
    ethnic += ["white_british"] * (len(places) - len(ethnic))
    rng.shuffle(religions)
    rng.shuffle(ethnic)
    families = []
    for place, religion, group in zip(places, religions, ethnic, strict=True):
        if place == "CT16":
            answer: str | None = "strongly_disagree"  # all of Dover the same: hidden as small anyway
        elif place == "ME19":
            answer = "tend_to_agree"  # all 20 of Tonbridge and Malling the same: group disclosure
        else:
            answer = rng.choices(ANSWERS, weights=[2, 4, 3, 3, 3, 1, 1])[0]
        families.append(Family(place, religion, group, answer))
    return families


def _body(f: Family) -> dict[str, Any]:
    q7 = {STATEMENT: f.answer, "making_progress": "neither"} if f.answer else {"making_progress": "neither"}
    body: dict[str, Any] = {"answers": {"q7": q7, "religion": f.religion, "ethnic_group": f.ethnic}}
    if f.place:
        body["postcode"] = f.place
    return body


def _keyed_data(tmp_path_factory: pytest.TempPathFactory, name: str, key_hex: str) -> Path:
    return keyed_data_dir(tmp_path_factory.mktemp(name) / "data", key_hex)


@pytest.fixture(scope="module")
def wave(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wave]:
    data = _keyed_data(tmp_path_factory, "skewed", "5e")
    clock = FakeClock()
    service = InProcessApp(make_settings(data), clock).start()
    families = _families()
    try:
        sent = collect_all(service, "2026-autumn", [_body(f) for f in families])
        for f, answer in zip(families, sent, strict=True):
            f.code = answer.return_code
        with service.client(ADMIN_TOKEN) as admin:
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
        # 40 families come back and every one of them is one step happier about health: the cohort row would
        # tell each family's change.
        back = [f for f in families if f.answer in SCORED[1:]][:40]
        collect_all(service, "2027-spring", [
            {"answers": {"q7": {STATEMENT: SCORED[SCORED.index(str(f.answer)) - 1], "making_progress": "neither"}},
             "return_code": f.code} for f in back])
        yield Wave(families, service)
    finally:
        service.stop()


# --- Internal figures: exact and flagged for analysts, nothing for anyone else ---------------------------------

ROUTES = [  # every table issue 10's attacker read, and issue 22's: filters, pooled waves
    ("2026-autumn/reach", {"by": "lad"}), ("2026-autumn/reach", {"by": "religion"}),
    ("2026-autumn/compare", {"by": "all"}), ("2026-autumn/compare", {"by": "all", "weighted": "true"}),
    ("2026-autumn/compare", {"by": "lad"}), ("2026-autumn/compare", {"by": "lad", "weighted": "true"}),
    ("2026-autumn/compare", {"by": "district"}), ("2026-autumn/compare", {"by": "religion"}),
    ("2026-autumn/compare", {"by": "religion", "filter": "religion:sikh,hindu"}),
    ("2027-spring/cohort", {"against": "2026-autumn"}), ("2027-spring/reach", {"by": "religion", "pooled": "2"}),
    ("2026-autumn/tracker", {"by": "religion"}),
]


def _places_of(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["area_code"]: r for r in rows if r.get("statement_id", STATEMENT) == STATEMENT}


def _truth(wave: Wave, places: Sequence[str | None], answers: Sequence[str | None] = tuple(ANSWERS)) -> int:
    return sum(1 for f in wave.families if f.place in places and f.answer in answers)


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_every_route_gives_nothing_to_anyone_signed_out(wave: Wave, fmt: str) -> None:
    for token in (None, "not-a-token", "x" * 600):
        with wave.service.client(token) as stranger:
            for path, params in ROUTES:
                refused = stranger.get(f"/api/v1/waves/{path}", params={**params, "format": fmt})
                assert refused.status_code == 401, (path, params, token)
                assert "responses" not in refused.text and "n_valid" not in refused.text
    with wave.service.client() as browser:  # a browser is sent to sign in, with nothing of the page
        page = browser.get("/results/2026-autumn", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


def test_small_areas_are_exact_for_analysts_and_flagged(wave: Wave) -> None:
    reach = _places_of(wave.get("2026-autumn/reach", by="lad")["rows"])
    assert {code: reach[code]["responses"] for code in ("E07000108", "E07000107", "E07000109", "out_of_area",
                                                        "unknown")} == {"E07000108": 8, "E07000107": 5,
                                                                        "E07000109": 5, "out_of_area": 8,
                                                                        "unknown": 7}
    assert all(reach[code]["publishable"] is False and reach[code]["publishable_rule"] == SMALL
               for code in ("E07000108", "E07000107", "E07000109", "out_of_area", "unknown"))
    assert reach["E07000105"]["responses"] == 12 and reach["E07000105"]["publishable"] is True  # Ashford
    # Route 1: the total less the shown areas is the hidden ones, exactly (internal figures are exact).
    base = wave.get("2026-autumn/reach", by="lad")["base"]
    shown = sum(r["responses"] for c, r in reach.items() if r["publishable"] and c not in ("out_of_area", "unknown"))
    assert base - shown == 8 + 5 + 5
    districts = _places_of(wave.get("2026-autumn/compare", by="district")["rows"])
    for place in ("CT10", "TN23", "TN24", "CT16"):
        assert districts[place]["n_valid"] == _truth(wave, [place], SCORED)
        assert districts[place]["publishable"] is False, place


def test_groups_of_a_few_families_are_exact_and_flagged_in_every_table(wave: Wave) -> None:
    reach = _places_of(wave.get("2026-autumn/reach", by="religion")["rows"])
    compare = _places_of(wave.get("2026-autumn/compare", by="religion")["rows"])
    pooled = _places_of(wave.get("2027-spring/reach", by="religion", pooled="2")["rows"])
    for group in ("muslim", "hindu", "sikh"):
        assert reach[group]["responses"] == RELIGIONS[group] and reach[group]["publishable_rule"] == SMALL
        valid = sum(f.answer in SCORED for f in wave.families if f.religion == group)
        assert compare[group]["n_valid"] == valid and compare[group]["publishable"] is False
        assert pooled[group]["responses"] == RELIGIONS[group] and pooled[group]["publishable"] is False
    filtered = wave.get("2026-autumn/compare", by="religion", filter="religion:sikh,hindu")["rows"]
    assert filtered and not any(r["publishable"] for r in filtered)


def test_derived_figures_are_the_exact_counts_own(wave: Wave) -> None:
    for by in ("all", "lad", "district", "religion"):
        for r in wave.get("2026-autumn/compare", by=by)["rows"]:
            counts = [r[a] for a in SCORED]
            assert None not in counts and r["n_valid"] == sum(counts)
            if r["n_valid"]:
                assert r["share_agree"] == pytest.approx((counts[0] + counts[1]) / sum(counts))
                assert r["mean_score"] == pytest.approx(sum(c * (5 - i) for i, c in enumerate(counts)) / sum(counts))
            assert r["publishable"] is (r["publishable_rule"] is None)
    everyone = next(r for r in wave.get("2026-autumn/compare", by="all")["rows"] if r["statement_id"] == STATEMENT)
    assert everyone["n_valid"] == sum(f.answer in SCORED for f in wave.families)


def test_a_group_where_everyone_gave_the_same_answer_is_shown_and_flagged(wave: Wave) -> None:
    tonbridge = next(r for r in wave.get("2026-autumn/compare", by="lad")["rows"]
                     if r["area_name"] == "Tonbridge and Malling" and r["statement_id"] == STATEMENT)
    assert (tonbridge["n_valid"], tonbridge["share_agree"]) == (20, 1.0)  # 20 families, all "tend to agree"
    assert tonbridge["publishable"] is False and tonbridge["publishable_rule"].startswith("everyone gave the same")
    cohort = wave.get("2027-spring/cohort", against="2026-autumn")["rows"]
    health = next(r for r in cohort if r["statement_id"] == STATEMENT)
    assert (health["n_pairs"], health["share_improved"]) == (40, 1.0)  # all 40 pairs one step better
    assert health["publishable"] is False and health["publishable_rule"].startswith("every pair changed")


def test_outputs_say_they_are_internal(wave: Wave) -> None:
    for path, params in ROUTES:
        body = wave.get(path, **params)
        assert body["classification"] == "Internal: not for publication", path
        assert body["notes"][0].startswith("Internal: not for publication"), path


# --- Comparisons that say what they compare ----------------------------------------------------------------


def test_area_rows_say_they_are_compared_with_the_kent_wide_2019_figure(wave: Wave) -> None:
    body = wave.get("2026-autumn/compare", by="lad")
    rows = {r["area_name"]: r for r in body["rows"] if r["statement_id"] == STATEMENT}
    thanet = rows["Thanet"]
    assert thanet["baseline_area_code"] == "all"
    assert thanet["comparison"] == "Thanet, Autumn 2026, vs Kent-wide 2019"
    assert any("county-wide figure" in note for note in body["notes"])
    # Medway is not in Kent County Council's 2019 survey: it is shown, but not compared with it.
    medway = rows["Medway"]
    assert medway["share_agree"] is not None and medway["baseline_share_agree"] is None
    assert medway["delta_share_agree"] is None and medway["p_value"] is None and medway["q_value"] is None
    assert "not compared" in medway["comparison"]


def test_benjamini_hochberg_runs_over_the_whole_table(wave: Wave) -> None:
    """The family is one whole table (every area at the level and every statement): statsmodels on its
    p-values gives its q-values, whichever rows a reader looks at."""
    from statsmodels.stats.multitest import multipletests

    rows = [r for r in wave.get("2026-autumn/compare", by="lad")["rows"] if r["p_value"] is not None]
    expected = multipletests([r["p_value"] for r in rows], method="fdr_bh")[1]
    assert [r["q_value"] for r in rows] == pytest.approx(list(expected))


def test_wave_on_wave_by_area_says_so(wave: Wave) -> None:
    # The 40 spring families gave no postcode; autumn's 7 without one are too few for a row of their own, so
    # the spring row is compared with autumn's whole wave, and says so.
    [row] = [r for r in wave.get("2027-spring/compare", by="lad", baseline="2026-autumn")["rows"]
             if r["area_code"] == "unknown" and r["statement_id"] == "making_progress"]
    assert row["baseline_area_code"] == "all"
    assert row["comparison"] == "Unknown, Spring 2027, vs all areas, Autumn 2026"


def test_reach_pooled_over_waves_names_them_and_a_bad_pool_is_a_400(wave: Wave) -> None:
    body = wave.get("2027-spring/reach", by="religion", pooled="2")
    assert {r["wave_id"] for r in body["rows"]} == {"2026-autumn+2027-spring"}
    muslim = next(r for r in body["rows"] if r["area_code"] == "muslim")
    assert muslim["responses_band"] == "3" and muslim["publishable"] is False and muslim["reach_status"] in (
        "under-reached", "not under-reached", "cannot yet be assessed")
    with wave.service.client(ANALYST_TOKEN) as client:
        r = client.get("/api/v1/waves/2027-spring/reach", params={"by": "religion", "pooled": "0"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "pooled"


# --- Issue 13's tables: outreach sources, channels, the live tracker and its daily series ---------------------
#
# A second wave of 157 families, each arriving on one of three days, by an outreach source (or none) and a
# channel: Oak Tree (60), a small partner of 7, one of 14 that brought 10 on the first day and 4 on the second,
# the plain link the rest; 12 paper and 7 phone answers (staff), the rest the API; Dover 6, out of area 6, and
# 15 without a postcode. Issue 13's attacker set every table about them against each other (tracker by source,
# channel and LAD, the daily series, the sources admin list, reach by source, channel, LAD and upper-tier
# authority); now analysts read each exact count with its flag, and nobody signed out reads any.

OUTREACH_DAYS = [dt.date(2026, 11, 22), dt.date(2026, 11, 23), dt.date(2026, 11, 24)]
OUTREACH_PLACES: dict[str | None, int] = {"CT9": 60, "ME14": 40, "ME4": 30, "CT16": 6, "BR1": 6, None: 15}
CHANNELS = ["form", "api", "paper", "phone"]


@dataclass(frozen=True)
class Arrival:
    source: str  # OAK, SMALL, SPLIT or no_source (the attacker's names; the service's ids are looked up)
    channel: str
    day: int
    place: str | None


@dataclass
class Outreach:
    arrivals: list[Arrival]
    service: InProcessApp
    ids: dict[str, str]  # OAK/SMALL/SPLIT -> source id

    def get(self, path: str, token: str = ANALYST_TOKEN, **params: str) -> Any:
        with self.service.client(token) as client:
            r = client.get(f"/api/v1/waves/2026-autumn/{path}", params=params)
            assert r.status_code == 200, r.text
            return r.json()


def _arrivals() -> list[Arrival]:
    places = [p for p, n in OUTREACH_PLACES.items() for _ in range(n)]
    random.Random(13).shuffle(places)
    plan = ([("SPLIT", "api", 0)] * 10 + [("SPLIT", "api", 1)] * 4
            + [("SMALL", "api", d) for d in (0, 0, 0, 1, 1, 2, 2)]
            + [("no_source", "phone", d) for d in (0, 1, 2, 0, 1, 2, 0)]
            + [("no_source", "paper", i % 3) for i in range(12)]
            + [("OAK", "api", i % 3) for i in range(60)])
    plan += [("no_source", "api", i % 3) for i in range(len(places) - len(plan))]
    return [Arrival(s, c, d, p) for (s, c, d), p in zip(plan, places, strict=True)]


@pytest.fixture(scope="module")
def outreach(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outreach]:
    data = _keyed_data(tmp_path_factory, "outreach", "13")
    clock = FakeClock(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    service = InProcessApp(make_settings(data), clock).start()
    arrivals = _arrivals()
    try:
        with service.client(ADMIN_TOKEN) as admin:
            ids = {}
            names = (("OAK", "Oak Tree School SENCO"), ("SMALL", "Small charity"), ("SPLIT", "Parent forum"))
            for name, label in names:
                made = admin.post("/api/v1/waves/2026-autumn/sources", json={"name": label})
                assert made.status_code == 201, made.text
                ids[name] = made.json()["source_id"]
        days: dict[int, list[dict[str, Any]]] = {}
        for a in arrivals:
            body: dict[str, Any] = {"answers": {"q7": {STATEMENT: "neither"}}, "channel": a.channel}
            if a.place:
                body["postcode"] = a.place
            if a.source != "no_source":
                body["source"] = ids[a.source]
            days.setdefault(a.day, []).append(body)
        for day, bodies in sorted(days.items()):  # each day's families together, on their day
            clock.now = dt.datetime.combine(OUTREACH_DAYS[day], dt.time(10), dt.UTC)
            collect_all(service, "2026-autumn", bodies)
        yield Outreach(arrivals, service, ids)
    finally:
        service.stop()


def _targets(outreach: Outreach) -> dict[str, tuple[str, dict[str, str], str, int]]:
    """The small counts the attacker wanted: (table, its parameters, the row's code, the truth)."""
    a, ids = outreach.arrivals, outreach.ids
    return {
        "the small partner": ("tracker", {"by": "source"}, ids["SMALL"], sum(x.source == "SMALL" for x in a)),
        "phone answers": ("tracker", {"by": "channel"}, "phone", sum(x.channel == "phone" for x in a)),
        "out of area": ("reach", {"by": "lad"}, "out_of_area", sum(x.place == "BR1" for x in a)),
        "Dover": ("reach", {"by": "lad"}, "E07000108", sum(x.place == "CT16" for x in a)),
    }


def test_outreach_small_counts_are_exact_for_analysts_and_flagged(outreach: Outreach) -> None:
    for name, (path, params, code, true) in _targets(outreach).items():
        row = next(r for r in outreach.get(path, **params)["rows"] if r["area_code"] == code)
        assert (row["responses"], row["publishable"], row["publishable_rule"]) == (true, False, SMALL), name
    daily = outreach.get("tracker", by="lad")["daily"]
    split = [r["responses"] for r in daily if r["code"] == outreach.ids["SPLIT"]][-len(OUTREACH_DAYS):]
    assert split == [10, 4, 0]  # the split partner's days, exact: the second flagged
    assert [r["publishable"] for r in daily if r["code"] == outreach.ids["SPLIT"]][-len(OUTREACH_DAYS):] == \
        [True, False, False]
    listed = {s["source_id"]: s for s in outreach.get("sources", ADMIN_TOKEN)}  # the admin list: still banded
    assert listed[outreach.ids["SMALL"]]["responses"] is None


def test_every_outreach_table_gives_nothing_to_anyone_signed_out(outreach: Outreach) -> None:
    with outreach.service.client() as stranger:
        for path, params in [("tracker", {"by": "source"}), ("tracker", {"by": "channel"}),
                             ("tracker", {"by": "lad", "table": "daily", "format": "csv"}),
                             ("reach", {"by": "source"}), ("reach", {"by": "utla"}), ("sources", {})]:
            refused = stranger.get(f"/api/v1/waves/2026-autumn/{path}", params=params)
            assert refused.status_code == 401, path
        assert stranger.get("/tracker/2026-autumn", headers={"Accept": "text/html"}).status_code == 303


def test_a_rows_shortfall_is_worked_on_the_exact_figures(outreach: Outreach) -> None:
    import math

    body = outreach.get("tracker", by="lad")
    base = body["base"]
    for r in body["rows"]:
        if r["expected_share"] is None:
            assert r["shortfall"] is None
            continue
        p, x = r["expected_share"], r["responses"]
        assert r["shortfall"] == max(0, math.ceil((p * base - x) / (1 - p) - 1e-9)), r
        assert r["expected_responses"] == round(p * base), r


# --- Every group has a row -------------------------------------------------------------------------------


def test_compare_has_a_row_for_every_group(start_service: Any) -> None:
    """Every group of the level has a row, answered from or not (a release built from these tables must not
    say "at least one" by a row's presence): the group with one family shows its 1 (the used source its 31)
    and the group with none its 0, both flagged (everyone gave one answer, or fewer than 10); by postcode
    district, every district of the area pack (BR1, just outside, too)."""
    service = start_service()
    with service.client(ADMIN_TOKEN) as admin, service.client() as public, service.client(ANALYST_TOKEN) as analyst:
        used, unused = (admin.post("/api/v1/waves/2026-autumn/sources", json={"name": n}).json()["source_id"]
                        for n in ("Used", "Unused"))
        for _ in range(30):
            body: dict[str, Any] = {"answers": {"q7": {STATEMENT: "neither"}, "religion": "christian"},
                                    "postcode": "CT9 1AA", "source": used}
            assert public.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
        body = {"answers": {"q7": {STATEMENT: "neither"}, "religion": "sikh"}, "postcode": "CT16 1AA",
                "channel": "phone", "source": used}
        assert admin.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
        for by, answered, nobody in (("religion", "sikh", "hindu"), ("lad", "E07000108", "E07000107"),
                                     ("source", used, unused), ("channel", "phone", "paper"),
                                     ("lad,religion", "E07000108|sikh", "E07000107|hindu"),
                                     ("lad,religion", "E07000108|sikh", "E07000108|hindu"),
                                     ("source,channel", f"{used}|phone", f"{unused}|phone"),
                                     ("district", "CT16", "CT17"), ("district", "CT16", "BR1")):
            r = analyst.get("/api/v1/waves/2026-autumn/compare", params={"by": by})
            assert r.status_code == 200, r.text
            rows = {x["area_code"]: x for x in r.json()["rows"] if x["statement_id"] == STATEMENT}
            assert nobody in rows, f"by {by}: no row for {nobody}"
            assert (rows[answered]["n_valid"], rows[nobody]["n_valid"]) == (31 if by == "source" else 1, 0), by
            assert rows[answered]["publishable"] is False and rows[nobody]["publishable"] is False, by
            codes = [x["area_code"] for x in r.json()["rows"]]
            assert codes == sorted(codes) or by == "lad", by  # in code order, not zero rows last


def test_cohort_by_a_group_has_a_row_for_every_group_too(wave: Wave) -> None:
    """As compare. (The 40 returning families gave no religion in spring: every other group has 0 pairs.)"""
    rows = wave.get("2027-spring/cohort", against="2026-autumn", by="religion")["rows"]
    codes = {r["area_code"] for r in rows if r["statement_id"] == STATEMENT}
    assert {"hindu", "sikh", "muslim", "christian", "not_answered"} <= codes
    assert all(r["n_pairs"] == 0 and r["publishable"] is False for r in rows if r["area_code"] != "not_answered")


def test_reach_by_a_question_without_a_population_figure_lists_every_option(start_service: Any) -> None:
    """Every option has a row, chosen or not: the one family whose child has a vision impairment shows as 1,
    an option nobody chose as 0, both flagged."""
    service = start_service()
    with service.client() as public, service.client(ANALYST_TOKEN) as analyst:
        for need, status in [("semh", ["sen_support"])] * 30 + [("vi", ["ehcp"])]:
            body = {"answers": {"q7": {STATEMENT: "neither"}, "child_main_need": need, "send_status": status}}
            assert public.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
        for by, answered, nobody in (("child_main_need", "vi", "msi"), ("send_status", "ehcp", "ehc_assessment")):
            r = analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": by})
            assert r.status_code == 200, r.text
            rows = {x["area_code"]: x for x in r.json()["rows"]}
            assert nobody in rows, f"by {by}: no row for {nobody}"
            assert (rows[answered]["responses"], rows[nobody]["responses"]) == (1, 0), by
            assert rows[answered]["publishable"] is False and rows[nobody]["publishable"] is False, by
