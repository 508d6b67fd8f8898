"""Paper and phone: answers returned on paper or taken by phone are typed in by staff and stored with their
channel; nobody else can claim one. Over HTTP, through the real app and a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pyreadstat
import pytest

from tests.conftest import Harness, StartService, app_for
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, STAFF_TOKEN

RESPONSES = "/api/v1/waves/2026-autumn/responses"
BODY = {"answers": {"respondent_role": "parent_carer", "q7": {"health_met": "tend_to_agree"}}, "postcode": "CT9 1AA"}


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Harness:
    """The app with a staff token; the tests marked `shared` store nothing and make no draft (each checks so)."""
    return app_for(request, staff_token=STAFF_TOKEN)


@pytest.fixture
def staff(service: Harness) -> Iterator[httpx.Client]:
    with service.client(STAFF_TOKEN) as client:
        yield client


def channels(service: Harness) -> list[str]:
    return [row[0] for row in service.store.rows("SELECT channel FROM responses ORDER BY channel")]


# The JSON API's channel rule

def test_staff_and_admin_store_paper_and_phone_answers_through_the_api(service: Harness, staff: httpx.Client):
    assert staff.post(RESPONSES, json={**BODY, "channel": "paper"}).status_code == 201
    with service.client(ADMIN_TOKEN) as admin:
        assert admin.post(RESPONSES, json={**BODY, "channel": "phone"}).status_code == 201
    assert channels(service) == ["paper", "phone"]


def test_without_a_channel_the_api_stays_public_and_stores_api(service: Harness):
    with service.client() as anyone:
        assert anyone.post(RESPONSES, json=BODY).status_code == 201
        assert anyone.post(RESPONSES, json={**BODY, "channel": "api"}).status_code == 201
    assert channels(service) == ["api", "api"]


@pytest.mark.shared
def test_a_channel_without_a_token_is_401_and_stores_nothing(service: Harness):
    with service.client() as anyone:
        refused = anyone.post(RESPONSES, json={**BODY, "channel": "paper"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "channel" in refused.json()["detail"] and "staff" in refused.json()["detail"]
    with service.client("not-a-token-at-all-0123456789") as stranger:
        assert stranger.post(RESPONSES, json={**BODY, "channel": "phone"}).status_code == 401
    assert service.count() == 0


@pytest.mark.shared
def test_an_analyst_token_cannot_claim_a_channel(service: Harness):
    with service.client(ANALYST_TOKEN) as analyst:
        refused = analyst.post(RESPONSES, json={**BODY, "channel": "phone"})
    assert refused.status_code == 403
    assert "analyst" in refused.json()["detail"]
    assert service.count() == 0


@pytest.mark.shared
@pytest.mark.parametrize("channel", ["fax", "form", "PAPER", ""])
def test_an_unknown_channel_is_400_naming_it(service: Harness, staff: httpx.Client, channel: str):
    refused = staff.post(RESPONSES, json={**BODY, "channel": channel})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Some fields need fixing; nothing was stored."
    [error] = refused.json()["errors"]
    assert error["field"] == "channel" and "paper or phone" in error["message"]
    assert service.count() == 0


@pytest.mark.shared
@pytest.mark.parametrize("channel", ["paper" * 5, 7, ["paper"]])
def test_a_channel_that_is_not_a_short_text_is_400_naming_it(service: Harness, staff: httpx.Client, channel: object):
    refused = staff.post(RESPONSES, json={**BODY, "channel": channel})
    assert refused.status_code == 400 and refused.json()["detail"].endswith("nothing was stored.")
    assert [e["field"] for e in refused.json()["errors"]] == ["channel"]
    assert service.count() == 0


@pytest.mark.shared
def test_the_channel_is_in_the_openapi_schema(service: Harness):
    with service.client() as anyone:
        schema = anyone.get("/schema/openapi.json").json()
    fields = schema["components"]["schemas"]["SubmissionIn"]["properties"]
    assert "staff" in str(fields["channel"])


def test_staff_submissions_are_not_held_to_the_address_rate_limit(start_service: StartService):
    service = start_service(staff_token=STAFF_TOKEN, rate_limit_per_minute=3, rate_limit_per_hour=3)
    with service.client(STAFF_TOKEN) as staff, service.client() as anyone:
        assert [staff.post(RESPONSES, json={**BODY, "channel": "paper"}).status_code for _ in range(8)] == [201] * 8
        public = [anyone.post(RESPONSES, json=BODY).status_code for _ in range(4)]
    assert public == [201, 201, 201, 429]  # the families' allowance from the same address is untouched by staff's


# Exports carry the channel

@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_exports_carry_paper_and_phone(service: Harness, staff: httpx.Client, fmt: str, tmp_path):
    for channel in ("paper", "phone"):
        assert staff.post(RESPONSES, json={**BODY, "channel": channel}).status_code == 201
    with service.client() as anyone:
        assert anyone.post(RESPONSES, json=BODY).status_code == 201
    with service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/waves/2026-autumn/export?format={fmt}")
        dictionary = analyst.get("/api/v1/waves/2026-autumn/dictionary?format=json").json()
    assert got.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(got.content)
    frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    assert sorted(frame["channel"]) == ["api", "paper", "phone"]
    described = next(row for row in dictionary if row["name"] == "channel")
    assert "paper" in described["text"] + described["values"] and "phone" in described["text"] + described["values"]


# Staff mode of the families' form

WAVE = "/survey/2026-autumn"
ENTER = "/staff/2026-autumn/enter"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
CODE = re.compile(r'<strong class="code" id="code">([A-Z]+-[A-Z]+-\d{4})</strong>')


class Desk:
    """A staff member's browser: the staff token on every request, its own draft cookie."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def start(self, channel: str, reference: str = "", **fields: str) -> httpx.Response:
        page = self.http.get(ENTER)
        assert page.status_code == 200, page.text[:300]
        hidden = dict(HIDDEN.findall(page.text))
        return self.http.post(f"{WAVE}/staff", data={**hidden, "channel": channel, "reference": reference, **fields})

    def answer(self, slug: str, **fields: str) -> httpx.Response:
        page = self.http.get(f"{WAVE}/q/{slug}")
        assert page.status_code == 200, page.text[:300]
        return self.http.post(f"{WAVE}/q/{slug}", data={**dict(HIDDEN.findall(page.text)), **fields})

    def send(self) -> httpx.Response:
        check = self.http.get(f"{WAVE}/check")
        assert check.status_code == 200, check.text[:300]
        return self.http.post(WAVE, data=dict(HIDDEN.findall(check.text)))

    def enter(self, channel: str, reference: str = "", answer: str = "tend_to_agree") -> httpx.Response:
        assert self.start(channel, reference).status_code == 303
        self.answer("respondent_role", respondent_role="parent_carer")
        self.answer("q7-health_met", **{"q7-health_met": answer})
        return self.send()


