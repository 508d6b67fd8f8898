"""The families' form through the real app, one thing per page: drafts, check your answers, sending once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import threading
from pathlib import Path

import httpx
import pytest

from surveyapp.web.render import asset_version
from tests.support import FakeClock, Service

WAVE = "/survey/2026-autumn"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
EVERY_PAGE = ["code", "respondent_role", "education_setting", "health_services", "social_care_services",
              "heard_about", "send_status", *(f"q7-{s}" for s in (
                  "local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
                  "assessment_wait", "included_in_planning", "making_progress")),
              "q7a", "postcode", "ethnic_group", "religion", "child_age_band", "child_main_need",
              "free_school_meals", "home_language"]


class Family:
    """A family's browser: its cookies, and the pages it opens, answers and sends."""

    def __init__(self, http: httpx.Client, clock: FakeClock) -> None:
        self.http, self.clock = http, clock

    def open(self, slug: str, query: str = "") -> httpx.Response:
        page = self.http.get(f"{WAVE}/q/{slug}{query}")
        assert page.status_code == 200, page.text[:300]
        return page

    def answer(self, slug: str, query: str = "", **fields: str | list[str]) -> httpx.Response:
        """Open the page, then post its form with these fields, a few seconds later."""
        hidden = dict(HIDDEN.findall(self.open(slug, query).text))
        self.clock.now += dt.timedelta(seconds=4)
        return self.http.post(f"{WAVE}/q/{slug}", data={**hidden, **fields})

    def check(self) -> httpx.Response:
        return self.http.get(f"{WAVE}/check")

    def send(self) -> httpx.Response:
        hidden = dict(HIDDEN.findall(self.check().text))
        self.clock.now += dt.timedelta(seconds=4)
        return self.http.post(WAVE, data=hidden)

    def code(self) -> str:
        return shown_code(self.http.get(f"{WAVE}/thanks"))


def shown_code(page: httpx.Response) -> str:
    match = re.search(r'<strong class="code" id="code">([A-Z]+-[A-Z]+-\d{4})</strong>', page.text)
    assert match, page.text[:500]
    return match.group(1)


@pytest.fixture
def family(http: httpx.Client, clock: FakeClock) -> Family:
    return Family(http, clock)


def answer_a_few(family: Family) -> None:
    assert family.answer("code").headers["location"] == f"{WAVE}/q/respondent_role"
    family.answer("respondent_role", respondent_role="parent_carer")
    family.answer("q7-health_met", **{"q7-health_met": "tend_to_disagree"})


def test_the_start_page_says_what_it_is_how_long_and_what_happens_to_answers(http: httpx.Client) -> None:
    assert http.get("/", follow_redirects=False).headers["location"] == WAVE
    page = http.get(WAVE).text
    assert "There are 23 short pages, one question on each" in page and "about 5 minutes" in page
    assert "We keep your answers for 7 days after you last change them" in page
    assert "What we keep" in page and "your full postcode" in page
    assert f'<a class="button start" href="{WAVE}/q/code"' in page


def test_each_page_asks_one_thing_and_a_statement_a_page_for_question_7(family: Family) -> None:
    for slug in EVERY_PAGE:
        page = family.open(slug).text
        assert page.count("<h1") == 1 and page.count("<form") == 1, slug
        assert page.count("<fieldset") <= 1, slug
    statement = family.open("q7-assessment_wait").text
    assert "Question 7, statement 6 of 8" in statement
    assert "I was happy with the length of time we waited for an assessment" in statement
    assert statement.count('type="radio"') == 7 and 'value="not_applicable"' in statement
    assert "Does not apply to me" in statement


def test_the_whole_journey_stores_one_response_and_deletes_the_draft_answers(
        server: Service, family: Family) -> None:
    family.answer("code")
    family.answer("respondent_role", respondent_role="parent_carer")
    family.answer("health_services", health_services=["camhs", "therapy"])
    family.answer("q7-local_offer_useful", **{"q7-local_offer_useful": "tend_to_agree"})
    family.answer("q7-making_progress", **{"q7-making_progress": "dont_know"})
    family.answer("q7a", q7a="  Thank you  ")
    assert family.answer("postcode", postcode="ct1 2ab").headers["location"] == f"{WAVE}/q/ethnic_group"
    check = family.check().text
    both = "Therapy (speech and language, occupational, physiotherapy); Children&#39;s mental health (CAMHS)"
    for shown in ("Parent or carer", both, "Tend to agree", "CT1",
                  "Thank you", "Not answered", "7. Local Offer website useful"):
        assert shown in check, shown
    sent = family.send()
    assert sent.status_code == 303 and sent.headers["location"] == f"{WAVE}/thanks"
    thanks = family.http.get(f"{WAVE}/thanks")
    code = shown_code(thanks)
    assert code not in sent.headers["location"] and "the only way to link" in thanks.text
    cohort = server.services.codes.cohort_key(code)
    assert server.count("SELECT count(*) FROM responses WHERE cohort_key = ? AND channel = 'form' "
                        "AND postcode_district = 'CT1'", [cohort]) == 1
    assert server.count("SELECT count(*) FROM answers") == 6
    assert server.store.rows("SELECT answers_json, postcode_district FROM drafts") == [("{}", None)]


