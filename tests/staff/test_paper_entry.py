"""Fast paper entry over HTTP, in process, on a real DuckDB file: a returned paper form typed in on one page and
stored as one paper response with its reference; mistakes shown again with everything typed kept, each linked to
its field; and double entry: two people, the same form, stored when they agree, and when they differ, listed field
by field and stored once someone has settled them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from surveyapp.domain.paper import Typed, differing, field_names, settled, value_of
from tests.conftest import StartService
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, STAFF_TOKEN, Service
from waves.model import FreeText, Likert, MultipleChoice, PartPostcode, Questionnaire, SingleChoice

WAVE = "2026-autumn"
ENTRY = f"/console/paper/{WAVE}"
BROWSER = {"Accept": "text/html"}
CODE = "MAPLE-OTTER-4217"


@pytest.fixture
def service(start_service: StartService) -> Service:
    return start_service(staff_token=STAFF_TOKEN)


@contextmanager
def typist(service: Service, token: str = STAFF_TOKEN) -> Iterator[httpx.Client]:
    """One member of staff in a browser session of their own."""
    with service.client() as client:
        assert client.post("/sign-in", data={"token": token}).status_code == 303
        yield client


def csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(ENTRY, headers=BROWSER).text)
    assert found
    return found.group(1)


def summary(page: str) -> list[tuple[str, str]]:
    box = page.partition('class="error-summary"')[2].partition("</ul>")[0]
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', box)


def full_form(questionnaire: Questionnaire, reference: str = "0042") -> dict[str, Any]:
    """Every question answered, as a paper form filled in completely would be typed in."""
    data: dict[str, Any] = {"reference": reference, "lang": "en", "return_code": "", "child": "2"}
    for q in questionnaire.questions:
        if isinstance(q, SingleChoice):
            data[q.id] = q.options[0].id
        elif isinstance(q, MultipleChoice):
            data[q.id] = [o.id for o in q.options if o.id != q.exclusive][:2]
        elif isinstance(q, Likert):
            data.update({f"{q.id}-{s.id}": q.answers[i % len(q.answers)].id for i, s in enumerate(q.statements)})
        elif isinstance(q, FreeText):
            data[q.id] = "The school listened & changed things."
        elif isinstance(q, PartPostcode):
            data[q.id] = "ME14 5AB"
    return data


def post(client: httpx.Client, data: dict[str, Any], path: str = ENTRY) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": csrf(client)}, headers=BROWSER)


def stored_answers(service: Service) -> dict[tuple[str, str | None], list[str]]:
    found: dict[tuple[str, str | None], list[str]] = {}
    for question, statement, option, text in service.store.rows(
            "SELECT question_id, statement_id, option_id, text FROM answers ORDER BY ALL"):
        found.setdefault((question, statement), []).append(option or text)
    return found


def double_entry_on(service: Service) -> None:
    with service.client(ADMIN_TOKEN) as admin, typist(service, ADMIN_TOKEN) as browser:
        assert admin  # the console is a browser page: the admin sets it there
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          browser.get("/console", headers=BROWSER).text).group(1)  # type: ignore[union-attr]
        assert browser.post(f"/console/waves/{WAVE}/double-entry",
                            data={"csrf_token": token, "double_entry": "on"}).status_code == 303


def test_a_paper_form_typed_on_one_page_is_stored_once_as_paper_with_every_answer(service: Service) -> None:
    questionnaire = service.services.waves.get(WAVE).questionnaire
    with typist(service) as staff:
        page = staff.get(ENTRY, headers=BROWSER).text
        ids = re.findall(r'<input[^>]* id="([^"]+)"', page)
        assert ids[:2] == ["reference", "lang"]  # the reference first, then the form in the paper's order
        assert ids.index("return_code") < ids.index("child") < ids.index("respondent_role") < ids.index("postcode")
        assert "<script" not in page
        data = full_form(questionnaire)
        stored = post(staff, data)
    assert stored.status_code == 201, summary(stored.text)
    assert "Form 0042 is stored" in stored.text and 'value=""' in stored.text  # the next form, empty
    code = re.search(r'<strong class="code">([A-Z]+-[A-Z]+-\d{4})</strong>', stored.text)
    assert code, "the return code to write on the letter back"
    assert service.store.rows("SELECT channel, submission_id, postcode_district FROM responses") == [
        ("paper", "paper-ref:0042", "ME14")]
    answers = stored_answers(service)
    for q in questionnaire.questions:
        if isinstance(q, Likert):
            for s in q.statements:
                assert answers[(q.id, s.id)] == [data[f"{q.id}-{s.id}"]]
        elif isinstance(q, MultipleChoice):
            assert sorted(answers[(q.id, None)]) == sorted(data[q.id])
        elif not isinstance(q, PartPostcode):
            assert answers[(q.id, None)] == [data[q.id]], q.id
    assert service.store.rows("SELECT reference, first_by, second_by FROM paper_forms") == [("0042", "Staff", None)]


def test_mistakes_come_back_on_the_one_page_with_every_answer_kept_and_each_linked_to_its_field(
        service: Service) -> None:
    questionnaire = service.services.waves.get(WAVE).questionnaire
    data = full_form(questionnaire, reference="00 42 !")
    multiple = next(q for q in questionnaire.questions if isinstance(q, MultipleChoice) and q.exclusive)
    data[multiple.id] = [multiple.exclusive, next(o.id for o in multiple.options if o.id != multiple.exclusive)]
    data["postcode"] = "NOT A POSTCODE"
    data["return_code"] = CODE.replace("-", " ") + "X"
    with typist(service) as staff:
        page = post(staff, data)
    assert page.status_code == 400 and "<title>Error: Type in a paper form" in page.text
    targets = [t for t, _ in summary(page.text)]
    assert targets == ["#reference", "#return_code", f"#{multiple.id}", "#postcode"]
    assert 'value="00 42 !"' in page.text and 'value="NOT A POSTCODE"' in page.text
    assert "The school listened &amp; changed things." in page.text
    statement = next(k for k in data if k.startswith("q7-"))
    assert re.search(rf'name="{statement}" type="radio" value="{data[statement]}" checked', page.text)
    assert 'id="postcode-error"' in page.text and 'aria-describedby="postcode-hint postcode-error"' in page.text
    assert service.count() == 0


def test_the_services_own_checks_are_linked_too_and_a_form_entered_twice_is_refused(service: Service) -> None:
    questionnaire = service.services.waves.get(WAVE).questionnaire
    with typist(service) as staff:
        empty = post(staff, {"reference": "7", "lang": "en"})  # no statement of question 7 answered
        assert empty.status_code == 400
        assert summary(empty.text) == [("#q7-" + questionnaire.likert().statements[0].id,  # type: ignore[union-attr]
                                        "Answer at least one statement in question 7. “Don&#39;t know” counts as "
                                        "an answer")]
        assert post(staff, full_form(questionnaire, "7")).status_code == 201
        again = post(staff, full_form(questionnaire, "0007"))
    assert again.status_code == 409 and summary(again.text) == [
        ("#reference", "Form 0007 has already been entered for this survey. Check the reference on the form; give "
                       "a different form a new reference")]
    assert service.count() == 1


def test_double_entry_stores_matching_typings_by_two_people_as_one_response(service: Service) -> None:
    double_entry_on(service)
    data = full_form(service.services.waves.get(WAVE).questionnaire)
    code = service.services.codes.new_code()
    data["return_code"] = code
    with typist(service) as first, typist(service) as second:
        once = post(first, data)
        assert once.status_code == 200 and "Form 0042 is typed in once" in once.text
        assert service.count() == 0
        kept = service.store.rows("SELECT fields_json FROM paper_entries")[0][0]
        assert code not in kept and code.split("-")[0] not in kept  # the code waits sealed, as in a draft
        assert "Another person types it in" in first.get(ENTRY, headers=BROWSER).text
        blank = second.get(ENTRY, headers=BROWSER).text  # the second typist sees nothing of the first typing
        questions = blank.partition('id="return_code"')[2].partition("</form>")[0]
        assert 'value="ME14"' not in blank and "checked" not in questions
        mine = post(first, data)
        assert mine.status_code == 409 and summary(mine.text) == [
            ("#reference", "You typed in form 0042 the first time. Another member of staff must type it in the "
                           "second time, without looking at the first")]
        both = post(second, data)
    assert both.status_code == 201 and "Form 0042 is stored" in both.text
    assert service.count() == 1 and service.count("SELECT count(*) FROM paper_entries") == 0
    assert service.store.rows("SELECT first_by, second_by, resolved_by FROM paper_forms") == [("Staff", "Staff", None)]
    assert service.store.rows("SELECT channel FROM responses") == [("paper",)]


def test_a_double_entered_form_with_one_difference_waits_and_is_stored_once_as_settled(service: Service) -> None:
    double_entry_on(service)
    questionnaire = service.services.waves.get(WAVE).questionnaire
    data = full_form(questionnaire)
    likert = questionnaire.likert()
    assert likert is not None
    field = f"{likert.id}-{likert.statements[2].id}"
    other = dict(data, **{field: likert.answers[-1].id})
    assert data[field] != other[field]
    with typist(service) as first, typist(service) as second, typist(service) as third:
        post(first, data)
        differ = post(second, other)
        assert differ.status_code == 200 and "Form 0042: the two typings differ" in differ.text
        fields = re.findall(r'<input id="([^"]+)" name="\1" type="radio" value="first"', differ.text)
        assert fields == [field]  # field by field: only the one that differs
        first_words = next(a.text["en"] for a in likert.answers if a.id == data[field])
        assert f"First typing: {first_words}" in html.unescape(differ.text)
        assert f"Second typing: {likert.answers[-1].text['en']}" in html.unescape(differ.text)
        assert service.count() == 0  # nothing stored until it is settled
        again = post(third, data)
        assert again.status_code == 409 and "settle the differences" in again.text
        settle = f"{ENTRY}/forms/0042"
        assert 'href="/console/paper/2026-autumn/forms/0042"' in third.get(ENTRY, headers=BROWSER).text
        unchosen = post(third, {}, settle)
        assert unchosen.status_code == 400 and summary(unchosen.text) == [
            (f"#{field}", "Choose the typing that matches the paper form")]
        assert service.count() == 0
        done = post(third, {field: "second"}, settle)
        assert done.status_code == 201 and "Form 0042 is stored" in done.text
        assert third.get(settle, headers=BROWSER).status_code == 404  # nothing left to settle
    assert service.count() == 1 and service.count("SELECT count(*) FROM paper_entries") == 0
    assert stored_answers(service)[(likert.id, likert.statements[2].id)] == [likert.answers[-1].id]
    untouched = likert.statements[0].id
    assert stored_answers(service)[(likert.id, untouched)] == [data[f"{likert.id}-{untouched}"]]
    assert service.store.rows("SELECT first_by, second_by, resolved_by FROM paper_forms") == [
        ("Staff", "Staff", "Staff")]


def test_paper_entry_is_for_staff_and_admins_only(service: Service) -> None:
    with service.client() as nobody:
        assert nobody.get(ENTRY).status_code == 401
        assert nobody.post(ENTRY, data={"reference": "1"}).status_code == 401
    with typist(service, ANALYST_TOKEN) as analyst:
        assert analyst.get(ENTRY, headers=BROWSER).status_code == 403
    with typist(service, ADMIN_TOKEN) as admin:
        assert admin.get(ENTRY, headers=BROWSER).status_code == 200
        assert admin.get("/console/paper/no-such-wave", headers=BROWSER).status_code == 404
    with typist(service) as staff:
        refused = staff.post(ENTRY, data={"reference": "1"}, headers=BROWSER)  # no CSRF token
        assert refused.status_code == 403 and "This form has expired" in refused.text
    assert service.count() == 0


def test_settling_takes_each_chosen_field_from_the_second_typing_and_every_other_from_the_first(
        service: Service) -> None:
    """Two typings that differ in every field: settled with none chosen is the first, with all the second, and
    with one chosen differs from the first in that field alone."""
    questionnaire = service.services.waves.get(WAVE).questionnaire
    likert = questionnaire.likert()
    assert likert is not None
    first = Typed("en", {"respondent_role": "parent_carer", "heard_about": ["school"],
                         likert.id: {s.id: "tend_to_agree" for s in likert.statements}}, "ME14", "A", "1")
    second = Typed("en-easy", {"respondent_role": "young_person", "heard_about": ["gp", "school"],
                               likert.id: {s.id: "strongly_agree" for s in likert.statements}}, "CT9", "B", "2")
    names = differing(questionnaire, first, second)
    assert names[:4] == ["lang", "return_code", "child", "respondent_role"] and "postcode" in names
    assert names == [n for n in field_names(questionnaire) if n in names]  # in the paper's order
    assert settled(questionnaire, first, second, set()) == first
    assert differing(questionnaire, settled(questionnaire, first, second, set(names)), second) == []
    for name in names:
        one = settled(questionnaire, first, second, {name})
        assert differing(questionnaire, one, first) == [name]
        assert value_of(questionnaire, one, name) == value_of(questionnaire, second, name)
    cleared = settled(questionnaire, first, Typed("en"), {"heard_about", f"{likert.id}-{likert.statements[0].id}"})
    assert "heard_about" not in cleared.answers and likert.statements[0].id not in cleared.answers[likert.id]


def test_a_code_used_too_often_is_named_on_its_field_and_a_closed_wave_takes_no_forms(
        start_service: StartService, clock) -> None:  # type: ignore[no-untyped-def]
    service = start_service(staff_token=STAFF_TOKEN, max_responses_per_code=1)
    questionnaire = service.services.waves.get(WAVE).questionnaire
    code = service.services.codes.new_code()
    with typist(service) as staff:
        assert post(staff, {**full_form(questionnaire, "1"), "return_code": code}).status_code == 201
        again = post(staff, {**full_form(questionnaire, "2"), "return_code": code})
        assert again.status_code == 400 and summary(again.text)[0][0] == "#return_code"
        assert "This code has been used 1 times" in again.text
        assert staff.get(f"{ENTRY}/forms/0001", headers=BROWSER).status_code == 404  # nothing to settle
        with service.client(ADMIN_TOKEN) as admin:
            assert admin.post(f"/api/v1/admin/waves/{WAVE}/close").status_code == 200
        closed = staff.get(ENTRY, headers=BROWSER)
        assert closed.status_code == 404 and "Paper forms can be typed in while their wave is open" in closed.text
        assert "No survey is open" in staff.get("/console/paper", headers=BROWSER).text
    assert service.count() == 1


def test_two_people_typing_the_same_form_at_the_same_moment_keep_one_typing_and_the_other_is_told(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read "no typing yet" before either is kept (the store's read is made to answer as it did for both):
    the store keeps the first, and the second is told, with nothing lost and no error page."""
    import surveyapp.store.paper

    double_entry_on(service)
    data = full_form(service.services.waves.get(WAVE).questionnaire)
    with typist(service) as first, typist(service) as second:
        assert post(first, data).status_code == 200
        monkeypatch.setattr(surveyapp.store.paper, "entries", lambda *_: [])
        late = post(second, data)
    assert late.status_code == 409 and summary(late.text) == [
        ("#reference", "Someone else typed in form 0042 at the same moment, so yours was not kept. See “Forms "
                       "waiting” below for what it needs next")]
    assert service.count("SELECT count(*) FROM paper_entries") == 1 and service.count() == 0