@pytest.fixture
def desk(staff: httpx.Client) -> Desk:
    return Desk(staff)


def test_a_paper_form_entered_by_staff_is_stored_as_paper_with_the_form_checks_skipped_for_staff(
        service: Harness, desk: Desk):
    started = desk.start("paper", "42")
    assert started.status_code == 303 and started.headers["location"] == f"{WAVE}/q/code"
    page = desk.http.get(f"{WAVE}/q/respondent_role")
    assert "Staff mode: entering a paper form – reference 0042" in page.text  # the banner on the families' pages
    desk.answer("respondent_role", respondent_role="parent_carer")
    desk.answer("q7-health_met", **{"q7-health_met": "strongly_agree"})
    check = desk.http.get(f"{WAVE}/check")
    assert "reference 0042" in check.text and "Check your answers" in check.text
    sent = desk.http.post(WAVE, data=dict(HIDDEN.findall(check.text)))  # at once: no minimum fill time for staff
    assert sent.status_code == 303 and sent.headers["location"] == f"{WAVE}/staff/done"
    done = desk.http.get(sent.headers["location"])
    assert "Paper form 0042 entered" in done.text and CODE.search(done.text)
    assert 'href="/staff/2026-autumn/enter"' in done.text and "Enter another" in done.text
    assert desk.http.get(f"{WAVE}/thanks").headers["location"] == f"{WAVE}/staff/done"  # never the family's page
    assert service.store.rows("SELECT channel, submission_id FROM responses") == [("paper", "paper-ref:0042")]


