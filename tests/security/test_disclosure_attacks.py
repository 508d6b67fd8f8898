"""Playing the attacker across every table the service publishes (issue 10).

A wave of 570 families, skewed on purpose (Dover 8, Dartford 5, Gravesham 5, out-of-area 8, no postcode 7;
3 Muslim, 4 Hindu and 2 Sikh families; a Thanet district of 5 and an Ashford of 12 split 8 + 4), is
submitted through the real service. The attacker then reads what an analyst can ask for (reach, compare all /
lad / district / religion, weighted or not, cohort) and tries each route the issue found, then all of them at
once: every published figure becomes a constraint on the true counts (a count shown as p is, under base-5
random rounding, between p - 4 and p + 4; a hidden row has fewer than 10; a shown row at least 10; totals
are sums of their parts), and an integer program (scipy's HiGHS) finds the smallest and largest true count
every hidden cell can have. A count is recovered when the two meet. None may, and the truth must always lie
between them (the attacker's constraints are true ones).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from tests.conftest import InProcessApp
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, FakeClock, keyed_data_dir, make_settings

SCORED = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]
ANSWERS = [*SCORED, "dont_know", None]  # None: the statement left unanswered
SLACK = 4  # base-5 random rounding moves a count by at most 4
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


def _keyed_data(tmp_path_factory: pytest.TempPathFactory, name: str, key_hex: str) -> Path:
    return keyed_data_dir(tmp_path_factory.mktemp(name) / "data", key_hex)


@pytest.fixture(scope="module")
def wave(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wave]:
    data = _keyed_data(tmp_path_factory, "skewed", "5e")
    clock = FakeClock()
    service = InProcessApp(make_settings(data), clock).start()
    families = _families()
    try:
        with service.client() as http, service.client(ADMIN_TOKEN) as admin:
            for f in families:
                q7 = {STATEMENT: f.answer, "making_progress": "neither"} if f.answer else {"making_progress": "neither"}
                body: dict[str, Any] = {"answers": {"q7": q7, "religion": f.religion, "ethnic_group": f.ethnic}}
                if f.place:
                    body["postcode"] = f.place
                sent = http.post("/api/v1/waves/2026-autumn/responses", json=body)
                assert sent.status_code == 201, sent.text
                f.code = sent.json()["return_code"]
            assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
            clock.now = dt.datetime(2027, 4, 10, 12, tzinfo=dt.UTC)
            # 40 families come back and every one of them is one step happier about health: the cohort row
            # would tell each family's change.
            back = [f for f in families if f.answer in SCORED[1:]][:40]
            for f in back:
                better = SCORED[SCORED.index(str(f.answer)) - 1]
                body = {"answers": {"q7": {STATEMENT: better, "making_progress": "neither"}}, "return_code": f.code}
                assert http.post("/api/v1/waves/2027-spring/responses", json=body).status_code == 201
        yield Wave(families, service)
    finally:
        service.stop()


# --- The attacker's integer program ----------------------------------------------------------------------


class Attacker:
    """Unknown true counts (non-negative integers) and what the published figures say about them."""

    def __init__(self, atoms: Sequence[tuple[str | None, str | None]]) -> None:
        self.atoms = list(atoms)
        self.index = {a: i for i, a in enumerate(self.atoms)}
        self.rows: list[np.ndarray] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def vector(self, chosen: Sequence[tuple[str | None, str | None]]) -> np.ndarray:
        row = np.zeros(len(self.atoms))
        for atom in chosen:
            row[self.index[atom]] = 1
        return row

    def says(self, chosen: Sequence[tuple[str | None, str | None]], low: float, high: float) -> None:
        self.rows.append(self.vector(chosen))
        self.low.append(low)
        self.high.append(high)

    def published(self, chosen: Sequence[tuple[str | None, str | None]], value: int) -> None:
        """A rounded count: the true sum is within SLACK of it."""
        self.says(chosen, value - SLACK, value + SLACK)

    def range_of(self, chosen: Sequence[tuple[str | None, str | None]]) -> tuple[int, int]:
        """The smallest and largest true sum over `chosen` consistent with everything published."""
        target = self.vector(chosen)
        constraints = LinearConstraint(np.array(self.rows), np.array(self.low), np.array(self.high))
        ends = []
        for sign in (1, -1):
            found = milp(sign * target, constraints=constraints, integrality=np.ones(len(self.atoms)),
                         bounds=Bounds(0, np.inf))
            assert found.success, found.message
            ends.append(round(sign * found.fun))
        return ends[0], ends[1]


def _places(wave: Wave) -> dict[str | None, str]:
    """Place -> LAD-level code, for the places the district table lists (what the attacker can see)."""
    rows = [r for r in wave.get("2026-autumn/compare", by="district")["rows"] if r["statement_id"] == STATEMENT]
    return {None if r["area_code"] == "unknown" else r["area_code"]: _district_lad(r["area_code"]) for r in rows}


def _district_lad(place: str) -> str:
    """The published postcode-district to LAD lookup of the area pack."""
    from waves.areas.pack import load_area_pack

    if place == "unknown":
        return "unknown"
    districts = load_area_pack().districts
    match = districts.filter((districts["postcode_district"] == place) & districts["in_area"])
    return str(match["lad_code"][0]) if match.height else "out_of_area"


def _truth(wave: Wave, places: Sequence[str | None], answers: Sequence[str | None] = tuple(ANSWERS)) -> int:
    return sum(1 for f in wave.families if f.place in places and f.answer in answers)


def _attacker(wave: Wave) -> tuple[Attacker, dict[str | None, str]]:
    places = _places(wave)
    return Attacker([(p, a) for p in places for a in ANSWERS]), places


def _cells(places: Sequence[str | None], answers: Sequence[str | None]) -> list[tuple[str | None, str | None]]:
    return [(p, a) for p in places for a in answers]


def _add_compare(attacker: Attacker, rows: list[dict[str, Any]], members: dict[str, list[str | None]],
                 small: set[str]) -> None:
    """Compare rows of STATEMENT: a shown row's answer counts (each rounded) and its base of at least 10; a
    hidden row's base under 10 when it is small (`small`: the attacker is told which hidden rows are small)."""
    for r in rows:
        if r["statement_id"] != STATEMENT or r["area_code"] not in members:
            continue
        inside = members[r["area_code"]]
        if r["suppressed"]:
            if r["area_code"] in small:
                attacker.says(_cells(inside, SCORED), 0, 9)
            continue
        for answer in SCORED:
            attacker.published(_cells(inside, [answer]), r[answer])
        attacker.published(_cells(inside, ["dont_know"]), r["n_dont_know"])
        attacker.says(_cells(inside, SCORED), 10, np.inf)