def test_back_and_send_again_reload_and_a_second_tap_store_one_response_with_the_same_code(
        server: Service, family: Family) -> None:
    answer_a_few(family)
    hidden = dict(HIDDEN.findall(family.check().text))
    family.clock.now += dt.timedelta(seconds=10)
    first = family.http.post(WAVE, data=hidden)
    code = family.code()
    again = family.http.post(WAVE, data=hidden)  # Back to the check page, and Send again
    assert again.status_code == 303 and family.code() == code
    assert "You have already sent your answers" in family.check().text
    changed = family.http.post(f"{WAVE}/q/respondent_role", data={**hidden, "respondent_role": "friend"})
    assert changed.status_code == 409 and "See your code again" in changed.text
    assert first.status_code == 303 and server.count() == 1


def test_two_taps_at_once_store_one_response(server: Service, family: Family) -> None:
    answer_a_few(family)
    hidden = dict(HIDDEN.findall(family.check().text))
    family.clock.now += dt.timedelta(seconds=10)
    results: list[httpx.Response] = []
    taps = [threading.Thread(target=lambda: results.append(family.http.post(WAVE, data=hidden))) for _ in range(2)]
    for tap in taps:
        tap.start()
    for tap in taps:
        tap.join()
    assert sorted(r.status_code for r in results) == [303, 303]
    assert server.count() == 1


def test_a_family_who_leaves_comes_back_where_they_left_off(family: Family, clock: FakeClock) -> None:
    answer_a_few(family)
    clock.now += dt.timedelta(days=3)
    start = family.http.get(WAVE).text
    assert "You have answers saved" in start
    assert f'href="{WAVE}/q/q7-social_care_met"' in start  # the page after the last one answered
    assert "They will be deleted on 29 November 2026" in start
    assert 'value="parent_carer" checked' in family.open("respondent_role").text


def test_answers_survive_a_restart_in_the_middle(start_service, data_dir: Path, clock: FakeClock) -> None:
    first = start_service()
    with first.client() as http:
        answer_a_few(Family(http, clock))
        cookies = httpx.Cookies(http.cookies)
    first.stop()
    second = start_service(data_dir=data_dir)
    with second.client() as http:
        http.cookies = cookies
        family = Family(http, clock)
        assert "Tend to disagree" in family.check().text
        assert family.send().status_code == 303
    assert second.count("SELECT count(*) FROM answers WHERE option_id IN ('parent_carer', 'tend_to_disagree')") == 2


def test_change_from_the_check_page_returns_to_it(server: Service, family: Family) -> None:
    answer_a_few(family)
    check = family.check().text
    link = re.search(r'<dt id="(k[\d-]+)">1\. Who is answering\?</dt>.*?<a id="(c[\d-]+)" href="([^"]+)" '
                     r'aria-labelledby="(.*?)">Change</a>', check)
    assert link and link.group(3) == "q/respondent_role?change=1"  # relative to the check page
    assert link.group(4) == f"{link.group(2)} {link.group(1)}"  # its name: "Change 1. Who is answering?"
    page = family.open("respondent_role", "?change=1").text
    assert f'<a class="back" href="{WAVE}/check">' in page and 'name="change" value="1"' in page
    changed = family.answer("respondent_role", "?change=1", respondent_role="friend")
    assert changed.headers["location"] == f"{WAVE}/check"
    assert "Friend" in family.check().text
    assert family.send().status_code == 303
    assert server.count("SELECT count(*) FROM answers WHERE option_id = 'friend'") == 1