def test_a_phone_call_is_stored_as_phone_and_staff_are_told_to_read_the_code_out(service: Harness, desk: Desk):
    sent = desk.enter("phone")
    done = desk.http.get(sent.headers["location"])
    assert "Phone answers entered" in done.text and "Read the code out to the caller" in done.text
    assert "Staff mode: phone answers entered" in done.text  # the banner reads as a sentence
    assert channels(service) == ["phone"]


def test_the_same_paper_reference_entered_twice_stores_one_response(service: Harness, desk: Desk):
    assert desk.enter("paper", "0042").status_code == 303
    again = desk.start("paper", "42")  # the same form, typed again later: refused before any answer is typed
    assert again.status_code == 409
    assert "Form 0042 has already been entered" in again.text and 'class="error-summary"' in again.text
    assert service.count() == 1


def test_two_staff_entering_the_same_form_at_once_store_it_once(service: Harness, staff: httpx.Client):
    with service.client(STAFF_TOKEN) as other:
        first, second = Desk(staff), Desk(other)
        for desk in (first, second):  # both start before either sends
            assert desk.start("paper", "0007").status_code == 303
            desk.answer("q7-health_met", **{"q7-health_met": "neither"})
        assert first.send().headers["location"] == f"{WAVE}/staff/done"
        same = second.send()  # the same answers: the same response, nothing new
        assert "already entered: nothing new stored" in second.http.get(same.headers["location"]).text
        assert Desk(other).start("paper", "0008").status_code == 303
        second.answer("q7-health_met", **{"q7-health_met": "neither"})
        assert second.send().status_code == 303
        assert first.start("paper", "0009").status_code == 303 and second.start("paper", "0009").status_code == 303
        first.answer("q7-health_met", **{"q7-health_met": "neither"})
        second.answer("q7-health_met", **{"q7-health_met": "strongly_disagree"})
        assert first.send().status_code == 303
        clash = second.send()  # other answers under the same reference: refused, saying so
    assert clash.status_code == 409 and "Form 0009 has already been entered" in clash.text
    assert service.count() == 3


def test_enter_another_starts_a_fresh_draft(service: Harness, desk: Desk):
    desk.enter("paper", "0001", answer="strongly_agree")
    page = desk.http.get(f"{WAVE}/q/respondent_role")
    assert page.status_code == 409 and "This form has been entered" in page.text  # the sent draft says so
    assert desk.start("paper", "0002").status_code == 303
    fresh = desk.http.get(f"{WAVE}/q/q7-health_met")
    assert "reference 0002" in fresh.text and " checked" not in fresh.text  # nothing carried over
    desk.answer("q7-health_met", **{"q7-health_met": "neither"})
    assert desk.send().status_code == 303
    assert sorted(r[0] for r in service.store.rows("SELECT submission_id FROM responses")) == [
        "paper-ref:0001", "paper-ref:0002"]


@pytest.mark.parametrize(("channel", "reference", "field", "message"), [
    ("", "0042", "#channel", "paper or by phone"),
    ("fax", "0042", "#channel", "paper or by phone"),
    ("paper", "", "#reference", "office box"),
    ("paper", "42/7", "#reference", "letters, digits or hyphens"),
])
@pytest.mark.shared
def test_the_start_page_names_what_to_fix(service: Harness, desk: Desk, channel: str, reference: str, field: str,
                                          message: str):
    refused = desk.start(channel, reference)
    assert refused.status_code == 400
    assert f'href="{field}"' in refused.text and message in refused.text
    assert service.count("SELECT count(*) FROM drafts") == 0


