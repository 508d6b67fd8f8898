"""The families' findings page, read as a family reads it: plain words, honest about uncertainty, in their
language, their area by part-postcode, who answered, and a withdrawn release's notice."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Harness
from tests.findings.conftest import RELEASE
from tests.findings.sample import ENTRIES, publish, release_out, sample_document

PAGE = f"/findings/{RELEASE}"


def text_of(html: str) -> str:
    """The page's words as a reader sees them, tags and runs of space gone."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"').split())


@pytest.fixture
def http(findings_app: Harness) -> httpx.Client:
    return findings_app.client()


def test_each_statement_now_against_2019_and_the_last_survey_in_plain_words(http: httpx.Client) -> None:
    page = http.get(PAGE)
    assert page.status_code == 200
    words = text_of(page.text)
    assert ("4 in 10 families now agree they waited a reasonable time for an assessment. "
            "In 2019 it was 1 in 10. More families agree now.") in words
    assert "In the last survey (spring 2026) it was" in words
    assert words.count("families now agree") == 8  # every statement of question 7
    assert "Kent only: the 2019 survey did not cover Medway" in words


def test_a_change_the_interval_cannot_settle_is_not_called_a_change(http: httpx.Client) -> None:
    """The sample's other statements move by a few points inside a wide or a narrow interval: the page says
    "about the same" or "cannot tell yet", never "more" or "fewer"."""
    words = text_of(http.get(PAGE).text)
    # only the assessment wait (against 2019 and against spring), whose intervals are above 0
    assert words.count("More families agree now.") == 2
    assert "Fewer families agree now." not in words
    assert "We cannot tell yet whether this has really changed" in words and "about the same as now" in words


def test_you_said_we_did_stands_beside_its_statement_and_the_survey_wide_one_under_who_answered(
        http: httpx.Client) -> None:
    html = http.get(PAGE).text
    wait = html.split('id="assessment_wait"')[1].split('class="statement"')[0]
    assert "Under way:" in wait and ENTRIES[0].text in wait and "1 March 2027" in wait
    who = text_of(html.split("Who answered")[1])
    assert "Swale: about half of the responses we would expect." in who
    assert "Asian: about a third of the responses we would expect." in who
    assert "What the council is doing about it We changed: " + ENTRIES[1].text in who


@pytest.mark.parametrize(("lang", "html_lang", "direction", "words"), [
    ("pl", "pl", "ltr", "Co powiedziały nam rodziny"), ("ro", "ro", "ltr", "Ce ne-au spus familiile"),
    ("ur", "ur", "rtl", "خاندانوں نے ہمیں کیا بتایا"), ("en-easy", "en", "ltr", "The sentence families answered:")])
def test_the_page_in_each_language_of_the_form(http: httpx.Client, lang: str, html_lang: str, direction: str,
                                               words: str) -> None:
    page = http.get(PAGE, params={"lang": lang})
    assert page.status_code == 200
    assert f'<html lang="{html_lang}" dir="{direction}">' in page.text
    assert words in text_of(page.text)
    assert f'href="{PAGE}/area"' not in page.text or 'name="lang"' in page.text  # the area form keeps the language


def test_a_language_not_offered_is_english(http: httpx.Client) -> None:
    assert '<html lang="en" dir="ltr">' in http.get(PAGE, params={"lang": "xx"}).text


def test_the_list_shows_each_release_and_a_withdrawn_one_with_its_notice(shared: Harness) -> None:
    server = shared
    old = release_out(sample_document("2026-autumn-final-0"), withdrawn=True)
    publish(server, [release_out(sample_document()), old])
    with server.client() as http:
        words = text_of(http.get("/findings").text)
        assert "Your voice: autumn 2026: findings" in words
        assert "Withdrawn: Withdrawn: a table counted some paper answers twice." in words
        withdrawn = http.get("/findings/2026-autumn-final-0")
        assert withdrawn.status_code == 200
        assert "This release has been withdrawn" in withdrawn.text and old.withdrawal_notice in withdrawn.text
        assert "families now agree" not in withdrawn.text  # its figures are not shown
        assert http.get("/findings/2026-autumn-final-0/data.json").status_code == 410
        assert http.get("/findings/no-such-release").status_code == 404


def test_nothing_published_says_so(shared: Harness) -> None:
    server = shared
    publish(server, [])
    with server.client() as http:
        assert "Nothing has been published yet" in http.get("/findings").text
        assert http.get(PAGE).status_code == 404


def test_an_interim_release_says_it_is_early_and_shows_no_district(shared: Harness) -> None:
    server = shared
    publish(server, [release_out(sample_document("2026-autumn-interim-1", stage="interim"))])
    with server.client() as http:
        assert "These are early findings" in http.get("/findings/2026-autumn-interim-1").text
        area = text_of(http.get("/findings/2026-autumn-interim-1/area", params={"postcode": "CT1"}).text)
    assert ("We cannot show Canterbury on its own: shown only in the final release, once the survey has closed."
            in area)
    assert "Your area: Kent" in area


def test_without_a_whole_area_2019_table_kent_is_compared_with_kent_and_medway_is_not(shared: Harness) -> None:
    """The releases' default plan compares with 2019 by council only: Kent with the Kent-wide 2019 figure."""
    publish(shared, [release_out(sample_document(headline="utla"))])
    with shared.client() as http:
        words = text_of(http.get(PAGE).text)
    assert ("4 in 10 families now agree they waited a reasonable time for an assessment. "
            "In Kent, 4 in 10 families agree now; in 2019 it was 1 in 10. More families agree now.") in words
    assert "In Medway" not in words and words.count("in 2019 it was") == 8
