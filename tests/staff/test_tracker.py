"""The live tracker on a planted wave: Swale and Thanet clearly under their share of children, every other area
in proportion, some responses through outreach sources and on paper or by phone, over three weeks.

The tracker must name exactly Swale and Thanet, with the shortfall of the worked formula, and agree with
scipy's exact binomial test and statsmodels' Holm on the exact figures (internal: for signed-in analysts);
flag every count under 10 as not publishable while showing it; give nobody signed out anything; and name the
field of every bad parameter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import Browser
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from analytics.tracker import GROUP_COLUMNS, shortfall_of, uk_days, with_shortfall
from tests.browsing import axe_violations
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, Service, collect_all

WAVE = "2026-autumn"
SWALE, THANET = "E07000113", "E07000114"
UNDER = {SWALE: 0.4, THANET: 0.4}  # these answer at 40% of their share; the others make up the rest
IN_AREA = 600
DAYS = [dt.date(2026, 11, d) for d in range(2, 23)]  # three weeks, 2 to 22 November
Cli = Callable[..., subprocess.CompletedProcess[str]]
OAK, FORUM, GP = "TREE2345", "FRM23456", "GPSRG789"  # ids of the form the registry makes
SOURCES = {OAK: ("Oak Tree School SENCO", False), FORUM: ("Parent forum", False),
           GP: ("GP surgery poster", True)}
# (channel, source, how many): the rest come through the form without a source
PLANTED = [("paper", None, 12), ("phone", None, 7), ("form", OAK, 150), ("form", FORUM, 40),
           ("form", GP, 6), ("api", None, 60)]
OUT_OF_AREA, NO_POSTCODE = 8, 5


@dataclass(frozen=True)
class Planted:
    service: Service
    lads: dict[str, int]  # true responses per LAD
    channels: dict[str, int]
    sources: dict[str, int]
    phone_days: dict[dt.date, int]


def _lad_counts(service: Service) -> dict[str, int]:
    lads = service.services.areas.lads
    shares = dict(zip(lads["lad_code"], lads["children_0_17"] / lads["children_0_17"].sum(), strict=True))
    under = {code: round(shares[code] * IN_AREA * factor) for code, factor in UNDER.items()}
    rest = IN_AREA - sum(under.values())
    others = {c: s for c, s in shares.items() if c not in UNDER}
    counts = {c: round(s / sum(others.values()) * rest) for c, s in others.items()}
    return {**counts, **under}


def _postcodes(service: Service) -> dict[str, str]:
    districts = service.services.areas.districts.filter(pl.col("in_area")).sort("lad_share", descending=True)
    first = districts.group_by("lad_code", maintain_order=True).agg(pl.col("postcode_district").first())
    return dict(first.iter_rows())


def _plant(service: Service) -> Planted:
    """The planted wave, sent through `Services.collect` (as the API and the form do: collect_all) on its days."""
    clock, services = service.clock, service.services
    for source_id, (name, _) in SOURCES.items():  # registered with known ids, so the tests can name them
        services.store.writer.run(lambda cursor, s=source_id, n=name: cursor.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, NULL)", [s, WAVE, n, dt.datetime(2026, 11, 1)])).result()
    services.sources.reload()
    lads, codes = _lad_counts(service), _postcodes(service)
    places = [codes[lad] for lad, n in sorted(lads.items()) for _ in range(n)] + ["SW1A"] * OUT_OF_AREA + \
        [None] * NO_POSTCODE
    ways = [(channel, source) for channel, source, n in PLANTED for _ in range(n)]
    ways += [("form", None)] * (len(places) - len(ways))
    # Deal the ways out across the places (every 7th, so each channel reaches many areas) and the days.
    order = sorted(range(len(places)), key=lambda i: (i * 7) % len(places))
    phone_days: dict[dt.date, int] = {}
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for k, i in enumerate(order):
        channel, source = ways[k]
        day = DAYS[(k * 5) % len(DAYS)]
        if channel == "phone":
            day = DAYS[k % 3 + 4]  # the phone responses on three days only
            phone_days[day] = phone_days.get(day, 0) + 1
        if source == OAK:
            day = DAYS[k % 2 + 7]  # the school's newsletter went out on 9 November
        by_day.setdefault(day, []).append({"answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": places[i],
                                           "channel": channel, "source": source})
    for day, bodies in sorted(by_day.items()):
        clock.now = dt.datetime.combine(day, dt.time(11), dt.UTC)
        collect_all(service, WAVE, bodies)
    for source_id, (_, retired) in SOURCES.items():  # retired once its responses are in
        if retired:
            services.sources.retire(services.sources.get(source_id), dt.datetime(2026, 11, 20))
    clock.now = dt.datetime(2026, 11, 22, 10, 37, tzinfo=dt.UTC)
    channels = {c: sum(n for ch, _, n in PLANTED if ch == c) for c in ("paper", "phone", "api")}
    channels["form"] = len(places) - sum(channels.values())
    sources = {s: sum(n for _, src, n in PLANTED if src == s) for s in SOURCES}
    return Planted(service, lads, channels, sources, phone_days)


@pytest.fixture(scope="module")
def planted(module_service: Service) -> Planted:
    return _plant(module_service)


@pytest.fixture(scope="module")
def planted_live(module_live: Service) -> Planted:
    return _plant(module_live)


@pytest.fixture
def analyst(planted: Planted) -> Iterator[httpx.Client]:
    with planted.service.client(ANALYST_TOKEN) as client:
        yield client


def _tracker(client: httpx.Client, **params: str) -> dict[str, object]:
    return _tracker_of(client, WAVE, **params)


def _tracker_of(client: httpx.Client, wave: str, **params: str) -> dict[str, object]:
    response = client.get(f"/api/v1/waves/{wave}/tracker", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _smallest_k(p: float, x: int, n: int) -> int:
    """The shortfall by search, not by the formula: the first k with (x + k) / (n + k) >= p."""
    k = 0
    while (x + k) < p * (n + k) - 1e-12:
        k += 1
    return k


# --- the shortfall ----------------------------------------------------------------------------------------


def test_shortfall_worked_examples() -> None:
    # Share 10%, 20 of 500: 10% of 500 is 50, but each response added also adds to the total:
    # (20 + k) / (500 + k) >= 0.1 first holds at k = 34 (54/534 = 10.1%; 53/533 = 9.94%), not at 30.
    assert shortfall_of(0.1, 20, 500) == 34
    # Exactly on the share: 20% of 90 is 18; (10 + 10) / (90 + 10) = 20% exactly, so 10, not 11.
    assert shortfall_of(0.2, 10, 90) == 10
    assert shortfall_of(0.2, 30, 90) == 0  # over its share: nothing more needed
    for p, x, n in [(0.0833, 20, 600), (0.0723, 17, 600), (0.159, 0, 40), (0.05, 3, 1000)]:
        assert shortfall_of(p, x, n) == _smallest_k(p, x, n) == max(0, math.ceil((p * n - x) / (1 - p) - 1e-9))


@given(st.integers(1, 10_000).flatmap(lambda b: st.tuples(st.integers(0, b - 1), st.just(b))),
       st.integers(1, 5_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_shortfall_is_always_the_smallest_k_that_reaches_the_share(share: tuple[int, int],
                                                                        counts: tuple[int, int]) -> None:
    """For any share a/b, count and total: exact integer arithmetic, (x + k) b >= a (N + k), agrees with the
    formula, in the scalar and in the frame the tracker publishes."""
    (a, b), (x, n) = share, counts
    k = shortfall_of(a / b, x, n)
    assert (x + k) * b >= a * (n + k)
    assert k == 0 or (x + k - 1) * b < a * (n + k - 1)
    row = pl.DataFrame({"wave_id": ["w"], "area_level": ["lad"], "area_code": ["c"], "area_name": ["C"],
                        "responses": [x], "responses_band": [str(x)], "expected_share": [a / b],
                        "suppressed": [False], "under_reached": [False]})
    framed = with_shortfall(row.with_columns(**{c: pl.lit(None) for c in GROUP_COLUMNS if c not in row.columns
                                                and c not in ("shortfall", "retired")}), total=n, threshold=10)
    assert framed["shortfall"].to_list() == [k]


# --- on the planted wave ----------------------------------------------------------------------------------


def test_the_tracker_names_exactly_swale_and_thanet_first_with_their_shortfall(analyst: httpx.Client) -> None:
    body = _tracker(analyst, by="lad")
    rows, base = body["rows"], body["base"]
    assert isinstance(rows, list) and isinstance(base, int)
    under = [r["area_name"] for r in rows if r["under_reached"]]
    assert sorted(under) == ["Swale", "Thanet"]
    assert [r["area_name"] for r in rows[:2]] == sorted(under, key=lambda n: -next(
        r["shortfall"] for r in rows if r["area_name"] == n))
    for row in rows:
        if row["expected_share"] is None:  # out of area, unknown: outside the shares
            assert row["shortfall"] is None
            continue
        x = row["responses"]  # internal: exact
        assert row["shortfall"] == _smallest_k(row["expected_share"], x, base), row
        assert row["expected_responses"] == round(row["expected_share"] * base)
    shortfalls = [r["shortfall"] for r in rows if r["shortfall"] is not None]
    assert shortfalls == sorted(shortfalls, reverse=True)
    swale = next(r for r in rows if r["area_code"] == SWALE)
    assert swale["shortfall"] > 20  # about 30 short of 50 expected at this total


def test_verdicts_are_scipys_exact_test_with_statsmodels_holm_on_the_exact_figures(analyst: httpx.Client,
                                                                                  planted: Planted) -> None:
    body = _tracker(analyst, by="lad")
    rows = [r for r in body["rows"] if r["expected_share"] is not None]
    base = body["base"]
    assert base == sum(planted.lads.values()) and {r["area_code"]: r["responses"] for r in rows} == planted.lads
    p = [binomtest(r["responses"], base, r["expected_share"], alternative="less").pvalue for r in rows]
    adjusted = multipletests(p, method="holm")[1]
    assert [r["p_adjusted"] for r in rows] == pytest.approx(list(adjusted), rel=1e-9)
    assert [r["under_reached"] for r in rows] == [bool(a < 0.05) for a in adjusted]


def test_the_tracker_and_reach_never_disagree(analyst: httpx.Client) -> None:
    tracker = {r["area_code"]: r for r in _tracker(analyst, by="lad")["rows"]}
    reach = analyst.get(f"/api/v1/waves/{WAVE}/reach", params={"by": "lad"}).json()
    for row in reach["rows"]:
        mine = tracker[row["area_code"]]
        for column in ("responses", "responses_band", "expected_responses", "p_adjusted", "under_reached",
                       "reach_status", "publishable", "publishable_rule"):
            assert mine[column] == row[column], (row["area_name"], column)


def test_csv_holds_the_json_rows(analyst: httpx.Client) -> None:
    body = _tracker(analyst, by="lad")
    response = analyst.get(f"/api/v1/waves/{WAVE}/tracker", params={"by": "lad", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="internal-{WAVE}-tracker-lad.csv"' in response.headers["content-disposition"]
    read = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["area_name"] for r in read] == [r["area_name"] for r in body["rows"]]
    assert [r["shortfall"] for r in read] == ["" if r["shortfall"] is None else str(r["shortfall"])
                                              for r in body["rows"]]
    daily = analyst.get(f"/api/v1/waves/{WAVE}/tracker",
                        params={"format": "csv", "table": "daily"}, headers={"Accept": "text/csv"})
    read_daily = list(csv.DictReader(io.StringIO(daily.text)))
    assert [(r["date"], r["code"], r["responses_band"]) for r in read_daily] == \
        [(r["date"], r["code"], r["responses_band"]) for r in body["daily"]]
    workbook = analyst.get(f"/api/v1/waves/{WAVE}/tracker", params={"format": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as book:
        sheets = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
    assert sheets == ["README", "tracker", "daily", "notes"]


def test_sources_and_channels_retired_marked_small_ones_flagged(analyst: httpx.Client, planted: Planted) -> None:
    sources = {r["area_code"]: r for r in _tracker(analyst, by="source")["rows"]}
    assert set(sources) == {*SOURCES, "no_source"}
    assert sources[GP]["area_name"] == "GP surgery poster (retired)" and sources[GP]["retired"]
    assert sources[GP]["responses"] == 6 and sources[GP]["publishable"] is False
    assert sources[GP]["publishable_rule"] == "fewer than 10 responses (zero alike)"
    assert sources[OAK]["responses"] == 150 and sources[OAK]["publishable"] is True
    assert all(r["shortfall"] is None and r["reach_status"] == "no population figure" for r in sources.values())
    channels = {r["area_code"]: r for r in _tracker(analyst, by="channel")["rows"]}
    assert {c: r["responses"] for c, r in channels.items()} == planted.channels
    assert channels["phone"]["responses_band"] == "7" and channels["phone"]["publishable"] is False


def test_every_count_is_exact_and_each_under_10_is_flagged(analyst: httpx.Client) -> None:
    for by in ("lad", "district", "source", "channel", "ethnic_group", "send_status"):
        body = _tracker(analyst, by=by)
        assert body["classification"] == "Internal: not for publication"
        for row in [*body["rows"], *body["daily"]]:
            assert row["responses"] is not None and row["responses_band"] == str(row["responses"]), row
            if row["responses"] < 10:
                assert row["publishable"] is False and row["publishable_rule"].startswith("fewer than 10"), row


def test_the_daily_series_counts_uk_days_every_day_a_rounded_cell(analyst: httpx.Client, planted: Planted) -> None:
    daily = pl.DataFrame(_tracker(analyst)["daily"], infer_schema_length=None)
    channel = daily.filter(pl.col("breakdown") == "channel")
    dates = sorted(set(channel["date"].to_list()))
    assert dates[0] == "2026-10-01" and dates[-1] == "2026-11-22"  # from the day the wave opened
    assert channel.height == len(dates) * 4  # every day and every channel, zero days too
    assert set(daily.filter(pl.col("breakdown") == "source")["code"].to_list()) == {*SOURCES, "no_source"}


def test_the_daily_series_does_not_say_on_which_day_the_first_response_came(analyst: httpx.Client) -> None:
    """The series starts on the day the wave opened, not the first response's: the days before the first
    response are there, at 0, flagged as not publishable like any other small day."""
    daily = pl.DataFrame(_tracker(analyst)["daily"], infer_schema_length=None)
    before = daily.filter(pl.col("date") < DAYS[0].isoformat())
    assert before["date"].min() == "2026-10-01" and before["date"].n_unique() == (DAYS[0] - dt.date(2026, 10, 1)).days
    assert (before["responses"] == 0).all() and not before["publishable"].any()


def test_an_hour_is_counted_on_its_uk_day_in_summer_time_and_in_winter() -> None:
    hourly = pl.DataFrame({"submitted_hour": [dt.datetime(2026, 10, 20, 22), dt.datetime(2026, 10, 20, 23),
                                              dt.datetime(2026, 11, 6, 23)],
                           "code": ["form", "form", "paper"], "n": [3, 4, 5]})
    days = uk_days(hourly, codes=["form", "paper"])
    on = {(r["date"], r["code"]): r["responses"] for r in days.iter_rows(named=True)}
    assert on[(dt.date(2026, 10, 20), "form")] == 3  # 23:00 BST
    assert on[(dt.date(2026, 10, 21), "form")] == 4  # 00:00 BST the next day
    assert on[(dt.date(2026, 11, 6), "paper")] == 5  # 23:00 GMT: the same day
    assert days.height == 18 * 2 and days["responses"].sum() == 12  # every day from the first to the last


def _bounds_of_hidden_phone(channels: dict[str, int | None], days: list[int | None], everyone: int, *,
                            slack: int) -> tuple[float, float]:
    """The smallest and largest the phone total can be, given every published figure an attacker sets against
    it (an integer program, scipy's HiGHS): the channel totals and the phone days (a published p means
    p-slack..p+slack; a band 0..9), the count of all responses (the board report's total, the same), the
    channels adding up to it and the phone days to the phone total."""
    names = [*channels, *[f"day{i}" for i in range(len(days))]]

    def bound(value: int | None) -> tuple[int, int]:
        return (0, 9) if value is None else (max(0, value - slack), value + slack)

    lower, upper = zip(*[bound(v) for v in [*channels.values(), *days]], strict=True)
    is_phone = [1.0 if n == "phone" else 0.0 for n in names]
    phone_is_its_days = [p - (1.0 if n.startswith("day") else 0.0) for n, p in zip(names, is_phone, strict=True)]
    channels_add_up = [0.0 if n.startswith("day") else 1.0 for n in names]
    constraints = LinearConstraint([phone_is_its_days, channels_add_up], [0, everyone - slack], [0, everyone + slack])
    found = []
    for sign in (1, -1):
        result = milp([sign * c for c in is_phone], constraints=[constraints], integrality=[1] * len(names),
                      bounds=Bounds(list(lower), list(upper)))
        assert result.success
        found.append(sign * result.fun)
    return found[0], found[1]


def test_the_phone_count_is_shown_to_analysts_flagged_and_to_nobody_else(analyst: httpx.Client,
                                                                           planted: Planted) -> None:
    channels = {r["area_code"]: r for r in _tracker(analyst, by="channel")["rows"]}
    days = {r["date"]: r for r in _tracker(analyst)["daily"] if r["breakdown"] == "channel" and r["code"] == "phone"}
    truth = planted.channels["phone"]
    assert channels["phone"]["responses"] == truth and channels["phone"]["publishable"] is False
    assert {d: r["responses"] for d, r in days.items() if r["responses"]} == \
        {d.isoformat(): n for d, n in planted.phone_days.items()}
    assert not any(r["publishable"] for r in days.values())  # every phone day is under 10
    # Why the flags matter: hiding only the small cells of these exact figures is not enough for a release,
    # the other channels and the total pin the hidden phone count (so a release is checked as a whole).
    exact = {c: (n if n >= 10 else None) for c, n in planted.channels.items()}
    assert _bounds_of_hidden_phone(exact, [None] * len(days), sum(planted.channels.values()), slack=0) == \
        (truth, truth)
    with planted.service.client() as anyone:  # signed out: nothing at all, in any format
        for params in ({}, {"by": "channel", "format": "csv"}, {"table": "daily", "format": "xlsx"}):
            assert anyone.get(f"/api/v1/waves/{WAVE}/tracker", params=params).status_code == 401


# --- errors -----------------------------------------------------------------------------------------------


def test_bad_parameters_name_their_field(analyst: httpx.Client) -> None:
    for params, field in [({"by": "postcode_area"}, "by"), ({"by": "all"}, "by"), ({"format": "pdf"}, "format"),
                          ({"table": "weekly"}, "table")]:
        response = analyst.get(f"/api/v1/waves/{WAVE}/tracker", params=params)
        assert response.status_code == 400, params
        errors = response.json()["errors"]
        assert errors[0]["field"] == field, errors
        assert "use one of" in errors[0]["message"]
    response = analyst.get("/api/v1/waves/2031-winter/tracker")
    assert response.status_code == 404 and "2031-winter" in response.json()["detail"]
    response = analyst.get("/api/v1/waves/baseline-2019/tracker")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "wave"


def test_only_analysts_may_read_it(planted: Planted) -> None:
    with planted.service.client() as anyone:
        assert anyone.get(f"/api/v1/waves/{WAVE}/tracker").status_code == 401
        assert anyone.get(f"/tracker/{WAVE}").status_code == 401
    with planted.service.client(ADMIN_TOKEN) as admin:
        assert admin.get(f"/api/v1/waves/{WAVE}/tracker").status_code == 403


# --- the page ---------------------------------------------------------------------------------------------


def test_the_page_names_where_to_push_and_shows_the_same_figures(analyst: httpx.Client) -> None:
    rows = _tracker(analyst, by="lad")["rows"]
    page = analyst.get(f"/tracker/{WAVE}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    swale = next(r for r in rows if r["area_code"] == SWALE)
    thanet = next(r for r in rows if r["area_code"] == THANET)
    first, second = (swale, thanet) if swale["shortfall"] >= thanet["shortfall"] else (thanet, swale)
    assert (f"{first['area_name']} needs about {first['shortfall']} more responses to reach its share; "
            f"{second['area_name']} about {second['shortfall']} more.") in html
    assert "<svg" in html and "<script" not in html
    assert "Figures as at 10:37 on Sunday 22 November 2026 (UK time)" in html
    assert "style-src" in page.headers["content-security-policy"] and "unsafe-inline" not in \
        page.headers["content-security-policy"]
    for row in rows:
        if row["expected_share"] is not None:
            assert f'<th scope="row">{row["area_name"]}</th><td class="num">{row["responses_band"]}</td>' in html


def test_the_page_reloads_only_when_asked_and_says_how_to_stop(analyst: httpx.Client) -> None:
    quiet = analyst.get(f"/tracker/{WAVE}", params={"by": "channel"})
    assert "refresh" not in quiet.headers and 'http-equiv="refresh"' not in quiet.text
    assert f'href="/tracker/{WAVE}?by=channel&amp;refresh=on">Reload this page every 5 minutes</a>' in quiet.text
    live = analyst.get(f"/tracker/{WAVE}", params={"by": "channel", "refresh": "on"})
    assert live.headers["refresh"] == "300"
    assert f'href="/tracker/{WAVE}?by=channel&amp;refresh=off">Stop refreshing</a>' in live.text
    assert 'name="refresh" value="on"' in live.text  # switching the breakdown keeps it reloading


def test_by_district_the_chart_shows_the_largest_shortfalls_and_the_table_every_district(
        analyst: httpx.Client) -> None:
    rows = [r for r in _tracker(analyst, by="district")["rows"] if r["expected_share"] is not None]
    html = analyst.get(f"/tracker/{WAVE}", params={"by": "district"}).text
    assert f"(the first 15 of {len(rows)}; every one is in the table)" in html
    assert html.count('<th scope="row">') == len(rows) + len(set(r["date"] for r in _tracker(analyst)["daily"]))


def test_after_the_wave_closes_the_page_says_its_figures_are_final(seeded_analyst: httpx.Client) -> None:
    html = seeded_analyst.get(f"/tracker/{WAVE}").text  # the seeded clock is in April 2027
    assert "The wave has closed: these are its final figures." in html and "open until" not in html


def test_the_page_by_source_lists_every_source(analyst: httpx.Client) -> None:
    html = analyst.get(f"/tracker/{WAVE}", params={"by": "source"}).text
    assert "GP surgery poster (retired)" in html and "Oak Tree School SENCO" in html
    assert "Oak Tree School SENCO brought the most responses so far (150), then Parent forum (40); " \
        "1 more has fewer than 10. No outreach link: " in html
    assert "Internal: not for publication" in html and 'id="internal-figures"' in html
    channels = analyst.get(f"/tracker/{WAVE}", params={"by": "channel"}).text
    assert "Online form brought the most responses so far" in channels and "1 more has fewer than 10." in channels
    assert analyst.get(f"/tracker/{WAVE}", params={"by": "town"}).json()["errors"][0]["field"] == "by"


# --- in Chromium ------------------------------------------------------------------------------------------

SHOTS = os.environ.get("TRACKER_SCREENSHOTS")  # e.g. docs/img: save the screenshots the docs show


@pytest.mark.browser
@pytest.mark.uvicorn
@pytest.mark.parametrize("width", [375, 1280])
def test_in_chromium_the_headline_and_charts_show_and_axe_finds_nothing(planted_live: Planted, width: int,
                                                                         browser: Browser) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  extra_http_headers={"Authorization": f"Bearer {ANALYST_TOKEN}"})
    page = context.new_page()
    for by in ("lad", "channel", "source"):
        page.goto(f"{planted_live.service.url}/tracker/{WAVE}?by={by}&refresh=on")
        assert page.locator(".headline").is_visible()
        chart = page.locator("figure.chart[data-chart=tracker] svg").locator("visible=true")
        assert chart.count() == 1 and chart.bounding_box()["width"] <= width  # type: ignore[index]
        assert page.locator("figure[data-chart=daily] svg").locator("visible=true").count() == 1
        page.click("summary")  # the table of days, open, is checked too
        assert page.locator("details table").is_visible()
        assert axe_violations(page) == [], by
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        # a wide table scrolls in its own box, but its caption wraps on the screen, never cut off
        assert page.evaluate("""Math.max(...[...document.querySelectorAll('caption')].map(
            c => c.getBoundingClientRect().right))""") <= width, by
        if by == "lad":
            assert "Swale" in page.locator(".headline").inner_text()
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / f"tracker-{width}.png"), full_page=True,
                                clip={"x": 0, "y": 0, "width": width, "height": 1150 if width > 700 else 1500})
    page.click("text=Stop refreshing")
    assert "refresh=off" in page.url
    context.close()


# --- the command line -------------------------------------------------------------------------------------


@pytest.mark.slow  # the `surveyapp` command in subprocesses, as in tests/cli/test_cli.py
def test_cli_reads_the_file_and_gives_the_apis_figures(seeded_copy: Path, seeded_analyst: httpx.Client,
                                                       cli: Cli) -> None:
    """With no service running the CLI opens the file; a copy of the same data (same key, so the same
    rounding) served in process gives the same CSV."""
    local = cli(seeded_copy, "tracker", "--wave", WAVE, "--by", "lad", "--format", "csv")
    assert local.returncode == 0, local.stderr
    served = seeded_analyst.get(f"/api/v1/waves/{WAVE}/tracker", params={"by": "lad", "format": "csv"})
    assert local.stdout == served.text
    daily = cli(seeded_copy, "tracker", "--wave", WAVE, "--table", "daily", "--format", "csv")
    mine = daily.stdout.splitlines()
    theirs = seeded_analyst.get(f"/api/v1/waves/{WAVE}/tracker", params={"format": "csv", "table": "daily"}).text
    # The series runs to today: the CLI's clock is the machine's, the served copy's is the seeded one's (later).
    last = max(line.split(",")[2] for line in mine[1:])  # after the classification and wave_id columns
    assert mine == [line for line in theirs.splitlines()
                    if line.split(",")[2] <= last or line.startswith("classification")]


@pytest.mark.slow  # the `surveyapp` command in subprocesses, as in tests/cli/test_cli.py
@pytest.mark.uvicorn
def test_cli_through_the_running_service_prints_the_headline_and_table(seeded_live: Service, cli: Cli) -> None:
    data_dir = seeded_live.settings.data_dir  # held by the service: the CLI goes through it over HTTP
    shown = cli(data_dir, "tracker", "--wave", WAVE, "--by", "lad", url=seeded_live.url)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    with seeded_live.client(ANALYST_TOKEN) as client:
        body = client.get(f"/api/v1/waves/{WAVE}/tracker").json()
    assert "shortfall" in shown.stdout and body["rows"][0]["area_name"] in lines[4]  # the largest shortfall first
    assert lines[0].startswith(body["rows"][0]["area_name"]) or lines[0].startswith("No ")
    days = cli(data_dir, "tracker", "--wave", WAVE, "--table", "daily", "--by", "channel", url=seeded_live.url)
    assert days.returncode == 0 and "Online form" in days.stdout and "Paper" in days.stdout
    wrong = cli(data_dir, "tracker", "--wave", WAVE, "--by", "town", url=seeded_live.url)
    assert wrong.returncode == 1 and "by: use one of lad, district" in wrong.stderr


def test_a_wave_without_responses_yet_has_an_empty_tracker_that_says_so(start_service: object) -> None:
    service = start_service()  # type: ignore[operator]
    with service.client(ADMIN_TOKEN) as admin, service.client(ANALYST_TOKEN) as analyst:
        assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        body = _tracker_of(analyst, "2027-spring")
        assert body["base"] == 0 and body["daily"] == []
        assert all(r["shortfall"] is None and r["responses_band"] == "fewer than 10" for r in body["rows"])
        page = analyst.get("/tracker/2027-spring")
        assert page.status_code == 200
        assert '<p class="headline">No responses yet: the tracker fills in as they arrive.</p>' in page.text
        assert "The wave opens on 1 April 2027." in page.text