def _add_reach(attacker: Attacker, rows: list[dict[str, Any]], members: dict[str, list[str | None]]) -> None:
    """Reach rows: responses rounded (or under 10), and the in-area total from responses / response_share."""
    inside: list[str | None] = []
    for r in rows:
        places = members.get(r["area_code"], [])
        if r["area_code"] not in ("out_of_area", "unknown"):
            inside += places
        if r["suppressed"]:
            attacker.says(_cells(places, ANSWERS), 0, 9)
            continue
        attacker.published(_cells(places, ANSWERS), r["responses"])
        attacker.says(_cells(places, ANSWERS), 10, np.inf)
    shown = next(r for r in rows if r["response_share"])
    attacker.published(_cells(inside, ANSWERS), round(shown["responses"] / shown["response_share"]))


def _lads(places: dict[str | None, str]) -> dict[str, list[str | None]]:
    members: dict[str, list[str | None]] = {}
    for place, lad in places.items():
        members.setdefault(lad, []).append(place)
    return members


def _assert_hidden(attacker: Attacker, wave: Wave, targets: dict[str, tuple[list[str | None], list[str | None]]]
                   ) -> dict[str, tuple[int, int, int]]:
    """Every target (places, answers) with a true count under 10: the truth lies within the attacker's range,
    and the range holds more than one count."""
    found = {}
    for name, (places, answers) in targets.items():
        true = _truth(wave, places, answers)
        low, high = attacker.range_of(_cells(places, answers))
        assert low <= true <= high, f"{name}: the attacker's constraints are wrong ({low}..{high}, truth {true})"
        assert high > low, f"{name}: recovered exactly as {true}"
        found[name] = (low, true, high)
    return found


