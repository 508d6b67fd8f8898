"""Outreach sources through the real app and a real DuckDB file: an admin registers the partners who pass the
survey on, each source's link opens the form and its responses record it (never anything about the family),
JSON submissions name it, its QR code holds the link, and analysts see reach, compare and exports by source and
by channel, through the disclosure layer, against hand counts."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import polars as pl
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from surveyapp.domain.sources import ALPHABET, SourceError, clean_name
from surveyapp.domain.submission import Submission
from surveyapp.settings import SettingsError, from_env
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, FakeClock, Service

WAVE = "2026-autumn"
SOURCES = f"/api/v1/waves/{WAVE}/sources"
FORM = f"/survey/{WAVE}"
PUBLIC = "https://survey.example.org"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
ID = re.compile(f"[{ALPHABET}]{{8}}")


@pytest.fixture
def served(start_service) -> Service:  # type: ignore[no-untyped-def]
    return start_service(public_url=PUBLIC)  # type: ignore[no-any-return]


@pytest.fixture
def admin_http(served: Service) -> Iterator[httpx.Client]:
    with served.client(ADMIN_TOKEN) as client:
        yield client


def register(admin: httpx.Client, name: str, wave: str = WAVE) -> dict[str, object]:
    made = admin.post(f"/api/v1/waves/{wave}/sources", json={"name": name})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def respond(http: httpx.Client, source: str | None = None, answer: str = "tend_to_agree",
            wave: str = WAVE) -> httpx.Response:
    body: dict[str, object] = {"answers": {"q7": {"health_met": answer}}}
    if source is not None:
        body["source"] = source
    return http.post(f"/api/v1/waves/{wave}/responses", json=body)


def only_error(response: httpx.Response) -> dict[str, str]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]  # type: ignore[no-any-return]


# --- Registering, listing, renaming, retiring -----------------------------------------------------------------


def test_an_admin_registers_a_source_and_gets_a_short_unguessable_public_link(
        served: Service, admin_http: httpx.Client) -> None:
    made = register(admin_http, "  Oakfield School SENCO ")
    assert ID.fullmatch(str(made["source_id"])) and made["name"] == "Oakfield School SENCO"
    assert made["url"] == f"{PUBLIC}/s/{made['source_id']}" and made["status"] == "active"
    others = {register(admin_http, f"Partner {i}")["source_id"] for i in range(30)}
    assert len(others) == 30 and made["source_id"] not in others  # random, not a counter
    assert not any(c in "".join(map(str, others)) for c in "01OIL")
    listed = admin_http.get(SOURCES).json()
    assert [s["name"] for s in listed][:2] == ["Oakfield School SENCO", "Partner 0"] and len(listed) == 31
    assert listed[0]["responses"] is None and listed[0]["responses_band"] == "fewer than 10"
    assert listed[0]["created_at"] == "2026-11-22T10:37:12Z" and listed[0]["retired_at"] is None  # UTC
    assert served.count("SELECT count(*) FROM sources WHERE wave_id = ?", [WAVE]) == 31


def test_names_are_checked_and_a_refused_one_stores_nothing(served: Service, admin_http: httpx.Client) -> None:
    register(admin_http, "Parent forum")
    cases = {"": (400, "give the partner's name"), "   ": (400, "give the partner's name"),
             "x" * 81: (400, "shorten the name to 80 characters (it has 81)"),
             "Tab\there": (400, "remove the control characters"), "Zero\u200bwidth": (400, "remove the control"),
             " PARENT forum ": (409, "already has a source called 'PARENT forum'")}
    for name, (status, said) in cases.items():
        refused = admin_http.post(SOURCES, json={"name": name})
        assert refused.status_code == status, (name, refused.text)
        assert only_error(refused)["field"] == "name" and said in only_error(refused)["message"], refused.text
        assert refused.json()["detail"].startswith("Nothing was stored")
    assert admin_http.post(SOURCES, json={"title": "x"}).status_code == 400
    assert served.count("SELECT count(*) FROM sources") == 1
    assert len(register(admin_http, "x" * 80)["name"]) == 80  # 80 is allowed
    # Names are unique per wave: another wave may have its own parent forum.
    assert admin_http.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
    assert register(admin_http, "Parent forum", wave="2027-spring")["wave_id"] == "2027-spring"


def test_rename_keeps_the_link_and_retire_says_responses_are_then_stored_without_it(
        served: Service, admin_http: httpx.Client) -> None:
    school, forum = register(admin_http, "Oakfield School"), register(admin_http, "Parent forum")
    path = f"{SOURCES}/{school['source_id']}"
    renamed = admin_http.patch(path, json={"name": "Oakfield School SENCO"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Oakfield School SENCO"
    assert renamed.json()["url"] == school["url"]
    clash = admin_http.patch(path, json={"name": "parent FORUM"})
    assert clash.status_code == 409 and only_error(clash)["field"] == "name"
    assert admin_http.patch(path, json={"name": "oakfield school senco"}).status_code == 200  # its own name
    retired = admin_http.post(f"{SOURCES}/{forum['source_id']}/retire")
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert "still opens the form, but responses through it are stored without a source" in retired.json()["note"]
    again = admin_http.post(f"{SOURCES}/{forum['source_id']}/retire")
    assert again.status_code == 409 and "retired on 22 November 2026 already" in only_error(again)["message"]
    assert served.store.rows("SELECT name, retired_at IS NOT NULL FROM sources ORDER BY retired_at NULLS FIRST") == [
        ("oakfield school senco", False), ("Parent forum", True)]


def test_unknown_sources_and_waves_are_404s_naming_what_to_fix(admin_http: httpx.Client) -> None:
    school = register(admin_http, "Oakfield School")
    assert admin_http.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
    for path in (f"{SOURCES}/ZZZZZZZZ/retire", f"/api/v1/waves/2027-spring/sources/{school['source_id']}/retire"):
        missing = admin_http.post(path)
        assert missing.status_code == 404 and only_error(missing)["field"] == "source_id", missing.text
        assert "/sources lists them" in only_error(missing)["message"]
    assert admin_http.get("/api/v1/waves/no-such-wave/sources").status_code == 404
    baseline = admin_http.post("/api/v1/waves/baseline-2019/sources", json={"name": "x"})
    assert baseline.status_code == 409 and only_error(baseline)["field"] == "wave_id"


def test_only_the_admin_token_manages_sources(served: Service, admin_http: httpx.Client) -> None:
    school = register(admin_http, "Oakfield School")
    paths = [("GET", SOURCES), ("POST", SOURCES), ("PATCH", f"{SOURCES}/{school['source_id']}"),
             ("POST", f"{SOURCES}/{school['source_id']}/retire"), ("GET", f"{SOURCES}/{school['source_id']}/qr.png"),
             ("GET", f"{SOURCES}/{school['source_id']}/poster")]
    for token, status in ((None, 401), (ANALYST_TOKEN, 403), ("not-a-token-" * 3, 401)):
        with served.client(token) as client:
            for method, path in paths:
                assert client.request(method, path, json={"name": "x"}).status_code == status, (token, path)
    assert served.count("SELECT count(*) FROM sources") == 1


def test_the_registry_is_kept_across_a_restart(start_service, data_dir, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    first = start_service(data_dir=data_dir, clock=clock)
    with first.client(ADMIN_TOKEN) as admin:
        school = register(admin, "Oakfield School")
        admin.post(f"{SOURCES}/{register(admin, 'GP surgery')['source_id']}/retire")
    first.stop()
    again = start_service(data_dir=data_dir, clock=clock)
    with again.client(ADMIN_TOKEN) as admin, again.client() as http:
        assert [(s["name"], s["status"]) for s in admin.get(SOURCES).json()] == [
            ("Oakfield School", "active"), ("GP surgery", "retired")]
        assert respond(http, str(school["source_id"])).status_code == 201
    assert again.count("SELECT count(*) FROM responses WHERE source_id = ?", [school["source_id"]]) == 1


def test_two_admins_registering_the_same_name_at_once_get_one_source(served: Service) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> int:
        with served.client(ADMIN_TOKEN) as admin:
            return admin.post(SOURCES, json={"name": "Parent forum"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [201] + [409] * 7
    assert served.count("SELECT count(*) FROM sources") == 1


@given(st.text(max_size=120))
def test_a_name_is_either_refused_naming_name_or_kept_trimmed_within_80_plain_characters(name: str) -> None:
    try:
        kept = clean_name(name)
    except SourceError as exc:
        assert exc.field == "name" and exc.status == 400
        return
    assert 1 <= len(kept) <= 80 and kept == kept.strip() and clean_name(kept) == kept
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in kept)


def test_a_public_url_that_is_not_an_address_stops_the_service_naming_the_setting() -> None:
    for bad in ("survey.kent.gov.uk", "https://survey.kent.gov.uk/?x=1", "ftp://survey", "https://a b"):
        with pytest.raises(SettingsError, match="SURVEYAPP_PUBLIC_URL"):
            from_env({"SURVEYAPP_PUBLIC_URL": bad})
    assert from_env({"SURVEYAPP_PUBLIC_URL": "https://kent.gov.uk/survey/"}).form_url == "https://kent.gov.uk/survey"


# --- JSON submissions ---------------------------------------------------------------------------------------


def test_a_json_submission_records_its_source_and_a_bad_one_is_a_400_naming_source(
        served: Service, admin_http: httpx.Client) -> None:
    school, forum = register(admin_http, "Oakfield School"), register(admin_http, "Parent forum")
    assert admin_http.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
    spring = register(admin_http, "Spring partner", wave="2027-spring")
    admin_http.post(f"{SOURCES}/{forum['source_id']}/retire")
    with served.client() as http:
        assert respond(http, str(school["source_id"])).status_code == 201
        assert respond(http, str(school["source_id"]).lower()).status_code == 201  # typed from a poster
        assert respond(http).status_code == 201
        said = {}
        for typed in ("ZZZZZZZZ", str(spring["source_id"]), str(forum["source_id"]), "x" * 32):
            refused = respond(http, typed)
            assert refused.status_code == 400 and only_error(refused)["field"] == "source", refused.text
            said[typed] = only_error(refused)["message"]
        both = http.post(f"/api/v1/waves/{WAVE}/responses",
                         json={"answers": {"q7": {"health_met": "nope"}}, "source": "ZZZZZZZZ"})
    assert "there is no source 'ZZZZZZZZ'" in said["ZZZZZZZZ"] and "leave source out" in said["ZZZZZZZZ"]
    assert f"is a source of 2027-spring, not of {WAVE}" in said[str(spring["source_id"])]
    assert "was retired on 22 November 2026" in said[str(forum["source_id"])]
    assert {e["field"] for e in both.json()["errors"]} == {"answers.q7.health_met", "source"}  # all at once
    assert served.store.rows("SELECT source_id, count(*) FROM responses GROUP BY ALL ORDER BY ALL") == [
        (school["source_id"], 2), (None, 1)]


# --- The link and the families' form --------------------------------------------------------------------------


class Family:
    """A family's browser (its cookies) going through the form page by page."""

    def __init__(self, http: httpx.Client, clock: FakeClock) -> None:
        self.http, self.clock = http, clock

    def answer(self, slug: str, **fields: str) -> httpx.Response:
        page = self.http.get(f"{FORM}/q/{slug}")
        assert page.status_code == 200, page.text[:300]
        self.clock.now += dt.timedelta(seconds=4)
        saved = self.http.post(f"{FORM}/q/{slug}", data={**dict(HIDDEN.findall(page.text)), **fields})
        assert saved.status_code == 303, saved.text[:300]
        return saved

    def send(self) -> httpx.Response:
        hidden = dict(HIDDEN.findall(self.http.get(f"{FORM}/check").text))
        self.clock.now += dt.timedelta(seconds=4)
        sent = self.http.post(FORM, data=hidden)
        assert sent.status_code == 303 and sent.headers["location"] == f"{FORM}/thanks", sent.text[:300]
        return sent

    def answer_and_send(self) -> None:
        self.answer("code")
        self.answer("q7-health_met", **{"q7-health_met": "tend_to_agree"})
        self.send()