@pytest.mark.shared
def test_staff_pages_need_the_staff_or_admin_token(service: Harness, desk: Desk):
    with service.client() as anyone, service.client(ANALYST_TOKEN) as analyst, service.client(ADMIN_TOKEN) as admin:
        assert anyone.get(ENTER).status_code == 401
        assert analyst.get(ENTER).status_code == 403
        assert admin.get(ENTER).status_code == 200
        assert anyone.post(f"{WAVE}/staff", data={"channel": "paper", "reference": "1"}).status_code == 401
        assert analyst.post(f"{WAVE}/staff", data={"channel": "paper", "reference": "1"}).status_code == 403
        assert anyone.get(f"{WAVE}/staff/done").status_code == 401
    assert service.count("SELECT count(*) FROM drafts") == 0


def test_a_staff_draft_is_refused_to_a_browser_without_the_token(service: Harness, desk: Desk):
    """The staff browser's draft cookie alone (a shared computer, a copied cookie) neither reads nor stores."""
    desk.start("paper", "0003")
    desk.answer("q7-health_met", **{"q7-health_met": "neither"})
    check = desk.http.get(f"{WAVE}/check")
    with service.client() as anyone:
        anyone.cookies.update(desk.http.cookies)
        assert anyone.get(f"{WAVE}/q/q7-health_met").status_code == 403
        assert anyone.get(f"{WAVE}/check").status_code == 403
        assert anyone.post(WAVE, data=dict(HIDDEN.findall(check.text))).status_code == 403
    assert service.count() == 0


def test_a_public_post_cannot_claim_a_channel(service: Harness, clock):
    with service.client() as family:
        start = family.get(f"{WAVE}/q/code")
        hidden = dict(HIDDEN.findall(start.text))
        for slug, fields in (("code", {}), ("q7-health_met", {"q7-health_met": "neither"})):
            hidden = dict(HIDDEN.findall(family.get(f"{WAVE}/q/{slug}").text))
            saved = family.post(f"{WAVE}/q/{slug}", data={**hidden, **fields, "channel": "paper",
                                                          "reference": "0042"})
            assert saved.status_code == 303
        clock.now += dt.timedelta(seconds=10)
        hidden = dict(HIDDEN.findall(family.get(f"{WAVE}/check").text))
        sent = family.post(WAVE, data={**hidden, "channel": "phone"})
        assert sent.headers["location"] == f"{WAVE}/thanks"
        assert "Staff mode" not in family.get(f"{WAVE}/thanks").text
    assert service.store.rows("SELECT channel FROM drafts") == [(None,)]
    assert channels(service) == ["form"]


@pytest.mark.parametrize("claimed", ["paper-ref:0042", "phone-ref:0042", "PAPER-REF:0042", "x-ref:0042"])
def test_a_public_submission_cannot_take_a_paper_forms_reference(service: Harness, desk: Desk, claimed: str):
    """A paper form's reference is its submission id (paper-ref:0042): a visitor who sent that id first would make
    staff see "Form 0042 has already been entered" and leave the real form unstored, and could tell which forms
    staff have entered (201 against 409). The reference marks are staff's: the API refuses them from anyone else."""
    with service.client() as anyone:
        refused = anyone.post(RESPONSES, json={**BODY, "submission_id": claimed})
    assert refused.status_code == 400 and [e["field"] for e in refused.json()["errors"]] == ["submission_id"]
    assert service.count() == 0
    assert desk.enter("paper", "42").status_code == 303  # the real form is entered as usual
    assert service.store.rows("SELECT channel, submission_id FROM responses") == [("paper", "paper-ref:0042")]
    with service.client() as anyone:  # and no one learns that it was
        assert anyone.post(RESPONSES, json={**BODY, "submission_id": "paper-ref:0042"}).status_code == 400