SMALL_LAD_TARGETS = {
    "Dover": (["CT16"], SCORED), "Dartford": (["DA1"], SCORED), "Gravesham": (["DA11"], SCORED),
    "out of area": (["BR1"], SCORED), "unknown": ([None], SCORED),
    "Dover responses": (["CT16"], ANSWERS), "out-of-area responses": (["BR1"], ANSWERS),
}


def test_route_1_reach_total_from_a_share_does_not_give_the_hidden_area(wave: Wave) -> None:
    attacker, places = _attacker(wave)
    members = _lads(places)
    rows = wave.get("2026-autumn/reach", by="lad")["rows"]
    _add_reach(attacker, rows, members)
    shown = next(r for r in rows if r["response_share"])
    total = shown["responses"] / shown["response_share"]
    published = sum(r["responses"] for r in rows if r["responses"] and r["area_code"] not in ("out_of_area",
                                                                                          "unknown"))
    naive_hidden = total - published  # the route: total minus the published areas
    assert naive_hidden != pytest.approx(8 + 5 + 5)  # Dover, Dartford and Gravesham together
    _assert_hidden(attacker, wave, {k: v for k, v in SMALL_LAD_TARGETS.items() if k.endswith("responses")})
    # The areas the view exists to find are not hidden as complements: Ashford's 12 and Swale's 30 are shown.
    by_name = {r["area_name"]: r for r in rows}
    assert by_name["Ashford"]["responses"] is not None and by_name["Swale"]["responses"] is not None
    assert by_name["Dover"]["responses_band"] == "fewer than 10" and by_name["Dover"]["expected_responses"] > 0


def test_route_2_unweighted_minus_weighted_does_not_give_out_of_area_or_the_hidden_lad(wave: Wave) -> None:
    attacker, places = _attacker(wave)
    members = _lads(places)
    everything = list(places)
    in_area = [p for p, lad in places.items() if lad not in ("out_of_area", "unknown")]
    for weighted in ("false", "true"):
        [row] = [r for r in wave.get("2026-autumn/compare", by="all", weighted=weighted)["rows"]
                 if r["statement_id"] == STATEMENT]
        _add_compare(attacker, [row], {"all": in_area if weighted == "true" else everything}, set())
        lad_rows = wave.get("2026-autumn/compare", by="lad", weighted=weighted)["rows"]
        _add_compare(attacker, lad_rows, members, {"E07000108", "E07000107", "E07000109", "out_of_area", "unknown"})
    [plain] = [r for r in wave.get("2026-autumn/compare", by="all")["rows"] if r["statement_id"] == STATEMENT]
    [weighted_row] = [r for r in wave.get("2026-autumn/compare", by="all", weighted="true")["rows"]
                      if r["statement_id"] == STATEMENT]
    naive = plain["n_valid"] - weighted_row["n_valid"]  # the route: out-of-area and unknown
    assert naive != _truth(wave, ["BR1", None], SCORED) or naive % 5 == 0
    _assert_hidden(attacker, wave, {k: v for k, v in SMALL_LAD_TARGETS.items() if not k.endswith("responses")})