def test_does_not_apply_clears_a_statement_and_is_stored_as_not_answered(server: Service, family: Family) -> None:
    family.answer("q7-health_met", **{"q7-health_met": "strongly_agree"})
    family.answer("q7-health_met", **{"q7-health_met": "not_applicable"})  # a radio tapped by mistake, undone
    page = family.send()
    assert page.status_code == 400 and server.count() == 0
    assert "Answer at least one statement in question 7" in page.text
    assert f'href="{WAVE}/q/q7-local_offer_useful?change=1"' in page.text
    assert "Does not apply to me" in page.text
    family.answer("q7-making_progress", **{"q7-making_progress": "neither"})
    assert family.send().status_code == 303
    assert server.store.rows("SELECT statement_id, option_id FROM answers") == [("making_progress", "neither")]


def test_sending_too_soon_after_the_first_page_says_nothing_was_sent_and_stores_nothing(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = dict(HIDDEN.findall(http.get(f"{WAVE}/q/q7-health_met").text))
    http.post(f"{WAVE}/q/q7-health_met", data={**hidden, "q7-health_met": "neither"})
    too_soon = http.post(WAVE, data=hidden)
    assert too_soon.status_code == 400 and "Your answers have not been sent yet" in too_soon.text
    assert server.count() == 0
    clock.now += dt.timedelta(seconds=5)
    assert http.post(WAVE, data=hidden).status_code == 303 and server.count() == 1


def test_a_draft_is_kept_7_days_after_its_last_change_then_gone(server: Service, family: Family,
                                                               clock: FakeClock) -> None:
    answer_a_few(family)
    hidden = dict(HIDDEN.findall(family.check().text))
    clock.now += dt.timedelta(days=7, minutes=1)
    assert "You have answers saved" not in family.http.get(WAVE).text
    gone = family.http.post(WAVE, data=hidden)
    assert gone.status_code == 409 and "There are no answers to send" in gone.text
    with server.client() as other:
        Family(other, clock).answer("respondent_role", respondent_role="friend")  # a new draft sweeps old ones
    assert server.count("SELECT count(*) FROM drafts") == 1 and server.count() == 0


def test_the_draft_cookie_holds_only_a_random_id_and_is_httponly_and_samesite(
        server: Service, family: Family) -> None:
    saved = family.answer("respondent_role", respondent_role="parent_carer")
    cookie = saved.headers["set-cookie"]
    assert "surveyapp_draft=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/survey" in cookie and "Max-Age=604800" in cookie
    value = family.http.cookies["surveyapp_draft"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", value)
    assert server.count("SELECT count(*) FROM drafts WHERE draft_key = ?", [value]) == 0  # only its hash is kept


def test_the_code_page_refuses_the_example_and_a_typed_code_is_sealed_in_the_draft(
        server: Service, family: Family) -> None:
    example = family.answer("code", return_code="maple otter 4217")
    assert example.status_code == 400
    assert "MAPLE-OTTER-4217 is only the example" in example.text and 'href="#return_code"' in example.text
    family.answer("code", return_code=" maple otter 4218 ")
    family.answer("q7-health_met", **{"q7-health_met": "neither"})
    assert "MAPLE-OTTER-4218" in family.check().text
    stored = str(server.store.rows("SELECT * FROM drafts"))
    assert "4218" not in stored and "MAPLE" not in stored.upper()
    family.send()
    assert family.code() == "MAPLE-OTTER-4218"
    cohort = server.services.codes.cohort_key("MAPLE-OTTER-4218")
    assert server.count("SELECT count(*) FROM responses WHERE cohort_key = ?", [cohort]) == 1


def test_the_code_page_asks_which_child_and_keeps_it_sealed_then_only_in_a_keyed_hash(
        server: Service, family: Family) -> None:
    page = family.open("code").text
    assert "Which of your children is this form about?" in page
    assert 'name="child" type="radio" value="2"' in page and "My second oldest child" in page
    bad = family.answer("code", return_code="", child="eldest")
    assert bad.status_code == 400 and "Select one of the answers listed" in bad.text
    family.answer("code", return_code="maple otter 4218", child="2")
    assert 'value="2" checked' in family.open("code").text  # shown again as chosen
    family.answer("q7-health_met", **{"q7-health_met": "neither"})
    check = family.check().text
    assert "Which child" in check and "My second oldest child" in check
    (sealed,) = server.store.rows("SELECT sealed_child FROM drafts")[0]
    assert sealed and sealed != "2" and len(sealed) > 20  # sealed as the code is, never the marker itself
    family.send()
    assert server.store.rows("SELECT sealed_child FROM drafts") == [(None,)]  # gone with the answers
    codes = server.services.codes
    stored = server.store.rows("SELECT child_key FROM responses")
    assert stored == [(codes.child_key("MAPLE-OTTER-4218", "2"),)]
    assert codes.child_key("MAPLE-OTTER-4218", "2") != codes.child_key("MAPLE-OTTER-4218", "1")


def test_a_full_postcode_is_cut_before_the_draft_keeps_it(server: Service, family: Family) -> None:
    mistyped = family.answer("postcode", postcode="XYZ")
    assert mistyped.status_code == 400 and "Enter the first half of your postcode" in mistyped.text
    assert 'value="XYZ"' in mistyped.text
    family.answer("postcode", postcode="ct9 1aa")
    assert server.store.rows("SELECT postcode_district FROM drafts") == [("CT9",)]
    # Nowhere in the row, in any spelling: not "1AA" alone, which a random hash or id in the row may hold by chance.
    assert not re.search(r"CT9\W*1AA", str(server.store.rows("SELECT * FROM drafts")), re.IGNORECASE)


def test_page_mistakes_say_how_to_fix_them_and_keep_what_was_chosen(family: Family) -> None:
    page = family.answer("health_services", health_services=["none", "other"])
    assert page.status_code == 400 and page.text.count("Error:") >= 2
    assert "Select “None of these” on its own" in page.text and 'href="#health_services"' in page.text
    assert 'value="other" checked' in page.text and 'value="none" checked data-exclusive' in page.text
    long = family.answer("q7a", q7a="x" * 5001)
    assert "Your answer must be 5,000 characters or fewer. It has 5,001 now" in long.text
    assert "x" * 5001 + "</textarea>" in long.text


def test_a_code_used_too_often_is_an_error_linking_to_the_code_page(
        server: Service, start_service, clock: FakeClock) -> None:
    for answer in ("neither", "tend_to_agree", "strongly_agree", "dont_know"):
        with server.client() as http:
            family = Family(http, clock)
            family.answer("code", return_code="MAPLE-OTTER-4218")
            family.answer("q7-health_met", **{"q7-health_met": answer})
            sent = family.send()
    assert sent.status_code == 400 and "This code has already been used 3 times" in sent.text
    assert f'href="{WAVE}/q/code?change=1"' in sent.text
    assert server.count() == 3


@pytest.mark.parametrize("change", ["no token", "no cookie", "other wave's token"])
def test_a_post_without_a_good_csrf_token_is_refused_and_nothing_saved(
        server: Service, http: httpx.Client, change: str) -> None:
    hidden = dict(HIDDEN.findall(http.get(f"{WAVE}/q/respondent_role").text))
    if change == "no token":
        del hidden["csrf"]
    elif change == "no cookie":
        http.cookies.clear()
    else:
        hidden["csrf"] = server.form_kit.signer.csrf_token(http.cookies["surveyapp_draft"], "other-wave")
    for path in (f"{WAVE}/q/respondent_role", WAVE):
        page = http.post(path, data={**hidden, "respondent_role": "friend"})
        assert page.status_code == 403 and "Nothing was stored" in page.text
    assert server.count("SELECT count(*) FROM drafts") == 0 and server.count() == 0


def test_a_filled_honeypot_is_not_stored_and_the_check_page_shows_the_field(
        server: Service, family: Family) -> None:
    answer_a_few(family)
    hidden = dict(HIDDEN.findall(family.check().text))
    family.clock.now += dt.timedelta(seconds=10)
    page = family.http.post(WAVE, data={**hidden, "leave_empty": "http://spam.example"})
    assert page.status_code == 400 and 'href="#leave_empty"' in page.text and 'class="trap"' not in page.text
    assert server.count() == 0


STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def renders_from_one_request(page: httpx.Response) -> int:
    """The page's size, after checking that it needs nothing else to render: its one <style> element is allowed
    by the SHA-256 of its text and no other style is (no stylesheet file, no style attribute, no
    'unsafe-inline'), its only script is the deferred file, and nothing comes from another host."""
    html = page.text
    styles = STYLE.findall(html)
    assert len(styles) == 1 and html.count("<style") == 1, page.url
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["style-src"] == f"'sha256-{digest}'", page.url
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert "<link" not in html.replace('<link rel="icon" href="data:,">', "")
    assert " style=" not in html and re.findall(r"<script[^>]*>", html) == [
        f'<script src="/static/form.js?v={asset_version()}" defer>']
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html), page.url
    assert "url(" not in styles[0] and "@import" not in styles[0]
    return len(page.content)


def test_every_kind_of_page_is_one_request_under_20_kb(start_service, clock: FakeClock) -> None:
    server = start_service(languages="en-easy,pl,ro,ur", rate_limit_per_minute=2)
    sizes: dict[str, int] = {}

    def measure(kind: str, page: httpx.Response, status: int = 200) -> None:
        assert page.status_code == status, (kind, page.text[:300])
        sizes[kind] = max(sizes.get(kind, 0), renders_from_one_request(page))

    with server.client() as http:
        family = Family(http, clock)
        measure("start", http.get(WAVE))
        family.answer("q7a", q7a="y" * 5000)  # the longest answer there can be, shown on its page and the check
        for slug in EVERY_PAGE:
            measure("question", family.open(slug))
            measure("question in Urdu", family.open(slug, "?lang=ur"))
            measure("question in easy read", family.open(slug, "?lang=en-easy"))
        measure("start, continuing a draft", http.get(WAVE))
        measure("a mistake", family.answer("postcode", postcode="XYZ" * 100), 400)
        measure("check your answers", family.check())
        measure("check your answers in Urdu", http.get(f"{WAVE}/check?lang=ur"))
        measure("check with the service's errors", family.send(), 400)  # Q7 unanswered
        family.answer("q7-health_met", **{"q7-health_met": "neither"})
        assert family.send().status_code == 303
        measure("confirmation", http.get(f"{WAVE}/thanks"))
        measure("already sent", http.get(f"{WAVE}/q/code"), 409)
        measure("no code shown", http.get("/survey/other/thanks"))
        measure("unknown survey", http.get("/survey/no-such-wave"), 404)
    with server.client() as stranger:
        measure("please wait", Family(stranger, clock).answer("respondent_role", respondent_role="parent_carer"), 429)
    clock.now = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with server.client() as http:
        measure("surveys open now", http.get("/"))
        measure("not open yet", http.get(WAVE), 409)
    assert len(sizes) == 16 and max(sizes.values()) < 20 * 1024, sizes


def test_closed_not_yet_open_and_unknown_waves_get_kind_pages(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    clock.now = dt.datetime(2027, 4, 2, 9, tzinfo=dt.UTC)
    closed = http.get(f"{WAVE}/q/respondent_role")
    assert closed.status_code == 409 and "It closed on 31 March 2027" in closed.text
    clock.now = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    assert "opens on 1 October 2026" in http.get("/").text
    early = http.get(WAVE)
    assert early.status_code == 409 and "It opens on 1 October 2026" in early.text
    clock.now = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    for missing in ("/survey/no-such-wave", "/survey/baseline-2019", f"{WAVE}/q/no-such-page"):
        page = http.get(missing)
        assert page.status_code == 404 and "We cannot find that survey" in page.text


def test_easy_read_explains_each_statement_beside_its_exact_2019_wording(
        server: Service, family: Family) -> None:
    page = family.open("q7-health_met", "?lang=en-easy").text
    assert '<html lang="en" dir="ltr">' in page
    assert "I am confident that my or my child&#39;s SEND support / provision through health" in page
    assert "What this means:</strong> Health services (like doctors and therapists)" in page
    assert "This is not about me" in page
    family.answer("q7-health_met", "?lang=en-easy", **{"q7-health_met": "neither"})
    assert "Thank you. We got your answers" in family.http.get(family.send().headers["location"]).text
    assert server.count("SELECT count(*) FROM responses WHERE language = 'en-easy'") == 1


def test_draft_languages_are_offered_only_when_listed(start_service, clock: FakeClock) -> None:
    with start_service().client() as http:
        assert '<html lang="en" dir="ltr">' in http.get(f"{WAVE}?lang=ur").text
        assert "Polski" not in http.get(WAVE).text
    with start_service(languages="en-easy,pl,ro,ur").client() as http:
        urdu = http.get(f"{WAVE}/q/q7-health_met?lang=ur").text
        assert '<html lang="ur" dir="rtl">' in urdu and "This translation is a draft" not in urdu
        assert "یہ ترجمہ ابتدائی مسودہ ہے" in urdu  # the draft note, in Urdu
        assert 'lang="en" dir="ltr">I am confident' in urdu  # the exact wording, marked as English
        assert "1. Kto odpowiada?" in http.get(f"{WAVE}/q/respondent_role?lang=pl").text
        assert 'hreflang="ro" lang="ro" dir="ltr">Română</a>' in urdu


def test_the_confirmation_shows_no_code_without_a_good_cookie_and_expires(
        family: Family, clock: FakeClock) -> None:
    assert "Your code is no longer shown" in family.http.get(f"{WAVE}/thanks").text
    answer_a_few(family)
    family.send()
    done = next(c for c in family.http.cookies.jar if c.name == "surveyapp_done")
    assert done.path == WAVE
    family.http.cookies.set("surveyapp_done", done.value[:-1] + ("0" if done.value[-1] != "0" else "1"),
                            domain=done.domain, path=done.path)
    assert 'id="code"' not in family.http.get(f"{WAVE}/thanks").text


def test_the_confirmation_expires_after_30_minutes(family: Family, clock: FakeClock) -> None:
    answer_a_few(family)
    family.send()
    clock.now += dt.timedelta(minutes=31)
    assert "Your code is no longer shown" in family.http.get(f"{WAVE}/thanks").text


def test_a_family_answering_for_another_child_starts_a_new_form_from_the_confirmation(
        server: Service, family: Family) -> None:
    answer_a_few(family)
    family.send()
    thanks = family.http.get(f"{WAVE}/thanks").text
    assert "for example for another child, start a new form" in thanks and 'action="/survey/2026-autumn/new"' in thanks
    again = family.http.post(f"{WAVE}/new", data=dict(HIDDEN.findall(thanks)))
    assert again.headers["location"] == f"{WAVE}/q/code"  # which child this one is about is asked there
    assert "Which of your children is this form about?" in family.http.get(f"{WAVE}/q/code").text
    assert server.count() == 1 and server.count("SELECT count(*) FROM drafts") == 0


def test_starting_again_deletes_the_draft(server: Service, family: Family) -> None:
    answer_a_few(family)
    hidden = dict(HIDDEN.findall(family.http.get(WAVE).text))
    again = family.http.post(f"{WAVE}/new", data=hidden)
    assert again.headers["location"] == f"{WAVE}/q/code"
    assert server.count("SELECT count(*) FROM drafts") == 0


def test_the_form_key_is_its_own_owner_only_file(server: Service, http: httpx.Client) -> None:
    http.get(WAVE)
    key = server.settings.data_dir / "secrets" / "form.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text() != server.settings.secret_key_path.read_text()


def test_the_minimum_fill_time_is_a_setting(start_service, clock: FakeClock) -> None:
    with start_service(form_min_seconds=0.0).client() as http:
        hidden = dict(HIDDEN.findall(http.get(f"{WAVE}/q/q7-health_met").text))
        http.post(f"{WAVE}/q/q7-health_met", data={**hidden, "q7-health_met": "neither"})
        assert http.post(WAVE, data=hidden).status_code == 303


def test_new_drafts_count_against_the_rate_limit_and_over_it_nothing_is_saved(
        start_service, clock: FakeClock) -> None:
    server = start_service(rate_limit_per_minute=3)
    first, second, third = (server.client() for _ in range(3))  # three phones behind one address
    with first, second, third:
        one, two, three = Family(first, clock), Family(second, clock), Family(third, clock)
        for slug in EVERY_PAGE:  # the first page makes a new draft: 1 of 3; its later pages cost nothing
            assert one.answer(slug).status_code == 303
        assert one.answer("q7-health_met", **{"q7-health_met": "neither"}).status_code == 303
        assert two.answer("respondent_role", respondent_role="family_member").status_code == 303  # 2 of 3
        clock.now += dt.timedelta(minutes=1)
        assert one.send().status_code == 303  # sending costs one too: 3 of 3
        refused = three.answer("respondent_role", respondent_role="parent_carer")
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Please wait a moment" in refused.text and "your answer was not saved" in refused.text
        assert f'href="{WAVE}/q/respondent_role"' in refused.text
        assert two.answer("education_setting", education_setting="primary").status_code == 303  # a draft's own
    assert server.count("SELECT count(*) FROM drafts") == 2 and server.count() == 1


def test_the_code_page_tells_a_first_time_family_to_leave_the_box_empty(http: httpx.Client) -> None:
    page = http.get(f"{WAVE}/q/code").text
    assert "If this is your first time, or you do not have your code, leave the box empty." in page
    assert "First time, or no code? Leave the box empty." in http.get(f"{WAVE}/q/code?lang=en-easy").text