def test_staff_may_send_a_reference_through_the_api_only_with_its_own_channel(service: Harness, staff: httpx.Client):
    sent = staff.post(RESPONSES, json={**BODY, "channel": "paper", "submission_id": "paper-ref:0007"})
    assert sent.status_code == 201
    mismatched = staff.post(RESPONSES, json={**BODY, "channel": "phone", "submission_id": "paper-ref:0008"})
    assert mismatched.status_code == 400 and mismatched.json()["errors"][0]["field"] == "submission_id"
    without = staff.post(RESPONSES, json={**BODY, "submission_id": "paper-ref:0009"})  # no channel: api
    assert without.status_code == 400
    assert service.store.rows("SELECT channel, submission_id FROM responses") == [("paper", "paper-ref:0007")]


def test_staff_entering_many_forms_from_one_address_are_never_told_to_wait(start_service: StartService):
    service = start_service(staff_token=STAFF_TOKEN, rate_limit_per_minute=2, rate_limit_per_hour=2)
    with service.client(STAFF_TOKEN) as staff:
        desk = Desk(staff)
        assert [desk.enter("paper", f"{n:04d}").status_code for n in range(1, 7)] == [303] * 6
    assert channels(service) == ["paper"] * 6


# The paper questionnaire, as a page

PRINT = "/survey/2026-autumn/print"


def test_the_paper_questionnaire_is_public_and_drawn_from_the_definition(service: Harness):
    with service.client() as anyone:
        page = anyone.get(PRINT)
        easy = anyone.get(PRINT + "?lang=en-easy&size=large")
    assert page.status_code == 200 and "set-cookie" not in page.headers  # no draft, no cookie: just paper
    csp = page.headers["content-security-policy"]
    assert "style-src 'sha256-" in csp and "unsafe-inline" not in csp and "<script" not in page.text
    assert "@page{size:A4" in page.text
    questionnaire = service.services.waves.get("2026-autumn").questionnaire
    for question in questionnaire.questions:
        assert question.text["en"].replace("'", "&#39;") in page.text
    assert page.text.count('<tr><th scope="row" class="statement">') == 8  # Q7's grid: a row per statement
    # which child the form is about (issue 10), as the form's code page asks, so staff can enter it from paper
    for words in ("Which of your children is this form about?", "My oldest child, or my only child",
                  "My second oldest child", "My third oldest child", "My fourth oldest child, or a younger one"):
        assert words in page.text
    assert "Which of your children is this form about?" in easy.text
    assert "1. Who are you?" in easy.text and 'class="large"' in easy.text and "What this means:" in easy.text
    assert "Please give this form back to the person who gave it to you" in page.text  # no address is set


def test_the_paper_questionnaire_prints_the_return_address_setting(start_service: StartService):
    service = start_service(paper_return_address="SEND Survey; FREEPOST RTXX-1234; Maidstone ME14 1XQ")
    with service.client() as anyone:
        page = anyone.get(PRINT)
    assert "<address>SEND Survey<br>FREEPOST RTXX-1234<br>Maidstone ME14 1XQ</address>" in page.text


def test_the_paper_questionnaire_refuses_a_size_it_has_not_and_unknown_or_closed_waves(service: Harness, clock):
    with service.client() as anyone:
        wrong = anyone.get(PRINT + "?size=huge")
        assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "size"
        assert "standard, large" in wrong.json()["errors"][0]["message"]
        assert anyone.get("/survey/no-such-wave/print").status_code == 404
        assert anyone.get("/survey/baseline-2019/print").status_code == 404
        clock.now = dt.datetime(2027, 5, 1, 12, tzinfo=dt.UTC)
        assert anyone.get(PRINT).status_code == 409


def test_starting_again_from_a_staff_draft_goes_back_to_the_staff_page(service: Harness, desk: Desk):
    desk.start("phone")
    start = desk.http.get(WAVE)
    assert "Staff mode: entering answers taken by phone" in start.text
    again = desk.http.post(f"{WAVE}/new", data=dict(HIDDEN.findall(start.text)))
    assert again.headers["location"] == ENTER  # never on into a family's draft, stored as the web form
    assert service.count("SELECT count(*) FROM drafts") == 0
