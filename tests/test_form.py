"""The families' form through the real app: pages, sending, errors, safety checks, languages and size."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

from surveyapp.web.messages import CatalogueError, load_messages
from tests.support import FakeClock, Service

WAVE = "/survey/2026-autumn"
Q7 = "q7-local_offer_useful"


def open_form(http: httpx.Client, query: str = "") -> dict[str, str]:
    """GET the form and return its hidden fields (the client keeps the CSRF cookie)."""
    page = http.get(WAVE + query)
    assert page.status_code == 200
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


def send(http: httpx.Client, clock: FakeClock, hidden: dict[str, str], wait: float = 5,
         **fields: str | list[str]) -> httpx.Response:
    """POST the form after `wait` seconds on the server's clock."""
    clock.now += dt.timedelta(seconds=wait)
    return http.post(WAVE, data={**hidden, **fields})


def shown_code(page: httpx.Response) -> str:
    match = re.search(r'<strong class="code" id="code">([A-Z]+-[A-Z]+-\d{4})</strong>', page.text)
    assert match, page.text[:500]
    return match.group(1)


def test_start_page_goes_straight_to_the_only_open_wave(http: httpx.Client) -> None:
    response = http.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == WAVE


def test_start_page_says_when_the_next_survey_opens(http: httpx.Client, clock: FakeClock) -> None:
    clock.now = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    page = http.get("/")
    assert page.status_code == 200
    assert "There is no survey open right now" in page.text
    assert "opens on 1 October 2026" in page.text


def test_every_question_is_a_fieldset_with_a_legend_and_each_q7_statement_its_own_group(http: httpx.Client) -> None:
    page = http.get(WAVE).text
    legends = re.findall(r'<legend class="legend [ms]">([^<]+)</legend>', page)
    assert "1. Who is answering?" in legends
    assert "What is your child&#39;s ethnic group?" in legends
    statements = [lg for lg in legends if lg.startswith("I ")]
    assert len(statements) == 8
    assert "I found information on KCC&#39;s website about SEND (Local Offer) useful" in statements
    assert page.count("<fieldset") == len(legends) == 13 + 8 - 1  # 12 choice questions, 8 statements
    assert 'type="checkbox" value="none" data-exclusive' in page


def test_return_code_comes_first_and_postcode_asks_for_the_first_half(http: httpx.Client) -> None:
    page = http.get(WAVE).text
    assert page.index('id="return_code"') < page.index('id="respondent_role"')
    assert "If you took part before, enter your code" in page
    assert "The first half of your postcode" in page and "For example, CT1 or ME14" in page
    assert "Your answers help us check that we are hearing from every community fairly" in page


def test_honeypot_is_hidden_unfocusable_and_labelled(http: httpx.Client) -> None:
    page = http.get(WAVE).text
    trap = re.search(r'<div class="trap" aria-hidden="true">(.*?)</div>', page, re.S)
    assert trap
    assert "Leave this empty" in trap.group(1)
    assert 'tabindex="-1"' in trap.group(1) and 'autocomplete="off"' in trap.group(1)


def test_page_with_its_stylesheet_and_script_is_under_50_kb(http: httpx.Client, clock: FakeClock) -> None:
    page = http.get(WAVE)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert len(assets) == 2
    total = len(page.content) + sum(len(http.get(a).content) for a in assets)
    assert total < 50 * 1024, total
    errors = send(http, clock, open_form(http), health_services=["none", "other"], postcode="XYZ")
    assert len(errors.content) + total - len(page.content) < 50 * 1024


def test_pages_ask_nothing_of_any_other_host(http: httpx.Client) -> None:
    page = http.get(WAVE)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    css = http.get(re.search(r'href="(/static/form\.css[^"]*)"', page.text).group(1)).text
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', page.text)
    assert "url(" not in css and "@import" not in css
    assert "<style" not in page.text and " style=" not in page.text and "<script>" not in page.text


