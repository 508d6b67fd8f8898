"""Open data, the feed and frozen pages, read as a reuser would: pandas and csv, an XML parser, the bytes."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

import httpx
import msgspec
import pandas as pd
import pytest

from surveyapp.findings import frozen
from surveyapp.findings.source import SaidDid
from tests.conftest import Harness
from tests.findings.conftest import PUBLIC, RELEASE
from tests.findings.sample import ENTRIES, WAIT, publish, release_out, sample_document

BASE = f"/findings/{RELEASE}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def http(findings_app: Harness) -> httpx.Client:
    return findings_app.client()


def test_every_table_reads_into_pandas_with_the_releases_values(http: httpx.Client) -> None:
    document = sample_document()
    for table in document.tables:
        got = http.get(f"{BASE}/data/{table.spec.table_id}.csv")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert "open-government-licence" in got.headers["link"]
        frame = pd.read_csv(io.BytesIO(got.content))
        assert list(frame.columns) == table.columns and len(frame) == len(table.rows)
        shown = [r for r in table.rows if r.get("share_agree") is not None]
        if table.spec.kind == "compare":
            assert frame["share_agree"].notna().sum() == len(shown)  # a hidden cell is empty, not 0
            assert frame["share_agree"].dropna().tolist() == pytest.approx([r["share_agree"] for r in shown])


def test_the_dictionary_explains_every_column_and_the_json_holds_it_all(http: httpx.Client) -> None:
    rows = list(csv.DictReader(io.StringIO(http.get(f"{BASE}/dictionary.csv").text)))
    columns = {c for t in sample_document().tables for c in t.columns}
    assert {r["column"] for r in rows} == columns
    assert all(r["meaning"] and "see the analysts" not in r["meaning"] for r in rows)  # none left unexplained
    data = msgspec.json.decode(http.get(f"{BASE}/data.json").content)
    assert data["licence"] == "Open Government Licence v3.0" and "open-government-licence" in data["licence_url"]
    assert data["url"] == f"{PUBLIC}{BASE}" and len(data["tables"]) == len(sample_document().tables)
    assert {r["column"] for r in data["dictionary"]} == columns
    assert http.get(f"{BASE}/data/nothing.csv").status_code == 404
    assert http.get(f"{BASE}/data/reach-lad").status_code == 404


def test_the_feed_is_atom_with_an_entry_per_release(shared: Harness) -> None:
    server = shared
    publish(server, [release_out(sample_document()), release_out(sample_document("2026-autumn-final-0"),
                                                                 withdrawn=True)])
    with server.client() as http:
        got = http.get("/findings/feed.atom")
    assert got.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(got.content)  # noqa: S314 (the service's own feed, in a test)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"{PUBLIC}{BASE}", f"{PUBLIC}/findings/2026-autumn-final-0"]
    for entry in entries:  # RFC 4287: each entry has an id, a title and an updated time
        assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}updated", "").endswith("Z")
    assert "(withdrawn)" in entries[1].findtext(f"{ATOM}title", "")


class Counting:
    """Counts how often the page's handler had to read the releases."""

    def __init__(self, reader: object) -> None:
        self.reader, self.calls = reader, 0

    def __getattr__(self, name: str) -> object:
        if name == "published":
            self.calls += 1
        return getattr(self.reader, name)


def test_a_published_page_is_served_as_the_same_bytes_from_memory(shared: Harness,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server = shared
    reader = publish(server, [release_out(sample_document())])
    counting = Counting(reader)
    server.app.state.findings.reader = counting
    with server.client() as http:
        first = http.get(BASE, params={"lang": "pl"})
        reads = counting.calls
        again = [http.get(BASE, params={"lang": "pl"}) for _ in range(5)]
        assert counting.calls == reads  # not rendered again: no release was read
        assert all(a.content == first.content for a in again)
        assert again[0].headers["content-security-policy"] == first.headers["content-security-policy"]
        assert again[0].headers["x-content-type-options"] == "nosniff"  # the security headers were kept too
        http.get(BASE, params={"lang": "zz-" + "x" * 50})
        http.get(BASE, params={"postcode": "CT1"})
        assert set(server.app.state.findings.frozen.kept) == {(BASE, b"lang=pl")}  # no address of anyone's making


def test_a_new_you_said_we_did_entry_shows_at_once_the_check_runs(shared: Harness,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frozen, "CHECK_SECONDS", 0.0)
    server = shared
    reader = publish(server, [release_out(sample_document())], entries=[])
    with server.client() as http:
        before = http.get(BASE)
        assert "You said, we did" not in before.text
        reader.said = [*ENTRIES, SaidDid(WAIT, "changed", "Assessments now start within 6 weeks.", None)]
        after = http.get(BASE)
        assert "Assessments now start within 6 weeks." in after.text
        reader.releases = [release_out(sample_document(), withdrawn=True)]
        assert "This release has been withdrawn" in http.get(BASE).text


def test_pages_served_from_memory_are_counted_in_the_metrics(shared: Harness) -> None:
    server = shared
    publish(server, [release_out(sample_document())])
    route = {"route": "/findings/{release_id}", "method": "GET", "status": "200"}
    before = server.app.state.metrics.registry.get_sample_value("surveyapp_http_requests_total", route) or 0
    with server.client() as http:
        pages = [http.get(BASE) for _ in range(3)]
    assert "x-request-id" in pages[0].headers and "x-request-id" not in pages[2].headers  # the last from memory
    assert pages[2].content == pages[0].content
    counted = server.app.state.metrics.registry.get_sample_value("surveyapp_http_requests_total", route)
    assert counted == before + 3  # one rendered (counted by the access log), two from memory


def test_the_summary_pdf_says_when_it_cannot_be_printed_now(shared: Harness,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from surveyapp.findings import routes
    from surveyapp.render.report import PdfError

    server = shared
    publish(server, [release_out(sample_document())])
    slots = server.services.pdf_renders
    taken = 0
    while slots.acquire(blocking=False):  # every PDF slot busy printing
        taken += 1
    with server.client() as http:
        busy = http.get(f"{BASE}/summary.pdf")
        assert busy.status_code == 503 and busy.headers["retry-after"]
        for _ in range(taken):
            slots.release()

        def no_chromium(html: str) -> bytes:
            raise PdfError("printing the PDF needs Chromium: install it")

        monkeypatch.setattr(routes, "summary_pdf", no_chromium)
        missing = http.get(f"{BASE}/summary.pdf")
    assert missing.status_code == 503 and "needs Chromium" in missing.text


def test_when_the_releases_cannot_be_read_nothing_is_served_from_memory(shared: Harness,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frozen, "CHECK_SECONDS", 0.0)
    server = shared
    reader = publish(server, [release_out(sample_document())])
    with server.client() as http:
        assert http.get(BASE).status_code == 200
        assert server.app.state.findings.frozen.kept

        def unavailable(services: object) -> list[object]:
            raise OSError("the store is unavailable")

        monkeypatch.setattr(reader, "published", unavailable)
        answer = http.get(BASE)
    assert answer.status_code == 500 and not server.app.state.findings.frozen.kept  # the app's own answer
    assert "x-request-id" in answer.headers  # through the access log, which recorded it
