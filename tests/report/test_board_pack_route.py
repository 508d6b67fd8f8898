"""GET /api/v1/releases/{release_id}/board-pack.zip and .pdf through the real app: a release stored as the release
builder stores it, its pack built from the release alone (with the published "You said, we did"), for
analysts and admins only."""

from __future__ import annotations

import io
import zipfile

import msgspec
import pdfplumber
import pytest

from surveyapp.store.releases import add_release
from tests.release_doc import planted_release
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, NEW_WAVE, Service


@pytest.fixture(scope="module")
def released(start_module_service) -> tuple[Service, str]:  # type: ignore[no-untyped-def]
    """A service holding no responses at all, and a draft release (the planted one) stored as the release
    builder stores it: whatever the pack shows comes from the release document."""
    service = start_module_service()
    document = planted_release()
    with service.client(ADMIN_TOKEN) as admin:
        assert admin.post("/api/v1/admin/waves", json=NEW_WAVE).status_code == 201
        entry = {"questionnaire_id": "send-repeat", "statement_id": "assessment_wait", "kind": "under_way",
                 "text": "Two more educational psychologists start in January.", "since": "2026-09-01",
                 "status": "published"}
        assert admin.post("/api/v1/actions", json=entry).status_code == 201
    add_release(service.store, {
        "release_id": document.release_id, "wave_id": document.wave_id, "stage": document.stage,
        "version": document.version, "status": "draft", "cutoff": document.cutoff.replace(tzinfo=None),
        "made_at": document.made_at.replace(tzinfo=None), "supersedes": None,
        "draft_json": msgspec.json.encode(document).decode(), "withdrawal_notice": ""})
    assert service.count() == 0
    return service, document.release_id


@pytest.mark.slow
def test_the_pack_zip_holds_the_page_charts_and_figures_of_the_release(released: tuple[Service, str]) -> None:
    service, release_id = released
    with service.client(ANALYST_TOKEN) as analyst:
        got = analyst.get(f"/api/v1/releases/{release_id}/board-pack.zip", params={"pdf": "false"})
    assert got.status_code == 200, got.text
    assert got.headers["x-report-pdf"] == "not asked for"
    names = zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert "board-pack.html" in names and any(n.startswith("charts/") and n.endswith(".svg") for n in names)
    page = zipfile.ZipFile(io.BytesIO(got.content)).read("board-pack.html").decode()
    assert release_id in page
    assert "Draft release: not yet published. Not for publication." in page  # a draft says so
    assert "Two more educational psychologists start in January." in page
    assert "About 900 families answered in Spring 2027" in page  # from the release: the store has no response


def test_only_analysts_and_admins_get_the_pack(released: tuple[Service, str]) -> None:
    service, release_id = released
    with service.client() as http:
        assert http.get(f"/api/v1/releases/{release_id}/board-pack.zip").status_code == 401
    with service.client(ADMIN_TOKEN) as admin:
        missing = admin.get("/api/v1/releases/no-such-release/board-pack.zip", params={"pdf": "false"})
        assert missing.status_code == 404


@pytest.mark.browser
@pytest.mark.slow
def test_the_pack_prints_to_an_a4_pdf(released: tuple[Service, str]) -> None:
    service, release_id = released
    with service.client(ADMIN_TOKEN) as admin:
        got = admin.get(f"/api/v1/releases/{release_id}/board-pack.pdf")
    assert got.status_code == 200, got.text[:300]
    with pdfplumber.open(io.BytesIO(got.content)) as pdf:
        first = pdf.pages[0].extract_text()
        assert "Summary" in first and "Not for publication" in first


@pytest.mark.slow
def test_without_chromium_the_pdf_is_a_503_saying_why(released: tuple[Service, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    service, release_id = released
    monkeypatch.setattr("surveyapp.render.report.CHROMIUMS", ("no-such-chromium",))
    with service.client(ADMIN_TOKEN) as admin:
        got = admin.get(f"/api/v1/releases/{release_id}/board-pack.pdf")
    assert got.status_code == 503 and "needs Chromium" in got.json()["detail"]
