"""The comments' store: the codebook starts from the 2019 report's themes, edits make versions, codings keep
the version they were made under, and a blind second coding is never what a comment's themes are read from."""

from __future__ import annotations

import pytest

from surveyapp.actions import comments
from surveyapp.actions.schemas_comments import CodebookIn, CodingIn, ThemeIn
from surveyapp.comments.errors import CommentsError

WAVE = "2026-autumn"


def _comment(server, text: str, postcode: str = "ME14 5AB") -> str:
    with server.client() as http:
        sent = http.post(f"/api/v1/waves/{WAVE}/responses",
                         json={"answers": {"q7": {"health_met": "tend_to_disagree"}, "q7a": text},
                               "postcode": postcode})
    assert sent.status_code == 201, sent.text
    return str(sent.json()["response_id"])


def test_codebook_versions_and_codes_keep_theirs(server) -> None:
    services = server.services
    first = _comment(server, "Nobody rings back.")
    second = _comment(server, "Waited three years for an ASD assessment.")
    book = comments.codebook(services, "send-repeat")
    assert book.version == 1 and [t.id for t in book.themes][:3] == ["communication", "blamed", "waiting"]
    comments.code(services, WAVE, first, "Analyst", CodingIn(themes=["communication"]))
    edited = comments.edit_codebook(services, "send-repeat", CodebookIn(
        themes=[*(ThemeIn(id=t.id, label=t.label, description=t.description) for t in book.themes),
                ThemeIn(id="transport", label="Transport", description="Getting to school.")],
        note="transport came up often"), made_by="Analyst")
    assert edited.version == 2 and edited.themes[-1].id == "transport"
    comments.code(services, WAVE, second, "Analyst", CodingIn(themes=["waiting", "transport"]))
    comments.code(services, WAVE, second, "Admin", CodingIn(themes=["communication"], blind=True))
    tags = comments.theme_tags(services, [WAVE])
    got = {(r["response_id"], r["codebook_version"], r["theme_id"]) for r in tags.iter_rows(named=True)}
    assert got == {(first, 1, "communication"), (second, 2, "transport"), (second, 2, "waiting")}
    assert [b.version for b in comments.codebook_history(services, "send-repeat")] == [1, 2]
    assert comments.codebook(services, "send-repeat", 1).themes[-1].id != "transport"
    book, columns = comments.theme_columns(services, [WAVE], "send-repeat")
    row = columns.filter(columns["response_id"] == second).row(0, named=True)
    assert row["theme_transport"] == 1 and row["theme_waiting"] == 1 and row["theme_communication"] == 0


def test_a_theme_the_codebook_lacks_is_refused(server) -> None:
    rid = _comment(server, "Fine.")
    with pytest.raises(CommentsError, match="no theme"):
        comments.code(server.services, WAVE, rid, "Analyst", CodingIn(themes=["weather"]))