def test_the_link_opens_the_form_and_the_response_records_the_source_and_nothing_else(
        served: Service, admin_http: httpx.Client, clock: FakeClock) -> None:
    school = register(admin_http, "Oakfield School")
    with served.client() as http:
        opened = http.get(f"/s/{school['source_id']}")
        assert opened.status_code == 303 and opened.headers["location"] == FORM
        assert opened.headers["cache-control"] == "no-store"
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith(f"surveyapp_source={school['source_id']};")
        assert "HttpOnly" in cookie and f"Path={FORM}" in cookie and "SameSite=lax" in cookie
        family = Family(http, clock)
        start = http.get(FORM)  # the privacy notice says the source is kept
        assert "which partner passed the survey on to you (like your child&#39;s school)" in start.text
        visited = [str(start.url), str(family.answer("code").headers["location"])]
        assert served.store.rows("SELECT source_id FROM drafts") == [(school["source_id"],)]
        family.answer("q7-health_met", **{"q7-health_met": "tend_to_agree"})
        visited.append(family.send().headers["location"])
        assert not any(str(school["source_id"]) in url for url in visited)  # never in the family's addresses
        # The same device answers again for another child ("Start a new form"): the new form keeps the source.
        sent_page = http.get(f"{FORM}/q/code")
        assert sent_page.status_code == 409
        assert http.post(f"{FORM}/new", data=dict(HIDDEN.findall(sent_page.text))).status_code == 303
        family.answer_and_send()
    assert served.store.rows("SELECT source_id, channel FROM responses") == [(school["source_id"], "form")] * 2