def test_route_3_compare_by_religion_against_reach_by_religion(wave: Wave) -> None:
    groups = [*RELIGIONS, "no_religion"]
    attacker = Attacker([(g, a) for g in groups for a in ANSWERS])
    members = {g: [g] for g in groups}
    truth = {g: [f.answer for f in wave.families if f.religion == g] for g in groups}
    reach_rows = [r for r in wave.get("2026-autumn/reach", by="religion")["rows"] if r["area_code"] in members]
    inside = [g for g in groups if g != "prefer_not_to_say"]
    for r in reach_rows:
        if r["suppressed"]:
            attacker.says(_cells([r["area_code"]], ANSWERS), 0, 9)
        else:
            attacker.published(_cells([r["area_code"]], ANSWERS), r["responses"])
            attacker.says(_cells([r["area_code"]], ANSWERS), 10, np.inf)
    shown = next(r for r in reach_rows if r["response_share"])
    attacker.published(_cells(inside, ANSWERS), round(shown["responses"] / shown["response_share"]))
    compare_rows = wave.get("2026-autumn/compare", by="religion")["rows"]
    _add_compare(attacker, compare_rows, members, {"muslim", "hindu", "sikh", "buddhist"})
    [everyone] = [r for r in wave.get("2026-autumn/compare", by="all")["rows"] if r["statement_id"] == STATEMENT]
    _add_compare(attacker, [everyone], {"all": groups}, set())
    for group in ("muslim", "hindu", "sikh"):
        true = len(truth[group])
        low, high = attacker.range_of(_cells([group], ANSWERS))
        assert low <= true <= high and high > low, (group, low, true, high)
        true_valid = sum(a in SCORED for a in truth[group])
        low, high = attacker.range_of(_cells([group], SCORED))
        assert low <= true_valid <= high and high > low, (group, low, true_valid, high)


def test_route_4_districts_against_lads(wave: Wave) -> None:
    attacker, places = _attacker(wave)
    members = _lads(places)
    district_rows = wave.get("2026-autumn/compare", by="district")["rows"]
    small = {p or "unknown" for p in places if _truth(wave, [p], SCORED) < 10}
    _add_compare(attacker, district_rows, {p or "unknown": [p] for p in places}, small)
    _add_compare(attacker, wave.get("2026-autumn/compare", by="lad")["rows"], members,
                 {lad for lad, inside in members.items() if _truth(wave, inside, SCORED) < 10})
    [everyone] = [r for r in wave.get("2026-autumn/compare", by="all")["rows"] if r["statement_id"] == STATEMENT]
    _add_compare(attacker, [everyone], {"all": list(places)}, set())
    targets = {"CT10 (Thanet minus CT9)": (["CT10"], SCORED), "TN23 (Ashford's 12 split)": (["TN23"], SCORED),
               "TN24": (["TN24"], SCORED), "CT16": (["CT16"], SCORED)}
    _assert_hidden(attacker, wave, targets)
    ashford = next(r for r in wave.get("2026-autumn/compare", by="lad")["rows"]
                   if r["area_name"] == "Ashford" and r["statement_id"] == STATEMENT)
    # Hidden only for its own size (12 families, fewer of them answering this statement), not as a complement.
    assert ashford["suppressed"] is (_truth(wave, ["TN23", "TN24"], SCORED) < 10)


def test_every_route_at_once(wave: Wave) -> None:
    attacker, places = _attacker(wave)
    members = _lads(places)
    in_area = [p for p, lad in places.items() if lad not in ("out_of_area", "unknown")]
    small_lads = {lad for lad, inside in members.items() if _truth(wave, inside, SCORED) < 10}
    for weighted in ("false", "true"):
        [row] = [r for r in wave.get("2026-autumn/compare", by="all", weighted=weighted)["rows"]
                 if r["statement_id"] == STATEMENT]
        _add_compare(attacker, [row], {"all": in_area if weighted == "true" else list(places)}, set())
        _add_compare(attacker, wave.get("2026-autumn/compare", by="lad", weighted=weighted)["rows"], members,
                     small_lads)
    small = {p or "unknown" for p in places if _truth(wave, [p], SCORED) < 10}
    _add_compare(attacker, wave.get("2026-autumn/compare", by="district")["rows"],
                 {p or "unknown": [p] for p in places}, small)
    _add_reach(attacker, wave.get("2026-autumn/reach", by="lad")["rows"], members)
    targets = {**SMALL_LAD_TARGETS, "CT10": (["CT10"], SCORED), "TN23": (["TN23"], SCORED),
               "TN24": (["TN24"], SCORED), "TN24 responses": (["TN24"], ANSWERS)}
    found = _assert_hidden(attacker, wave, targets)
    assert all(high - low >= 2 for low, _, high in found.values()), found


