"""Coding comments into themes as analysts do it: the coding page (masked, themes as checkboxes, a form post with
the session's CSRF token), blind double coding of a drawn sample with Cohen's kappa checked against
scikit-learn's, and suggestions that say "too few coded yet" until enough comments are coded."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sklearn.metrics import cohen_kappa_score

from tests.comments.planted import planted
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

WAVE = "2026-autumn"
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
# Words that make a theme in the planted set: the first coder codes by them, so a model can learn them.
KEYWORDS = {"communication": ("calls", "phone", "email", "letters", "reply", "never"),
            "waiting": ("wait", "list", "months", "years", "weeks"),
            "ehc_process": ("ehcp", "plan", "review", "tribunal", "caseworker"),
            "therapies": ("therapy", "therapist", "ot ", "speech", "salt"),
            "social_care": ("social", "respite", "short breaks")}


def themes_of(text: str) -> list[str]:
    lower = text.lower()
    return sorted(t for t, words in KEYWORDS.items() if any(w in lower for w in words))


@contextmanager
def signed_in(service: Service, token: str) -> Iterator[httpx.Client]:
    with service.client() as client:
        assert client.post("/sign-in", data={"token": token}, headers=BROWSER).status_code == 303
        yield client


def _comments(service: Service) -> list[dict[str, object]]:
    with service.client(ANALYST_TOKEN) as analyst:
        return list(analyst.get(f"/api/v1/comments/{WAVE}").json())


def test_the_coding_page_shows_a_comment_masked_and_saves_the_themes_ticked(commented: Service) -> None:
    with signed_in(commented, ANALYST_TOKEN) as browser:
        page = browser.get(f"/comments/{WAVE}?view=one", headers=BROWSER)
        assert page.status_code == 200, page.text
        assert "07911 123456" not in page.text and "Comment 1 of" in page.text
        assert 'type="checkbox" name="theme" value="communication"' in page.text
        assert "too few coded yet" in page.text
        rid = re.search(r'name="response_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"response_id": rid, "blind": "0", "theme": ["waiting", "communication"], "back": f"/comments/{WAVE}"}
        refused = browser.post(f"/comments/{WAVE}/code", data=form, headers=BROWSER)
        assert refused.status_code == 403  # no CSRF token: nothing saved
        saved = browser.post(f"/comments/{WAVE}/code", data={**form, "csrf_token": csrf}, headers=BROWSER)
        assert saved.status_code == 303 and saved.headers["location"].startswith(f"/comments/{WAVE}?saved={rid}")
        again = browser.get(saved.headers["location"], headers=BROWSER)
        card = again.text[again.text.index(f'id="c-{rid}"'):]
        card = card[:card.index("</form>")]
        assert "(coded by you)" in card and 'value="waiting" id' in card
        assert re.search(r'value="waiting"[^>]*checked', card) and not re.search(r'value="praise"[^>]*checked', card)
    coded = {c["response_id"]: c["themes"] for c in _comments(commented)}
    assert coded[rid] == ["communication", "waiting"]


def test_staff_and_strangers_cannot_open_the_coding_page(commented: Service) -> None:
    with commented.client() as stranger:
        assert stranger.get(f"/comments/{WAVE}").status_code == 401
        assert stranger.post(f"/comments/{WAVE}/code", data={"response_id": "x"}).status_code == 401


def test_blind_double_coding_agreement_is_cohens_kappa_as_sklearn_computes_it(commented: Service) -> None:
    rng = random.Random(11)
    with commented.client(ANALYST_TOKEN) as analyst, commented.client(ADMIN_TOKEN) as admin:
        drawn = analyst.post(f"/api/v1/comments/{WAVE}/sample", json={"size": 20, "seed": 5})
        assert drawn.status_code == 201 and len(drawn.json()["response_ids"]) == 20
        assert analyst.post(f"/api/v1/comments/{WAVE}/sample", json={"size": 20, "seed": 5}).json() == drawn.json()
        texts = {c["response_id"]: c["text"] for c in _comments(commented)}
        first, second = {}, {}
        for rid in drawn.json()["response_ids"]:
            first[rid] = themes_of(str(texts[rid]))
            # the second coder agrees mostly, not always
            second[rid] = sorted({t for t in first[rid] if rng.random() < 0.8} | {
                t for t in KEYWORDS if rng.random() < 0.1})
            assert analyst.put(f"/api/v1/comments/{WAVE}/{rid}/coding", json={"themes": first[rid]}).status_code == 200
            blind = admin.put(f"/api/v1/comments/{WAVE}/{rid}/coding", json={"themes": second[rid], "blind": True})
            assert blind.status_code == 200 and blind.json()["coder"] == "Admin"
        got = analyst.get(f"/api/v1/comments/{WAVE}/agreement").json()
    assert got["coders"] == ["Analyst", "Admin"] and got["comments"] == 20
    by_theme = {t["theme_id"]: t for t in got["themes"]}
    ids = sorted(first)
    for theme in KEYWORDS:
        a, b = [int(theme in first[r]) for r in ids], [int(theme in second[r]) for r in ids]
        if len(set(a) | set(b)) > 1:
            assert by_theme[theme]["kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-9), theme
        assert by_theme[theme]["ticked_by_first"] == sum(a) and by_theme[theme]["ticked_by_second"] == sum(b)
    assert by_theme["praise"]["kappa"] is None  # ticked by neither: kappa is not defined
    assert any(0 < t["kappa"] < 1 for t in got["themes"] if t["kappa"] is not None)
    # a blind coding is compared, never counted: the comment's themes are the first coder's
    coded = {c["response_id"]: c["themes"] for c in _comments(commented)}
    assert all(coded[r] == first[r] for r in ids)


def test_the_blind_page_shows_neither_the_first_coders_themes_nor_suggestions(commented: Service) -> None:
    with signed_in(commented, ADMIN_TOKEN) as browser:
        page = browser.get(f"/comments/{WAVE}?blind=1", headers=BROWSER)
    assert page.status_code == 200 and "Blind coding" in page.text and "suggested</strong>" not in page.text
    assert "Agreement between coders" in page.text


@pytest.mark.slow  # sixty codings through the API, then two cross-validated fits
def test_suggestions_learn_from_coded_comments_and_say_how_often_they_agree(commented: Service) -> None:
    listed = sorted(_comments(commented), key=lambda c: str(c["text"]))  # the same sixty on every run
    with commented.client(ANALYST_TOKEN) as analyst:
        for c in listed[:60]:
            themes = themes_of(str(c["text"]))
            assert analyst.put(f"/api/v1/comments/{WAVE}/{c['response_id']}/coding",
                               json={"themes": themes}).status_code == 200
        quality = analyst.get(f"/api/v1/comments/{WAVE}/suggestions/quality").json()
        suggestions = analyst.get(f"/api/v1/comments/{WAVE}/suggestions").json()
    assert quality["enough"] and quality["folds"] == 5 and 0 <= quality["exact_match"] <= 1
    assert set(quality["per_theme"]) <= set(KEYWORDS) and quality["per_theme"]
    uncoded = {str(c["response_id"]) for c in listed[60:] if c["codebook_version"] is None}
    assert set(suggestions) == uncoded
    # a theme learnt from the coding (not one ticked on nearly every comment) is suggested for an uncoded comment
    # that has it: which themes are learnt depends on the blind sample an earlier test coded, drawn over random ids
    text = {str(c["response_id"]): str(c["text"]) for c in listed}
    hits = [t for t in quality["per_theme"]
            if any(t in suggestions[rid] for rid in uncoded if t in themes_of(text[rid]))]
    assert hits, (quality["per_theme"], suggestions)
    with signed_in(commented, ANALYST_TOKEN) as browser:
        pages = [browser.get(f"/comments/{WAVE}?page={n}", headers=BROWSER).text for n in range(1, 6)]
    assert any("suggested</strong>" in page for page in pages) and "cross-validation" in pages[0]
    assert len(planted()) > 60


def test_the_page_draws_the_sample_from_its_form_and_refuses_nonsense(commented: Service) -> None:
    with signed_in(commented, ANALYST_TOKEN) as browser:
        page = browser.get(f"/comments/{WAVE}", headers=BROWSER)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        bad = browser.post(f"/comments/{WAVE}/sample", data={"size": "lots", "seed": "1", "csrf_token": csrf},
                           headers=BROWSER)
        assert bad.status_code == 303
        assert "Enter a size from 2 to 500" in browser.get(bad.headers["location"], headers=BROWSER).text
        drawn = browser.post(f"/comments/{WAVE}/sample", data={"size": "6", "seed": "9", "csrf_token": csrf},
                             headers=BROWSER)
        assert drawn.status_code == 303
        after = browser.get(drawn.headers["location"], headers=BROWSER).text
    assert "6 comments are in the sample" in after and "Blind double coding of the sample (6 comments)" in after
    with commented.client(ANALYST_TOKEN) as analyst:
        assert analyst.get(f"/api/v1/comments/{WAVE}/sample").json()["seed"] == 9