def test_a_draft_started_before_the_link_was_opened_gets_the_source_on_its_next_page(
        served: Service, admin_http: httpx.Client, clock: FakeClock) -> None:
    school = register(admin_http, "Oakfield School")
    with served.client() as http:
        family = Family(http, clock)
        family.answer("code")
        assert served.store.rows("SELECT source_id FROM drafts") == [(None,)]
        http.get(f"/s/{str(school['source_id']).lower()}")  # typed by hand, in lower case
        family.answer("q7-health_met", **{"q7-health_met": "tend_to_agree"})
        family.send()
    assert served.store.rows("SELECT source_id FROM responses") == [(school["source_id"],)]


def test_a_retired_sources_link_still_opens_the_form_but_stores_no_source(
        served: Service, admin_http: httpx.Client, clock: FakeClock) -> None:
    forum, school = register(admin_http, "Parent forum"), register(admin_http, "Oakfield School")
    admin_http.post(f"{SOURCES}/{forum['source_id']}/retire")
    with served.client() as http:
        opened = http.get(f"/s/{forum['source_id']}")
        assert opened.status_code == 303 and opened.headers["location"] == FORM
        assert "set-cookie" not in opened.headers
        Family(http, clock).answer_and_send()
    with served.client() as http:  # retired after the family opened its link: sent without it
        http.get(f"/s/{school['source_id']}")
        family = Family(http, clock)
        family.answer("code")
        admin_http.post(f"{SOURCES}/{school['source_id']}/retire")
        family.answer("q7-health_met", **{"q7-health_met": "tend_to_agree"})
        family.send()
    assert served.store.rows("SELECT source_id FROM responses") == [(None,), (None,)]