def test_derived_figures_carry_nothing_beyond_the_rounded_counts(wave: Wave) -> None:
    """Shares and means are the rounded counts' own, so they cannot pin a true count down further."""
    for by in ("all", "lad", "district", "religion"):
        for r in wave.get("2026-autumn/compare", by=by)["rows"]:
            if r["suppressed"]:
                assert r["n_valid"] is None and r["share_agree"] is None and r["mean_score"] is None
                continue
            counts = [r[a] for a in SCORED]
            assert all(c % 5 == 0 for c in counts) and r["n_valid"] == sum(counts)
            assert r["share_agree"] == pytest.approx((counts[0] + counts[1]) / sum(counts))
            assert r["mean_score"] == pytest.approx(sum(c * (5 - i) for i, c in enumerate(counts)) / sum(counts))
    for r in wave.get("2026-autumn/reach", by="lad")["rows"]:
        assert r["responses"] is None or r["responses"] % 5 == 0


def test_a_group_where_everyone_gave_the_same_answer_is_not_shown(wave: Wave) -> None:
    tonbridge = next(r for r in wave.get("2026-autumn/compare", by="lad")["rows"]
                     if r["area_name"] == "Tonbridge and Malling" and r["statement_id"] == STATEMENT)
    assert tonbridge["suppressed"] is True and tonbridge["share_agree"] is None  # 20 families, all "tend to agree"
    cohort = wave.get("2027-spring/cohort", against="2026-autumn")["rows"]
    health = next(r for r in cohort if r["statement_id"] == STATEMENT)
    assert health["suppressed"] is True and health["share_improved"] is None  # all 40 pairs one step better


