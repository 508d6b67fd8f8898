"""Themes counted like every other figure (issue 26 item 3): exact inside, with what a release could not show
flagged; in a final release, a table whose every count went through the release's check."""

from __future__ import annotations

import io
from collections import Counter

import polars as pl
import pytest

from tests.comments.themed import THEMES, WAVE, CodedWave, code, plant
from tests.conftest import StartService
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN

KENT = "E10000016"
MEDWAY = "E06000035"


@pytest.fixture(scope="module")
def planted_wave(start_module_service: StartService) -> CodedWave:
    """60 coded comments in the shipped wave, whose questionnaire has a codebook."""
    return plant(start_module_service())


def _expected(planted_wave: CodedWave, place: dict[str, str] | None = None) -> tuple[Counter, Counter]:
    """Worked out from what was planted, response by response: coded per area, and per area and theme."""
    coded: Counter = Counter()
    having: Counter = Counter()
    for lad, themes in planted_wave.responses.values():
        area = place[lad] if place else lad
        coded[area] += 1
        for theme in themes:
            having[(area, theme)] += 1
    return coded, having


def test_theme_counts_by_area_are_exact_and_flag_what_a_release_could_not_show(planted_wave: CodedWave) -> None:
    with planted_wave.service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/{WAVE}/themes", params={"by": "lad"})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["coded"] == len(planted_wave.responses) and body["notes"][0].startswith("Internal: not for publication")
    coded, having = _expected(planted_wave)
    rows = {(r["area_code"], r["theme_id"]): r for r in body["rows"]}
    lads = planted_wave.service.services.areas.lads["lad_code"].to_list()
    assert {lad for lad, _ in rows} >= set(lads)  # every LAD has its rows, comments or not
    for (lad, theme), row in rows.items():
        n, base = having[(lad, theme)], coded[lad]
        assert (row["responses"], row["coded"]) == (n, base)
        assert row["share"] == (pytest.approx(n / base) if base else None)
        assert row["publishable"] == (base >= 10 and n >= 10 and base - n >= 10), row
        assert row["publishable"] == (row["publishable_rule"] is None)
    thanet = rows[("E07000114", "communication")]
    assert thanet["area_name"] == "Thanet" and thanet["theme_label"] == "Communication"
    few = [r for (lad, _), r in rows.items() if 0 < coded[lad] < 10]
    assert few and all("fewer than 10 coded comments" in r["publishable_rule"] for r in few)
    assert any(r["publishable"] for r in rows.values())


def test_a_blind_second_coding_is_compared_never_counted(planted_wave: CodedWave) -> None:
    ids = sorted(planted_wave.responses)[:20]
    code(planted_wave.service, {rid: [t for t, _ in THEMES] for rid in ids}, coder="ben", blind=True)
    with planted_wave.service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/{WAVE}/themes", params={"format": "csv"})
    assert got.status_code == 200 and "internal-" in got.headers["content-disposition"]
    frame = pl.read_csv(io.BytesIO(got.content))
    _, having = _expected(planted_wave, place=dict.fromkeys(planted_wave.service.services.areas.lads["lad_code"], "all")
                          | {"E06000035": "all"})
    assert dict(zip(frame["theme_id"], frame["responses"], strict=True)) == {t: having[("all", t)] for t, _ in THEMES}
    assert frame["coded"].unique().to_list() == [len(planted_wave.responses)]


def test_themes_by_a_question_and_refusals(planted_wave: CodedWave) -> None:
    with planted_wave.service.client(ANALYST_TOKEN) as analyst:
        by_group = analyst.get(f"/api/v1/waves/{WAVE}/themes", params={"by": "ethnic_group_broad"})
        wrong = analyst.get(f"/api/v1/waves/{WAVE}/themes", params={"by": "shoe_size"})
        by_channel = analyst.get(f"/api/v1/waves/{WAVE}/themes", params={"by": "channel"})  # as the tracker breaks down
    api = [r for r in by_channel.json()["rows"] if r["area_code"] == "api"]  # the comments were sent through the API
    assert {r["coded"] for r in api} == {len(planted_wave.responses)}
    assert by_group.status_code == 200
    not_answered = [r for r in by_group.json()["rows"] if r["area_code"] == "not_answered"]
    assert {r["coded"] for r in not_answered} == {len(planted_wave.responses)}  # no family said, in this planted wave
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "by"
    with planted_wave.service.client() as nobody:
        assert nobody.get(f"/api/v1/waves/{WAVE}/themes").status_code == 401
    audit = planted_wave.service.store.rows("SELECT count(*) FROM audit_log WHERE action = 'internal themes read'")
    assert audit[0][0] >= 3


@pytest.mark.slow  # making the release runs its disclosure check: some 12 s of CPU, as in tests/releases/
def test_a_final_release_carries_themes_through_its_check(planted_wave: CodedWave) -> None:
    service = planted_wave.service
    with service.client(ADMIN_TOKEN) as admin:
        assert admin.post(f"/api/v1/admin/waves/{WAVE}/close").status_code == 200
        made = admin.post(f"/api/v1/waves/{WAVE}/releases", json={"stage": "final"})
    assert made.status_code == 201, made.text
    document = made.json()["document"]
    tables = {t["spec"]["table_id"]: t for t in document["tables"]}
    lads = service.services.areas.lads
    utla = dict(zip(lads["lad_code"], lads["utla_code"], strict=True))
    coded, having = _expected(planted_wave, place=utla)
    everyone = {"all": "all"} | {code: "all" for code in utla}
    coded_all, having_all = _expected(planted_wave, place=everyone)
    shown = 0
    for table_id, base_of, n_of in (("themes-utla", coded, having), ("themes-all", coded_all, having_all)):
        for row in tables[table_id]["rows"]:
            n, base = n_of[(row["area_code"], row["theme_id"])], base_of[row["area_code"]]
            if row["hidden"] is None:
                shown += 1
                assert row["responses"] % 5 == 0 and abs(row["responses"] - n) < 5 and n >= 10, row
                assert row["coded"] % 5 == 0 and abs(row["coded"] - base) < 5
            else:
                assert row["responses"] is None and row["coded"] is None and row["share"] is None
                assert row["hidden"] in ("small", "complement")
            if n < 10 or base < 10:
                assert row["hidden"] == "small", row  # a theme in a small area is a small cell
            if row["hidden"] == "complement":
                assert n >= 10  # hidden to protect another cell (all families minus Kent is Medway)
    # All families minus Kent is Medway's few: for each theme the check lets one of the two out, not both.
    assert shown >= 3 and document["check"]["passed"]
    assert {r["area_code"] for r in tables["themes-utla"]["rows"] if r["hidden"]} >= {MEDWAY}
    assert tables["themes-all"]["title"].startswith("What families wrote about")