def test_an_unknown_link_is_a_kind_404_page(served: Service) -> None:
    with served.client() as http:
        for typed in ("ZZZZZZZZ", "nothing", "%00"):
            page = http.get(f"/s/{typed}")
            assert page.status_code == 404 and "We cannot find that survey" in page.text
            assert "set-cookie" not in page.headers


# --- Breakdowns by source and by channel --------------------------------------------------------------------
# Every planted count is a multiple of 5, which base-5 rounding leaves as it is, so the published figures are the
# hand counts exactly; a count under 10 must not be shown at all.


@pytest.fixture(scope="module")
def planted(module_service: Service) -> dict[str, str]:
    """50 responses to health_met: School 15 (10 tend to agree, 5 strongly disagree), Forum 10 (5 strongly agree,
    5 neither), Retired 5 (tend to agree, then the source retired), GP none; 20 without a source: 10 on paper
    (5 strongly agree, 5 tend to disagree), 5 by phone and 5 through the API (neither)."""
    services = module_service.services
    wave = services.wave(WAVE)
    with module_service.client(ADMIN_TOKEN) as admin, module_service.client() as http:
        ids = {name: str(register(admin, name)["source_id"]) for name in ("School", "Forum", "Retired", "GP")}
        for source, answers in (("School", ["tend_to_agree"] * 10 + ["strongly_disagree"] * 5),
                                ("Forum", ["strongly_agree"] * 5 + ["neither"] * 5),
                                ("Retired", ["tend_to_agree"] * 5), (None, ["neither"] * 5)):
            for answer in answers:
                assert respond(http, ids[source] if source else None, answer).status_code == 201
        assert admin.post(f"{SOURCES}/{ids['Retired']}/retire").status_code == 200
    staff = [("paper", "strongly_agree")] * 5 + [("paper", "tend_to_disagree")] * 5 + [("phone", "neither")] * 5
    for channel, answer in staff:  # what staff entry (issue 13, part D) sends to the same path
        asyncio.run(services.collect(wave, Submission(answers={"q7": {"health_met": answer}}, channel=channel)))
    return ids


