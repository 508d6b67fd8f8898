"""The planted wave (3 Sikh families, a source that brought 6, district council areas of 4) released as the
council would: an interim release at 11:00, another at 13:00, the final once it closes; every table of the
default plan. No hidden count of any of them can be pinned to one value by an integer program over all three."""

from __future__ import annotations

import datetime as dt

import httpx
import polars as pl
import pytest

from surveyapp.actions.releases import published, published_bytes
from surveyapp.domain.release import decode
from surveyapp.store.releases import release_answers, release_responses
from tests.conftest import Harness
from tests.releases.attack import ANSWERS, SCORED, Count, counts_of, pinned
from tests.support import ADMIN_TOKEN
from waves.model import SingleChoice

WAVE = "2026-autumn"
STATEMENTS = ["local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
              "assessment_wait", "included_in_planning", "making_progress"]


def _release(admin: httpx.Client, body: dict[str, str]) -> str:
    made = admin.post(f"/api/v1/waves/{WAVE}/releases", json=body)
    assert made.status_code == 201, made.text
    release_id = made.json()["release_id"]
    check = made.json()["document"]["check"]
    assert check["passed"], [(r["rule"], r["detail"]) for r in check["rules"] if not r["passed"]]
    admin.post(f"/api/v1/releases/{release_id}/publish").raise_for_status()
    return str(release_id)


def _units(app: Harness) -> pl.DataFrame:
    """One row per planted response, with the attributes the plan's tables are made of (worked out here from the
    stored rows and the area pack, not by the release code)."""
    services = app.services
    wave = services.waves.get(WAVE)
    assert wave is not None
    singles = [q for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    end = dt.datetime(2100, 1, 1)
    rows = release_responses(services.store, WAVE, end, [q.id for q in singles])
    answers = release_answers(services.store, WAVE, end, "q7").pivot(on="statement_id", index="response_id",
                                                                      values="answer_id")
    lads = pl.read_csv("waves/areas/kent_medway/lads.csv")
    utla = dict(zip(lads["lad_code"], lads["utla_code"], strict=True))
    groups = {f"{q.id}_broad": pl.col(q.id).replace_strict({o.id: o.group or o.id for o in q.options}, default=None)
              for q in singles if any(o.group for o in q.options)}
    inside = pl.when(pl.col("area_status") == "in_area").then(pl.col("lad_code"))
    return rows.select("response_id", pl.col("submitted_hour").alias("stored_hour"), *[q.id for q in singles],
                       lad=inside, source=pl.col("source_id"), **groups).with_columns(
        utla=pl.col("lad").replace_strict(utla, default=None)).join(answers, on="response_id", how="left")


@pytest.mark.slow
def test_no_hidden_count_of_the_planted_wave_s_releases_is_pinned(planted_app: Harness) -> None:
    clock = planted_app.clock
    with planted_app.client(ADMIN_TOKEN) as admin:
        first = _release(admin, {"stage": "interim", "cutoff": "2026-11-22T11:00:00Z"})
        clock.now += dt.timedelta(minutes=5)  # type: ignore[attr-defined]
        second = _release(admin, {"stage": "interim", "cutoff": "2026-11-22T13:00:00Z"})
        clock.now += dt.timedelta(minutes=5)  # type: ignore[attr-defined]
        admin.post(f"/api/v1/admin/waves/{WAVE}/close").raise_for_status()
        final = _release(admin, {"stage": "final"})
        assert admin.post(f"/api/v1/waves/{WAVE}/releases", json={"stage": "final"}).status_code == 409
    documents = [decode(published_bytes(planted_app.services, r) or b"") for r in (first, second, final)]
    assert [r.release_id for r in published(planted_app.services)] == [final, second, first]
    tables = {t.spec.table_id for t in documents[2].tables if t.rows}
    assert {"reach-religion", "reach-lad", "tracker-source", "compare-lad-vs-baseline"} <= tables
    religion = documents[2].table("reach-religion")
    assert religion is not None
    sikh = next(r for r in religion.rows if r["area_code"] == "sikh")
    assert sikh["responses"] is None and sikh["hidden"] == "small"  # the three Sikh families
    units = _units(planted_app)
    cutoffs = sorted({d.cutoff.replace(tzinfo=None) for d in documents})
    counts: list[Count] = []
    for document in documents:
        counts += counts_of(document, cutoffs.index(document.cutoff.replace(tzinfo=None)))
    assert sum(c.hidden for c in counts) > 20  # the small groups are there to be attacked
    dims = [c for c in units.columns if c not in ("response_id", "stored_hour", *STATEMENTS)]
    assert pinned(units, cutoffs, dims, counts, STATEMENTS) == []


def test_the_attack_pins_a_count_left_open_to_differencing() -> None:
    """The attack itself: a total and all but one of its parts shown exactly pin the hidden part, and a base shown
    with all but one of its answers pins that one; with rounding's slack neither is pinned."""
    hour = dt.datetime(2026, 1, 1)
    units = pl.DataFrame({"response_id": list("abcdefgh"), "stored_hour": [hour] * 8, "lad": [*"xxxxxx", "y", "z"],
                          "s1": ["tend_to_agree"] * 7 + ["neither"]})
    answers = ("neither",)
    exact = [Count("lad x", 0, (("lad", "x"),), None, ANSWERS, 6, 6, False),
             Count("lad z", 0, (("lad", "z"),), None, ANSWERS, 1, 1, False),
             Count("total", 0, (), None, ANSWERS, 8, 8, False),
             Count("lad y", 0, (("lad", "y"),), None, ANSWERS, 0, 9, True),
             Count("all neither", 0, (), "s1", answers, 0, 9, True),
             Count("all agree", 0, (), "s1", SCORED[:2], 7, 7, False),
             Count("all disagree", 0, (), "s1", SCORED[3:], 0, 0, False),
             Count("all valid", 0, (), "s1", SCORED, 8, 8, False)]
    cutoff = [hour + dt.timedelta(hours=1)]
    assert pinned(units, cutoff, ["lad"], exact, ["s1"]) == ["all neither = 1", "lad y = 1"]
    blurred = [Count(c.where, 0, c.place, c.statement, c.answers, max(0, c.low - 4), c.high + 4, c.hidden)
               if not c.hidden else c for c in exact]
    assert pinned(units, cutoff, ["lad"], blurred, ["s1"]) == []
