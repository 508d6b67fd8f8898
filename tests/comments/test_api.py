"""Comments through the API as analysts and admins meet them: masked by default, unmasked only with the unmask
right (admins today) and recorded in the audit log; the admin's list of schools; the codebook's versions."""

from __future__ import annotations

from tests.comments.planted import planted
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

WAVE = "2026-autumn"


def test_analysts_read_comments_masked_with_area_and_answers(commented: Service) -> None:
    with commented.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/comments/{WAVE}")
    assert got.status_code == 200, got.text
    listed = got.json()
    assert len(listed) == len(planted()) and all(c["masked"] for c in listed)
    body = " ".join(c["text"] for c in listed)
    for text, spans in planted():
        for start, end, kind in spans:
            if kind in ("phone", "email", "nhs", "postcode"):
                assert text[start:end] not in body, kind
    assert "[school]" in body and "[name]" in body
    assert {c["area"] for c in listed} >= {"Maidstone", "Thanet"}
    assert all(c["answers"].keys() == {"health_met", "local_offer_useful"} for c in listed)


def test_unmasked_text_needs_the_unmask_right_and_is_recorded(commented: Service) -> None:
    with commented.client(ANALYST_TOKEN) as analyst, commented.client(ADMIN_TOKEN) as admin:
        before = len([r for r in admin.get("/api/v1/audit", params={"limit": 1000}).json()
                      if r["action"] == "comments read unmasked"])
        refused = analyst.get(f"/api/v1/comments/{WAVE}/unmasked")
        assert refused.status_code == 403 and "07911" not in refused.text
        got = admin.get(f"/api/v1/comments/{WAVE}/unmasked")
        assert got.status_code == 200
        assert "07911 123456" in " ".join(c["text"] for c in got.json())
        audit = [r for r in admin.get("/api/v1/audit", params={"limit": 1000}).json()
                 if r["action"] == "comments read unmasked"]
    assert len(audit) == before + 2  # the refused read and this one
    assert {(r["actor_role"], r["outcome"]) for r in audit} >= {("admin", "ok"), ("analyst", "refused")}


def test_a_school_on_the_admins_list_is_masked_and_taking_it_off_shows_it(commented: Service) -> None:
    with commented.client(ANALYST_TOKEN) as analyst, commented.client(ADMIN_TOKEN) as admin:
        assert analyst.post("/api/v1/admin/setting-names", json={"names": ["Summerfield"]}).status_code == 403
        assert "Hillview" not in " ".join(c["text"] for c in analyst.get(f"/api/v1/comments/{WAVE}").json())
        assert admin.post("/api/v1/admin/setting-names", json={"names": ["Westfield"]}).status_code == 201
        texts = " ".join(c["text"] for c in analyst.get(f"/api/v1/comments/{WAVE}").json())
        assert "Westfield" not in texts
        removed = admin.delete("/api/v1/admin/setting-names", params={"name": "Westfield"})
        assert removed.status_code == 200 and "Westfield" not in removed.json()["names"]
        assert admin.delete("/api/v1/admin/setting-names", params={"name": "Nowhere"}).status_code == 404


def test_the_codebook_is_edited_into_a_new_version(commented: Service) -> None:
    with commented.client(ANALYST_TOKEN) as analyst:
        book = analyst.get("/api/v1/codebooks/send-repeat").json()
        assert book["note"] == "the 2019 report's themes" or book["version"] > 1
        themes = [*book["themes"], {"id": "transport_x", "label": "Transport", "description": "Getting to school."}]
        edited = analyst.post("/api/v1/codebooks/send-repeat", json={"themes": themes, "note": "transport"})
        assert edited.status_code == 201, edited.text
        assert edited.json()["version"] == book["version"] + 1 and edited.json()["made_by"] == "Analyst"
        twice = analyst.post("/api/v1/codebooks/send-repeat", json={"themes": themes + themes[:1], "note": "x"})
        assert twice.status_code == 400 and twice.json()["errors"][0]["field"] == "themes"
        history = analyst.get("/api/v1/codebooks/send-repeat/history").json()
        assert [b["version"] for b in history][-2:] == [book["version"], book["version"] + 1]
        assert analyst.get("/api/v1/codebooks/nope").status_code == 404
        restored = analyst.post("/api/v1/codebooks/send-repeat", json={"themes": book["themes"], "note": "undo"})
        assert restored.status_code == 201


def test_blank_school_names_are_left_out_and_long_ones_cut(commented: Service) -> None:
    with commented.client(ADMIN_TOKEN) as admin:
        before = admin.get("/api/v1/admin/setting-names").json()["names"]
        assert admin.post("/api/v1/admin/setting-names", json={"names": ["", "   "]}).json()["names"] == before
        added = admin.post("/api/v1/admin/setting-names", json={"names": ["Long " * 60]}).json()["names"]
        assert max(len(n) for n in added) == 200
        assert admin.delete("/api/v1/admin/setting-names", params={"name": ("Long " * 60).strip()[:200]}
                            ).status_code == 200