def rows(client: httpx.Client, path: str) -> pl.DataFrame:
    answered = client.get(path)
    assert answered.status_code == 200, answered.text
    return pl.DataFrame(answered.json()["rows"], infer_schema_length=None)


def test_reach_by_source_shows_every_source_with_shares_of_all_responses_and_no_population_figure(
        module_service: Service, planted: dict[str, str]) -> None:
    with module_service.client(ANALYST_TOKEN) as analyst:
        answered = analyst.get(f"/api/v1/waves/{WAVE}/reach?by=source")
        table = rows(analyst, f"/api/v1/waves/{WAVE}/reach?by=source")
    shown = {r["area_name"]: (r["responses"], r["responses_band"], r["response_share"])
             for r in table.iter_rows(named=True)}
    assert shown.pop(next(n for n in shown if n.startswith("No source"))) == (20, "20", 0.4)
    assert shown == {"School": (15, "15", 0.3), "Forum": (10, "10", 0.2), "Retired": (5, "5", 0.1),
                     "GP": (0, "0", 0.0)}  # internal: exact, the small ones flagged
    rules = {r["area_name"]: r["publishable_rule"] for r in table.iter_rows(named=True) if not r["publishable"]}
    assert rules.pop("Forum").startswith("complement")  # the smallest other row: with the total it gives 5 away
    assert rules == {"Retired": "fewer than 10 responses (zero alike)", "GP": "fewer than 10 responses (zero alike)"}
    assert set(table["reach_status"]) == {"no population figure"} and table["expected_share"].is_null().all()
    assert set(table["area_code"]) == {*planted.values(), "no_source"}
    assert any("no population figure" in note for note in answered.json()["notes"])
    stored = module_service.store.rows("SELECT coalesce(source_id, 'no_source'), count(*) FROM responses "
                                       "WHERE wave_id = ? GROUP BY ALL", [WAVE])
    assert {code: n for code, n in stored} == {planted["School"]: 15, planted["Forum"]: 10, planted["Retired"]: 5,
                                               "no_source": 20}