def test_outputs_say_whether_they_are_publication_safe(wave: Wave) -> None:
    for path, params in [("2026-autumn/compare", {"by": "lad"}), ("2026-autumn/reach", {"by": "lad"}),
                         ("2027-spring/cohort", {"against": "2026-autumn"})]:
        assert any("Publication-safe" in note for note in wave.get(path, **params)["notes"])



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
    assert muslim["responses_band"] == "fewer than 10" and muslim["reach_status"] in (
        "under-reached", "not under-reached", "cannot yet be assessed")
    with wave.service.client(ANALYST_TOKEN) as client:
        r = client.get("/api/v1/waves/2027-spring/reach", params={"by": "religion", "pooled": "0"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "pooled"


# --- Issue 13's tables: outreach sources, channels, the live tracker and its daily series ---------------------
#
# A second wave of 157 families, each arriving on one of three days, by an outreach source (or none) and a
# channel: Oak Tree (60), a small partner of 7 (hidden everywhere), one of 14 that brought 10 on the first day
# and 4 on the second, the plain link the rest; 12 paper and 7 phone answers (staff), the rest the API; Dover
# 6, out of area 6, and 15 without a postcode (so the out-of-area row is the only hidden one outside the LADs).
# The attacker reads every table an analyst or admin is given about them (tracker by source, channel and LAD
# with its base and shortfall, the daily series by channel and by source, the sources admin list, reach by
# source, channel, LAD and upper-tier authority, with their bases) and sets them all against each other.

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
        with service.client() as public, service.client(ADMIN_TOKEN) as admin:
            ids = {}
            names = (("OAK", "Oak Tree School SENCO"), ("SMALL", "Small charity"), ("SPLIT", "Parent forum"))
            for name, label in names:
                made = admin.post("/api/v1/waves/2026-autumn/sources", json={"name": label})
                assert made.status_code == 201, made.text
                ids[name] = made.json()["source_id"]
            for a in sorted(arrivals, key=lambda a: a.day):
                clock.now = dt.datetime.combine(OUTREACH_DAYS[a.day], dt.time(10), dt.UTC)
                body: dict[str, Any] = {"answers": {"q7": {STATEMENT: "neither"}}}
                if a.place:
                    body["postcode"] = a.place
                if a.source != "no_source":
                    body["source"] = ids[a.source]
                if a.channel != "api":
                    body["channel"] = a.channel
                sent = (admin if a.channel != "api" else public).post("/api/v1/waves/2026-autumn/responses", json=body)
                assert sent.status_code == 201, sent.text
        yield Outreach(arrivals, service, ids)
    finally:
        service.stop()


Atom = tuple[str, str, int, str]  # source, channel, day, area (LAD code, out_of_area or unknown)


class OutreachAttacker:
    """The attacker's integer program over (source, channel, day, area) counts, for one rounding base."""

    def __init__(self, areas: Sequence[str], slack: int) -> None:
        self.atoms: list[Atom] = [(s, c, d, a) for s in ("OAK", "SMALL", "SPLIT", "no_source") for c in CHANNELS
                                  for d in range(len(OUTREACH_DAYS)) for a in areas]
        self.slack, self.inner = slack, Attacker(self.atoms)  # type: ignore[arg-type]

    def where(self, source: str | None = None, channel: str | None = None, day: int | None = None,
              areas: Sequence[str] | None = None) -> list[Atom]:
        return [t for t in self.atoms if (source is None or t[0] == source) and (channel is None or t[1] == channel)
                and (day is None or t[2] == day) and (areas is None or t[3] in areas)]

    def row(self, chosen: list[Atom], responses: int | None) -> None:
        """A published row: its rounded count and at least 10, or the band "fewer than 10" (0 to 9)."""
        if responses is None:
            self.inner.says(chosen, 0, 9)  # type: ignore[arg-type]
        else:
            self.inner.says(chosen, responses - self.slack, responses + self.slack)  # type: ignore[arg-type]
            self.inner.says(chosen, 10, np.inf)  # type: ignore[arg-type]

    def total(self, chosen: list[Atom], value: float) -> None:
        self.inner.says(chosen, round(value) - self.slack, round(value) + self.slack)  # type: ignore[arg-type]

    def range_of(self, chosen: list[Atom]) -> tuple[int, int]:
        return self.inner.range_of(chosen)  # type: ignore[arg-type]


def _base_of(rows: list[dict[str, Any]]) -> float:
    """A shares table's published base: any shown row's responses / response_share."""
    shown = next(r for r in rows if r["responses"] and r["response_share"])
    return float(shown["responses"] / shown["response_share"])


def _outreach_attack(outreach: Outreach, slack: int) -> OutreachAttacker:
    from waves.areas.pack import load_area_pack

    lads = load_area_pack().lads
    utla = dict(zip(lads["lad_code"], lads["utla_code"], strict=True))
    areas = [*lads["lad_code"].to_list(), "out_of_area", "unknown"]
    inside = lads["lad_code"].to_list()
    attacker = OutreachAttacker(areas, slack)
    code_of = {v: k for k, v in outreach.ids.items()} | {"no_source": "no_source"}
    for path in ("tracker", "reach"):
        for by in ("source", "channel"):
            rows = outreach.get(path, by=by)["rows"]
            for r in rows:
                key = {"source": code_of[r["area_code"]]} if by == "source" else {"channel": r["area_code"]}
                attacker.row(attacker.where(**key), r["responses"])  # type: ignore[arg-type]
            if path == "reach":  # the base: every response of the wave
                attacker.total(attacker.atoms, _base_of(rows))
    for s in outreach.get("sources", ADMIN_TOKEN):  # the admin list's counts
        attacker.row(attacker.where(source=code_of[s["source_id"]]), s["responses"])
    for r in outreach.get("tracker", by="lad")["daily"]:
        if dt.date.fromisoformat(r["date"]) not in OUTREACH_DAYS:
            continue  # the days before: the attacker is even told that none came then
        day = OUTREACH_DAYS.index(dt.date.fromisoformat(r["date"]))
        key = {"source": code_of[r["code"]]} if r["breakdown"] == "source" else {"channel": r["code"]}
        attacker.row(attacker.where(day=day, **key), r["responses"])  # type: ignore[arg-type]
    for path in ("tracker", "reach"):
        for by in ("lad", "utla") if path == "reach" else ("lad",):
            body = outreach.get(path, by=by)
            for r in body["rows"]:
                members = ([r["area_code"]] if r["area_code"] in ("out_of_area", "unknown") or by == "lad"
                           else [lad for lad in inside if utla[lad] == r["area_code"]])
                attacker.row(attacker.where(areas=members), r["responses"])
            attacker.total(attacker.where(areas=inside), body["base"] if path == "tracker"
                           else _base_of(body["rows"]))
    return attacker


def _outreach_targets(outreach: Outreach) -> dict[str, tuple[dict[str, Any], int]]:
    """The hidden counts an attacker wants, where to find them, and the truth."""
    a = outreach.arrivals
    return {
        "the small partner's responses": ({"source": "SMALL"}, sum(x.source == "SMALL" for x in a)),
        "the small partner on its first day": ({"source": "SMALL", "day": 0},
                                               sum(x.source == "SMALL" and x.day == 0 for x in a)),
        "Parent forum's second day (its total less its shown first day)": (
            {"source": "SPLIT", "day": 1}, sum(x.source == "SPLIT" and x.day == 1 for x in a)),
        "phone answers": ({"channel": "phone"}, sum(x.channel == "phone" for x in a)),
        "phone answers on the first day": ({"channel": "phone", "day": 0},
                                           sum(x.channel == "phone" and x.day == 0 for x in a)),
        "out of area (every response less the in-area total and the unknown row)": (
            {"areas": ["out_of_area"]}, sum(x.place == "BR1" for x in a)),
        "Dover": ({"areas": ["E07000108"]}, sum(x.place == "CT16" for x in a)),
    }


def test_outreach_tables_are_what_the_attacker_reads(outreach: Outreach) -> None:
    """The layout the attack relies on: the small cells hidden, the split partner's first day shown."""
    daily = outreach.get("tracker", by="lad")["daily"]
    split = [r["responses"] for r in daily if r["code"] == outreach.ids["SPLIT"]][-len(OUTREACH_DAYS):]
    assert split[0] is not None and split[1] is None
    channels = {r["area_code"]: r["responses"] for r in outreach.get("tracker", by="channel")["rows"]}
    assert channels["phone"] is None and channels["paper"] is not None
    lads = {r["area_code"]: r["responses"] for r in outreach.get("reach", by="lad")["rows"]}
    assert lads["out_of_area"] is None and lads["unknown"] is not None and lads["E07000108"] is None


def test_every_outreach_table_at_once_pins_no_hidden_count(outreach: Outreach) -> None:
    attacker = _outreach_attack(outreach, slack=SLACK)
    for name, (where, true) in _outreach_targets(outreach).items():
        low, high = attacker.range_of(attacker.where(**where))
        assert low <= true <= high, f"{name}: the attacker's constraints are wrong ({low}..{high}, truth {true})"
        assert high > low, f"{name}: recovered exactly as {true}"


def test_the_same_attack_without_rounding_recovers_hidden_counts(outreach: Outreach) -> None:
    """Base 1 (exact counts, small rows still hidden): the attack pins the small partner (every response less
    the shown sources) and out of area (all responses less the in-area total and the unknown row), and the
    split partner's hidden day is at most its total less its shown day. So the test above is able to fail."""
    services = outreach.service.services
    rounded = services.disclosure
    services.disclosure = dataclasses.replace(rounded, base=1)
    try:
        attacker = _outreach_attack(outreach, slack=0)
    finally:
        services.disclosure = rounded
    targets = _outreach_targets(outreach)
    for name in ("the small partner's responses",
                 "out of area (every response less the in-area total and the unknown row)"):
        where, true = targets[name]
        assert attacker.range_of(attacker.where(**where)) == (true, true), name
    where, true = targets["Parent forum's second day (its total less its shown first day)"]
    assert attacker.range_of(attacker.where(**where))[1] == true  # at most its total less the shown day


def test_a_hidden_rows_shortfall_is_made_of_published_figures_only(outreach: Outreach) -> None:
    """The shortfall of a "fewer than 10" row is worked with 9 in place of its count, on the published base: the
    same for any true count under 10, so shortfall and expected number cannot back it out."""
    import math

    body = outreach.get("tracker", by="lad")
    base = body["base"]
    for r in body["rows"]:
        if r["expected_share"] is None:
            assert r["shortfall"] is None
            continue
        p, x = r["expected_share"], 9 if r["responses"] is None else r["responses"]
        assert r["shortfall"] == max(0, math.ceil((p * base - x) / (1 - p) - 1e-9)), r
        assert r["expected_responses"] == round(p * base), r


# --- A hidden row's presence -----------------------------------------------------------------------------


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("area_code", "area_name", "comparison", "lad", "religion",
                                                       "source", "channel")}


def test_compare_has_a_row_for_every_group_so_a_hidden_rows_presence_says_nothing(start_service: Any) -> None:
    """Compare listed only the groups someone answered from: a hidden row (Sikh, Dover, a partner's link, phone;
    Dover and Sikh together in a two-way table) then said "at least one" where an absent one said none, so
    anyone knowing the one Sikh family in Dover learnt that they answered. Every group of the level now has a
    row, hidden alike whether it holds 0 or 1 to 9; by postcode district, every district of the area pack (those
    just outside the area, like BR1, too)."""
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
            assert nobody in rows, f"by {by}: no row for {nobody}, so the row for {answered} says someone answered"
            assert rows[answered]["suppressed"] and rows[nobody]["suppressed"]
            assert _figures(rows[answered]) == _figures(rows[nobody]), by
            codes = [x["area_code"] for x in r.json()["rows"]]
            assert codes == sorted(codes) or by == "lad", by  # in code order, not zero rows last


def test_cohort_by_a_group_has_a_row_for_every_group_too(wave: Wave) -> None:
    """As compare: cohort by a question listed only the groups with pairs, so a hidden group's row said that
    some family of it had answered twice. (The 40 returning families gave no religion in spring.)"""
    rows = wave.get("2027-spring/cohort", against="2026-autumn", by="religion")["rows"]
    codes = {r["area_code"] for r in rows if r["statement_id"] == STATEMENT}
    assert {"hindu", "sikh", "muslim", "christian", "not_answered"} <= codes
    assert all(r["suppressed"] for r in rows if r["area_code"] != "not_answered")


def test_reach_by_a_question_without_a_population_figure_lists_every_option(start_service: Any) -> None:
    """Reach by a question with no population figure (the child's main need; SEN status, multiple choice)
    listed only the options someone chose, so a hidden row said "at least one" (the one family whose child has
    a vision impairment had answered). Every option now has a row, hidden alike for 0 and 1 to 9."""
    service = start_service()
    with service.client() as public, service.client(ANALYST_TOKEN) as analyst:
        for need, status in [("semh", ["sen_support"])] * 30 + [("vi", ["ehcp"])]:
            body = {"answers": {"q7": {STATEMENT: "neither"}, "child_main_need": need, "send_status": status}}
            assert public.post("/api/v1/waves/2026-autumn/responses", json=body).status_code == 201
        for by, answered, nobody in (("child_main_need", "vi", "msi"), ("send_status", "ehcp", "ehc_assessment")):
            r = analyst.get("/api/v1/waves/2026-autumn/reach", params={"by": by})
            assert r.status_code == 200, r.text
            rows = {x["area_code"]: x for x in r.json()["rows"]}
            assert nobody in rows, f"by {by}: no row for {nobody}, so the row for {answered} says someone answered"
            assert rows[answered]["suppressed"] and rows[nobody]["suppressed"]
            assert {k: v for k, v in rows[answered].items() if k not in ("area_code", "area_name")} == \
                {k: v for k, v in rows[nobody].items() if k not in ("area_code", "area_name")}, by