def test_answers_are_stored_and_the_confirmation_shows_the_code_without_it_in_the_url(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    sent = send(http, clock, open_form(http), respondent_role="parent_carer", health_services=["camhs", "therapy"],
                **{Q7: "tend_to_agree", "q7-making_progress": "dont_know"}, q7a="  Thank you  ", postcode="ct1 2ab")
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location == f"{WAVE}/thanks"
    thanks = http.get(location)
    code = shown_code(thanks)
    assert code not in location and code not in sent.headers.get("set-cookie", "").upper()
    assert thanks.headers["cache-control"] == "no-store"
    assert "no full postcode" not in thanks.text and "your full postcode" in thanks.text
    cohort = server.services.codes.cohort_key(code)
    assert server.count("SELECT count(*) FROM responses WHERE cohort_key = ? AND channel = 'form' "
                        "AND postcode_district = 'CT1' AND language = 'en'", [cohort]) == 1
    assert server.count("SELECT count(*) FROM answers") == 6


def test_refreshing_the_confirmation_stores_nothing(server: Service, http: httpx.Client, clock: FakeClock) -> None:
    send(http, clock, open_form(http), **{Q7: "neither"})
    codes = {shown_code(http.get(f"{WAVE}/thanks")) for _ in range(3)}
    assert len(codes) == 1
    assert server.count() == 1


def test_sending_the_same_form_twice_stores_it_once_with_the_same_code(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = open_form(http)
    first = send(http, clock, hidden, **{Q7: "strongly_agree"})
    code = shown_code(http.get(first.headers["location"]))
    again = send(http, clock, hidden, **{Q7: "strongly_agree"})
    assert again.status_code == 303
    assert shown_code(http.get(again.headers["location"])) == code
    assert server.count() == 1


def test_the_same_form_sent_again_with_changed_answers_is_not_stored(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = open_form(http)
    send(http, clock, hidden, **{Q7: "strongly_agree"})
    changed = send(http, clock, hidden, **{Q7: "strongly_disagree"})
    assert changed.status_code == 409
    assert "You have already sent your answers" in changed.text
    assert server.count() == 1


def test_mistakes_come_back_with_a_summary_linking_to_each_field_and_every_answer_kept(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    page = send(http, clock, open_form(http), respondent_role="friend", health_services=["none", "other"],
                postcode="XYZ", return_code="not a code", q7a="My <b>comment</b>")
    assert page.status_code == 400
    assert re.search(r"<title>Error: ", page.text)
    summary = re.search(r'<div class="error-summary" tabindex="-1" autofocus data-focus-first>\s*<div role="alert">'
                        r'(.*?)</ul>', page.text, re.S)
    assert summary, "the error summary is the first thing in <main>"
    assert re.findall(r'href="#([\w-]+)"', summary.group(1)) == ["return_code", "health_services", Q7, "postcode"]
    assert "For question 3, select “None of these” on its own" in summary.group(1)
    assert "Answer at least one statement in question 7" in summary.group(1)
    for field in ("return_code", "health_services", "q7", "postcode"):
        assert f'id="{field}-error"' in page.text
    assert 'name="respondent_role" type="radio" value="friend" checked' in page.text
    assert 'name="health_services" type="checkbox" value="other" checked' in page.text
    assert 'value="none" checked data-exclusive' in page.text
    assert 'value="XYZ"' in page.text and 'value="not a code"' in page.text
    assert "My &lt;b&gt;comment&lt;/b&gt;</textarea>" in page.text
    assert server.count() == 0


def test_a_comment_that_is_too_long_says_how_long_it_may_be(http: httpx.Client, clock: FakeClock) -> None:
    page = send(http, clock, open_form(http), **{Q7: "neither"}, q7a="x" * 5001)
    assert page.status_code == 400
    assert "Your answer to question 7a must be 5,000 characters or fewer. It has 5,001 now" in page.text


def test_a_code_from_an_earlier_wave_links_the_answers(server: Service, http: httpx.Client,
                                                      clock: FakeClock) -> None:
    sent = send(http, clock, open_form(http), return_code=" maple otter 4218 ", **{Q7: "neither"})
    assert shown_code(http.get(sent.headers["location"])) == "MAPLE-OTTER-4218"
    cohort = server.services.codes.cohort_key("MAPLE-OTTER-4218")
    assert server.count("SELECT count(*) FROM responses WHERE cohort_key = ?", [cohort]) == 1


def test_a_code_used_too_often_is_an_error_at_the_code_field(server: Service, http: httpx.Client,
                                                            clock: FakeClock) -> None:
    for answer in ("neither", "tend_to_agree", "strongly_agree"):
        assert send(http, clock, open_form(http), return_code="MAPLE-OTTER-4218", **{Q7: answer}).status_code == 303
    page = send(http, clock, open_form(http), return_code="MAPLE-OTTER-4218", **{Q7: "dont_know"})
    assert page.status_code == 400
    assert "This code has already been used 3 times in this survey" in page.text
    assert 'href="#return_code"' in page.text
    assert server.count() == 3


@pytest.mark.parametrize("change", ["no token", "tampered token", "no cookie", "other wave's token"])
def test_a_post_without_a_good_csrf_token_is_refused_and_nothing_stored(
        server: Service, http: httpx.Client, clock: FakeClock, change: str) -> None:
    hidden = open_form(http)
    if change == "no token":
        del hidden["csrf"]
    elif change == "tampered token":
        hidden["csrf"] = hidden["csrf"][:-1] + ("0" if hidden["csrf"][-1] != "0" else "1")
    elif change == "no cookie":
        http.cookies.clear()
    else:
        hidden["csrf"] = server.form_kit.signer.csrf_token(http.cookies["surveyapp_form"], "other-wave")
    page = send(http, clock, hidden, **{Q7: "neither"})
    assert page.status_code == 403
    assert "Your answers could not be sent" in page.text and "Nothing was stored" in page.text
    assert server.count() == 0


def test_a_filled_honeypot_is_not_stored_and_the_form_shows_the_field(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    page = send(http, clock, open_form(http), leave_empty="http://spam.example", **{Q7: "neither"})
    assert page.status_code == 400
    assert 'href="#leave_empty"' in page.text and 'class="trap"' not in page.text
    assert f'name="{Q7}" type="radio" value="neither" checked' in page.text
    assert server.count() == 0


def test_a_form_sent_too_fast_is_asked_to_be_checked_and_sent_again(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = open_form(http)
    page = send(http, clock, hidden, wait=1, **{Q7: "neither"})
    assert page.status_code == 400
    assert "Please check your answers" in page.text and "Error:" not in page.text
    assert 'value="neither" checked' in page.text
    assert server.count() == 0
    again = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    assert again["submission_id"] == hidden["submission_id"]
    assert send(http, clock, again, **{Q7: "neither"}).status_code == 303
    assert server.count() == 1


def test_a_forged_start_time_counts_as_too_fast(server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = open_form(http)
    hidden["started"] = "1000000000.000." + hidden["started"].rsplit(".", 1)[1]
    assert send(http, clock, hidden, **{Q7: "neither"}).status_code == 400
    assert server.count() == 0


def test_closed_not_yet_open_and_unknown_waves_get_kind_pages(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    hidden = open_form(http)
    clock.now = dt.datetime(2027, 4, 2, 9, tzinfo=dt.UTC)
    closed = http.get(WAVE)
    assert closed.status_code == 409 and "It closed on 31 March 2027" in closed.text
    late = send(http, clock, hidden, **{Q7: "neither"})
    assert late.status_code == 409 and "This survey has closed" in late.text
    clock.now = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    early = http.get(WAVE)
    assert early.status_code == 409 and "It opens on 1 October 2026" in early.text
    for missing in ("/survey/no-such-wave", "/survey/baseline-2019"):
        page = http.get(missing)
        assert page.status_code == 404 and "We cannot find that survey" in page.text
        assert page.headers["content-type"].startswith("text/html")
    assert server.count() == 0


def test_easy_read_is_used_when_asked_and_the_page_says_its_language(
        server: Service, http: httpx.Client, clock: FakeClock) -> None:
    page = http.get(WAVE + "?lang=en-easy").text
    assert '<html lang="en">' in page
    assert "1. Who are you?" in page and "Send my answers" in page
    assert f'<a href="{WAVE}?lang=en" hreflang="en" lang="en">Standard English</a>' in page
    assert '<a href="/survey/2026-autumn?lang=en-easy"' in http.get(WAVE).text
    errors = send(http, clock, open_form(http, "?lang=en-easy"), postcode="XYZ")
    assert "Please fix this" in errors.text and "Type the first part of your postcode" in errors.text
    sent = send(http, clock, open_form(http, "?lang=en-easy"), **{Q7: "neither"})
    assert "Thank you. We got your answers" in http.get(sent.headers["location"]).text
    assert server.count("SELECT count(*) FROM responses WHERE language = 'en-easy'") == 1
    assert "1. Who is answering?" in http.get(WAVE + "?lang=klingon").text


def test_the_confirmation_shows_no_code_without_a_good_cookie(http: httpx.Client, clock: FakeClock) -> None:
    assert "Your code is no longer shown" in http.get(f"{WAVE}/thanks").text
    send(http, clock, open_form(http), **{Q7: "neither"})
    done = next(c for c in http.cookies.jar if c.name == "surveyapp_done")
    tampered = done.value[:-1] + ("0" if done.value[-1] != "0" else "1")  # its signature no longer matches
    # Replace the cookie itself (same domain and path): a second cookie of that name might be sent after it.
    http.cookies.set("surveyapp_done", tampered, domain=done.domain, path=done.path)
    assert 'id="code"' not in http.get(f"{WAVE}/thanks").text


def test_the_confirmation_expires_after_30_minutes(http: httpx.Client, clock: FakeClock) -> None:
    send(http, clock, open_form(http), **{Q7: "neither"})
    clock.now += dt.timedelta(minutes=31)
    assert "Your code is no longer shown" in http.get(f"{WAVE}/thanks").text


def test_the_form_key_is_its_own_owner_only_file(server: Service, http: httpx.Client) -> None:
    http.get(WAVE)
    key = server.settings.data_dir / "secrets" / "form.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text() != server.settings.secret_key_path.read_text()


def test_the_minimum_fill_time_is_a_setting(start_service, clock: FakeClock) -> None:
    with start_service(form_min_seconds=0.0).client() as http:
        assert send(http, clock, open_form(http), wait=0, **{Q7: "neither"}).status_code == 303


def test_every_catalogue_key_exists_in_english_and_missing_ones_fall_back() -> None:
    messages = load_messages()
    assert set(messages) >= {"en", "en-easy"}
    easy = messages["en-easy"]
    assert set(easy.own) <= set(easy.english)
    assert "or" not in easy.own and easy("or") == "or"
    assert easy("send") == "Send my answers"


def test_a_catalogue_key_english_lacks_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[meta]\nname = "English"\nhtml_lang = "en"\n[text]\nsend = "Send"\n')
    (tmp_path / "cy.toml").write_text('[meta]\nname = "Cymraeg"\nhtml_lang = "cy"\n[text]\nsnd = "Anfon"\n')
    with pytest.raises(CatalogueError, match=r"cy\.toml: keys not in en\.toml: snd"):
        load_messages(tmp_path)