def test_reach_by_channel_counts_each_channel(module_service: Service, planted: dict[str, str]) -> None:
    with module_service.client(ANALYST_TOKEN) as analyst:
        table = rows(analyst, f"/api/v1/waves/{WAVE}/reach?by=channel")
    assert {r["area_code"]: (r["responses"], r["response_share"]) for r in table.iter_rows(named=True)} == {
        "api": (35, 0.7), "paper": (10, 0.2), "phone": (5, 0.1), "form": (0, 0.0)}
    assert set(table.filter(~pl.col("publishable"))["area_code"]) == {"phone", "form", "paper"}  # paper: complement
    assert table.filter(pl.col("area_code") == "paper")["area_name"].item() == "Paper, entered by staff"


def test_compare_by_source_and_by_channel_match_hand_counts(module_service: Service, planted: dict[str, str]) -> None:
    from statsmodels.stats.proportion import proportion_confint

    with module_service.client(ANALYST_TOKEN) as analyst:
        by_source = rows(analyst, f"/api/v1/waves/{WAVE}/compare?by=source").filter(
            pl.col("statement_id") == "health_met")
        by_channel = rows(analyst, f"/api/v1/waves/{WAVE}/compare?by=channel").filter(
            pl.col("statement_id") == "health_met")
        two_way = analyst.get(f"/api/v1/waves/{WAVE}/compare?by=lad,source")
    source = {r["area_code"]: r for r in by_source.iter_rows(named=True)}
    assert (source[planted["School"]]["n_valid"], source[planted["School"]]["share_agree"]) == (15, 10 / 15)
    low, high = proportion_confint(10, 15, method="wilson")
    assert source[planted["School"]]["share_agree_ci_low"] == pytest.approx(low)
    assert source[planted["School"]]["share_agree_ci_high"] == pytest.approx(high)
    assert (source[planted["Forum"]]["n_valid"], source[planted["Forum"]]["share_agree"]) == (10, 0.5)
    assert (source["no_source"]["n_valid"], source["no_source"]["share_agree"]) == (20, 5 / 20)
    retired = source[planted["Retired"]]  # 5: shown to analysts, flagged
    assert retired["publishable"] is False and (retired["n_valid"], retired["share_agree"]) == (5, 1.0)
    assert source[planted["School"]]["area_name"] == "School"
    channel = {r["area_code"]: r for r in by_channel.iter_rows(named=True)}
    assert (channel["api"]["n_valid"], channel["api"]["share_agree"]) == (35, 20 / 35)
    assert (channel["paper"]["n_valid"], channel["paper"]["share_agree"]) == (10, 0.5)
    assert channel["phone"]["publishable"] is False and channel["phone"]["n_valid"] == 5
    assert two_way.status_code == 200 and "source" in two_way.json()["rows"][0]


def test_the_admin_list_shows_each_sources_responses_rounded_as_reach_does(
        module_service: Service, planted: dict[str, str]) -> None:
    with module_service.client(ADMIN_TOKEN) as admin:
        listed = {s["name"]: (s["responses"], s["responses_band"], s["status"]) for s in admin.get(SOURCES).json()}
    assert listed == {"School": (15, "15", "active"), "Forum": (10, "10", "active"),
                      "Retired": (None, "fewer than 10", "retired"), "GP": (None, "fewer than 10", "active")}


def test_a_count_that_is_not_a_multiple_of_5_is_rounded_in_the_admin_list_and_exact_in_reach(
        served: Service, admin_http: httpx.Client) -> None:
    school = register(admin_http, "Oakfield School")
    with served.client() as http:
        for _ in range(12):
            assert respond(http, str(school["source_id"])).status_code == 201
    listed = admin_http.get(SOURCES).json()[0]["responses"]
    with served.client(ANALYST_TOKEN) as analyst:
        reach = rows(analyst, f"/api/v1/waves/{WAVE}/reach?by=source")
    assert listed in (10, 15) and reach.filter(pl.col("area_code") == school["source_id"])["responses"].item() == 12


def test_the_export_names_each_responses_source_and_the_dictionary_says_what_they_are(
        module_service: Service, planted: dict[str, str]) -> None:
    with module_service.client(ANALYST_TOKEN) as analyst:
        exported = analyst.get(f"/api/v1/waves/{WAVE}/export?format=parquet")
        dictionary = analyst.get(f"/api/v1/waves/{WAVE}/dictionary").json()
        sav = analyst.get(f"/api/v1/waves/{WAVE}/export?format=sav")
    frame = pl.read_parquet(io.BytesIO(exported.content))
    counted = frame.group_by("source_id", "source_name", "channel").len().sort("len", "source_name")
    assert {(r["source_id"], r["source_name"], r["channel"], r["len"]) for r in counted.iter_rows(named=True)} == {
        (planted["School"], "School", "api", 15), (planted["Forum"], "Forum", "api", 10),
        (planted["Retired"], "Retired", "api", 5), (None, None, "api", 5), (None, None, "paper", 10),
        (None, None, "phone", 5)}
    described = {row["name"]: row["text"] for row in dictionary}
    assert "outreach source" in described["source_id"] and "name" in described["source_name"]
    import pyreadstat

    with io.BytesIO(sav.content) as data:
        path = module_service.settings.data_dir / "export.sav"
        path.write_bytes(data.read())
    spss, meta = pyreadstat.read_sav(str(path))
    assert (spss["source_name"] == "School").sum() == 15 and "source_id" in meta.column_names


# --- QR codes and the poster -----------------------------------------------------------------------------------


def test_the_qr_codes_hold_the_sources_public_link(served: Service, admin_http: httpx.Client) -> None:
    import vl_convert

    school = register(admin_http, "Oakfield School")
    png = admin_http.get(f"{SOURCES}/{school['source_id']}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decoded(png.content) == [f"{PUBLIC}/s/{school['source_id']}"]
    svg = admin_http.get(f"{SOURCES}/{school['source_id']}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)  # noqa: S314 - our own service's SVG: well-formed, standalone, titled
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and f"/s/{school['source_id']}" in svg.text
    # Drawn by another renderer (resvg, inside vl-convert) and read back by zxing-cpp.
    assert decoded(vl_convert.svg_to_png(svg.text, scale=1)) == [f"{PUBLIC}/s/{school['source_id']}"]
    with served.client() as http:  # the code's link is the one that opens the form
        opened = http.get(str(school["url"]).removeprefix(PUBLIC))
    assert opened.status_code == 303 and opened.headers["location"] == FORM
    assert admin_http.get(f"{SOURCES}/ZZZZZZZZ/qr.png").status_code == 404


def test_the_poster_says_what_a_family_needs_to_take_part(start_service) -> None:  # type: ignore[no-untyped-def]
    service = start_service(public_url=PUBLIC, contact="Call 03000 41 41 41 for a paper copy.")
    with service.client(ADMIN_TOKEN) as admin:
        school = register(admin, "Oakfield School & Nursery")
        poster = admin.get(f"{SOURCES}/{school['source_id']}/poster")
        retired = register(admin, "GP surgery")
        admin.post(f"{SOURCES}/{retired['source_id']}/retire")
    assert poster.status_code == 200 and poster.headers["content-type"].startswith("text/html")
    page = poster.text
    for said in ("Your voice: SEND services in Kent and Medway", "Your voice: autumn 2026", "about 5 minutes",
                 "anonymous", "Open until 31 March 2027", f"survey.example.org/s/{school['source_id']}",
                 "Call 03000 41 41 41 for a paper copy.", "Passed on by Oakfield School &amp; Nursery",
                 "size: A4"):
        assert said in page, said
    assert "<svg" in page and 'role="img"' in page and "http" not in page.split("<svg", 1)[0].split("</style>")[1]
    assert "'sha256-" in poster.headers["content-security-policy"]  # its own style block, by hash
    assert "unsafe-inline" not in poster.headers["content-security-policy"]


# --- The command line ---------------------------------------------------------------------------------------


def decoded(png: bytes) -> list[str]:
    """What a QR reader (zxing-cpp) finds in a PNG."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.slow  # the `surveyapp` command in subprocesses, as in tests/cli/test_cli.py
@pytest.mark.uvicorn
def test_the_cli_manages_sources_on_the_file_and_through_the_running_service(
        cli, data_dir, tmp_path, start_service) -> None:  # type: ignore[no-untyped-def]
    env = {"SURVEYAPP_PUBLIC_URL": PUBLIC}
    made = cli(data_dir, "sources", "create", "--wave", WAVE, "Oakfield School", **env)
    assert made.returncode == 0, made.stderr
    source_id = made.stdout.split()[0]
    assert ID.fullmatch(source_id) and f"{PUBLIC}/s/{source_id}" in made.stdout
    refused = cli(data_dir, "sources", "create", "--wave", WAVE, "oakfield school", **env)
    assert refused.returncode == 1 and "already has a source called" in refused.stderr
    assert cli(data_dir, "sources", "qr", "--wave", WAVE, source_id, "--out", str(tmp_path / "qr.png"),
               **env).returncode == 0
    assert decoded((tmp_path / "qr.png").read_bytes()) == [f"{PUBLIC}/s/{source_id}"]
    live = start_service(live=True, data_dir=data_dir, public_url=PUBLIC)
    renamed = cli(data_dir, "sources", "rename", "--wave", WAVE, source_id, "Oakfield School SENCO", url=live.url)
    assert renamed.returncode == 0 and "Oakfield School SENCO" in renamed.stdout, renamed.stderr
    retired = cli(data_dir, "sources", "retire", "--wave", WAVE, source_id, url=live.url)
    assert retired.returncode == 0 and "stored without a source" in retired.stdout
    listed = cli(data_dir, "sources", "list", "--wave", WAVE, url=live.url)
    assert listed.returncode == 0 and re.search(rf"{source_id} +retired +fewer than 10 +Oakfield School SENCO",
                                                listed.stdout), listed.stdout
    assert cli(data_dir, "sources", "poster", "--wave", WAVE, source_id, "--out", str(tmp_path / "poster.html"),
               url=live.url).returncode == 0
    assert f"survey.example.org/s/{source_id}" in (tmp_path / "poster.html").read_text()


def test_families_who_follow_a_registered_sources_link_show_in_reach_and_the_tracker_alike(
        served: Service, admin_http: httpx.Client, clock: FakeClock) -> None:
    """Issue 13's end to end: a source registered through the API, 12 families through its link on the form, and
    the source in the admin list (rounded), reach by source and the tracker (its rows and its days, exact)."""
    school = register(admin_http, "Oakfield School SENCO")
    for _ in range(12):
        with served.client() as http:
            assert http.get(f"/s/{school['source_id']}").status_code == 303
            Family(http, clock).answer_and_send()
    with served.client() as http:  # and one family that came another way
        assert respond(http).status_code == 201
    assert served.count("SELECT count(*) FROM responses WHERE source_id = ?", [school["source_id"]]) == 12
    listed = admin_http.get(SOURCES).json()[0]
    with served.client(ANALYST_TOKEN) as analyst:
        reach = rows(analyst, f"/api/v1/waves/{WAVE}/reach?by=source")
        tracked = analyst.get(f"/api/v1/waves/{WAVE}/tracker", params={"by": "source"}).json()
        page = analyst.get(f"/tracker/{WAVE}", params={"by": "source"})
    in_reach = reach.filter(pl.col("area_code") == school["source_id"])["responses"].item()
    in_tracker = next(r for r in tracked["rows"] if r["area_code"] == school["source_id"])
    assert listed["responses"] in (10, 15) and in_reach == in_tracker["responses"] == 12
    assert in_tracker["area_name"] == "Oakfield School SENCO"
    days = [d for d in tracked["daily"] if d["breakdown"] == "source" and d["code"] == school["source_id"]]
    assert days and sum(d["responses"] for d in days) == 12
    assert page.status_code == 200 and "Oakfield School SENCO" in page.text
