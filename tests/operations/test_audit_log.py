"""The audit log: who did what and when, recorded before the answer goes, read and filtered by admins, and its
hash chain catching a row changed or deleted behind the service's back (with duckdb, as an intruder would)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import pytest

from surveyapp.http.access import AccessLog
from surveyapp.store.audit import COLUMNS, GENESIS, row_hash
from tests.conftest import Cli, StartService
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN, Service

BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FAMILY = {"answers": {"respondent_role": "parent_carer", "q7": {"local_offer_useful": "tend_to_agree"}},
          "postcode": "CT9 1AB", "return_code": None}


def rows(service: Service) -> list[dict[str, object]]:
    with service.client(ADMIN_TOKEN) as admin:
        found = admin.get("/api/v1/audit", params={"limit": 1000})
    assert found.status_code == 200, found.text
    return list(reversed(found.json()))  # oldest first; the audit read itself is recorded after its answer


def test_an_export_is_recorded_with_who_what_target_and_outcome_and_no_family_data(server: Service) -> None:
    with server.client() as family:
        made = family.post("/api/v1/waves/2026-autumn/responses", json={k: v for k, v in FAMILY.items() if v})
        assert made.status_code == 201
    code = made.json()["return_code"]
    with server.client(ANALYST_TOKEN) as analyst:
        assert analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "csv"}).status_code == 200
    export = [r for r in rows(server) if r["action"] == "export"]
    assert len(export) == 1
    row = export[0]
    assert (row["actor_role"], row["actor_name"], row["target"], row["outcome"], row["status"]) == (
        "analyst", "Analyst", "wave:2026-autumn", "ok", 200)
    assert row["detail"]["route"] == "/api/v1/waves/{wave_id}/export"
    assert row["detail"]["query"] == {"format": ["csv"]}
    assert dt.datetime.fromisoformat(str(row["recorded_at"])) == server.clock().replace(tzinfo=None)
    everything = server.store.rows("SELECT * FROM audit_log")
    text = repr(everything)
    assert code not in text and "CT9" not in text and "tend_to_agree" not in text
    assert "testclient" not in text and "127.0.0.1" not in text  # no address


def test_a_wrong_role_is_recorded_as_refused_but_a_stranger_is_not(server: Service) -> None:
    with server.client(ANALYST_TOKEN) as analyst:
        assert analyst.post("/api/v1/admin/waves/2026-autumn/close").status_code == 403
    with server.client() as stranger, server.client("not-a-token") as guesser:
        assert stranger.get("/api/v1/audit").status_code == 401
        assert guesser.post("/api/v1/admin/waves/2026-autumn/close").status_code == 401
    found = [(r["action"], r["actor_role"], r["outcome"], r["status"]) for r in rows(server)]
    assert found == [("wave closed", "analyst", "refused", 403)]


def test_sign_in_its_failure_and_sign_out_are_recorded(server: Service) -> None:
    with server.client() as browser:
        assert browser.post("/sign-in", data={"token": "wrong"}, headers=BROWSER).status_code == 401
        assert browser.post("/sign-in", data={"token": ADMIN_TOKEN}, headers=BROWSER).status_code == 303
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signed-in", headers=BROWSER).text)
        assert csrf is not None
        assert browser.post("/sign-out", data={"csrf_token": csrf.group(1)}, headers=BROWSER).status_code == 303
    found = [(r["action"], r["actor_role"], r["outcome"], r["status"], r["detail"]) for r in rows(server)]
    assert found == [("sign in", "", "refused", 401, {"reason": "the token is not any role's"}),
                     ("sign in", "admin", "ok", 303, {}), ("sign out", "admin", "ok", 303, {})]


@pytest.mark.shared
def test_filters_limit_and_csv(server: Service) -> None:
    with server.client(ADMIN_TOKEN) as admin:
        for _ in range(3):
            assert admin.get("/api/v1/waves/2026-autumn/sources").status_code == 200  # not audited
            assert admin.post("/api/v1/admin/waves/2026-autumn/open").status_code == 200
        only = admin.get("/api/v1/audit", params={"action": "WAVE OPENED", "actor": "admin", "limit": 2}).json()
        assert [r["action"] for r in only] == ["wave opened"] * 2 and only[0]["seq"] > only[1]["seq"]
        assert admin.get("/api/v1/audit", params={"actor": "Analyst", "action": "wave opened"}).json() == []
        later = admin.get("/api/v1/audit", params={"since": "2030-01-01T00:00:00Z"}).json()
        earlier = admin.get("/api/v1/audit", params={"until": "2020-01-01T00:00:00"}).json()
        now = admin.get("/api/v1/audit", params={"since": "2026-11-22T10:00:00Z", "until": "2026-11-22T11:00:00Z",
                                                 "action": "wave opened"}).json()
        assert later == [] and earlier == [] and len(now) == 3
        assert admin.get("/api/v1/audit", params={"limit": 0}).status_code == 400
        exported = admin.get("/api/v1/audit.csv", params={"action": "wave opened"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-log.csv"' in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(table) == 3 and table[0]["action"] == "wave opened" and table[0]["actor_name"] == "Admin"
    assert table[0]["recorded_at"].endswith("Z") and len(table[0]["row_hash"]) == 64
    with server.client(ANALYST_TOKEN) as analyst:
        assert analyst.get("/api/v1/audit.csv").status_code == 403  # admins only


def test_each_row_chains_to_the_one_before(server: Service) -> None:
    with server.client(ADMIN_TOKEN) as admin:
        admin.post("/api/v1/admin/waves/2026-autumn/close")
        admin.post("/api/v1/admin/waves/2026-autumn/open")
        check = admin.get("/api/v1/audit/verify").json()
    assert check == {"rows": 2, "intact": True, "last_hash": check["last_hash"], "first_break": None}
    chain = server.store.rows(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq")
    names = COLUMNS
    first, second = (dict(zip(names, row, strict=True)) for row in chain[:2])
    assert first["prev_hash"] == GENESIS and second["prev_hash"] == first["row_hash"]
    assert row_hash(first) == first["row_hash"] and check["last_hash"] == second["row_hash"]


def test_an_answer_whose_row_cannot_be_stored_is_withheld(server: Service) -> None:
    def broken(entry: object) -> None:
        raise RuntimeError("disk on fire")

    handler = server.app.asgi_handler
    while not isinstance(handler, AccessLog):  # the access log, under whatever wraps it (the frozen pages)
        handler = handler.app  # type: ignore[attr-defined]
    handler.record = broken  # type: ignore[assignment]
    with server.client(ANALYST_TOKEN) as analyst:
        answer = analyst.get("/api/v1/waves/2026-autumn/export", params={"format": "csv"})
    assert answer.status_code == 503 and "audit log" in answer.json()["detail"]
    assert "response_id" not in answer.text  # none of the export went out


def _tamper(data_dir: Path, sql: str) -> None:
    conn = duckdb.connect(str(data_dir / "surveyapp.duckdb"))
    try:
        conn.execute(sql)
    finally:
        conn.close()


@pytest.mark.slow
def test_audit_verify_names_the_row_changed_or_deleted_behind_the_services_back(
        start_service: StartService, data_dir: Path, cli: Cli) -> None:
    service = start_service()
    with service.client(ADMIN_TOKEN) as admin:
        for _ in range(3):
            assert admin.post("/api/v1/admin/waves/2026-autumn/close").status_code == 200
    service.stop()
    fine = cli(data_dir, "audit", "verify")
    assert fine.returncode == 0, fine.stderr
    assert "holds: 3 rows" in fine.stdout
    _tamper(data_dir, "UPDATE audit_log SET actor_name = 'Someone else' WHERE seq = 2")
    changed = cli(data_dir, "audit", "verify")
    assert changed.returncode == 1
    assert "BROKEN at row 2" in changed.stderr and "was changed" in changed.stderr
    _tamper(data_dir, "UPDATE audit_log SET actor_name = 'Admin' WHERE seq = 2")  # put back
    _tamper(data_dir, "DELETE FROM audit_log WHERE seq = 2")
    deleted = cli(data_dir, "audit", "verify")
    assert deleted.returncode == 1 and "BROKEN at row 3" in deleted.stderr and "row 2 is missing" in deleted.stderr
    listing = cli(data_dir, "audit", "list", "--action", "audit log verified")
    assert listing.returncode == 0 and "audit log verified" in listing.stdout
    out = data_dir.parent / "audit.csv"
    exported = cli(data_dir, "audit", "list", "--actor", "admin", "--since", "2026-01-01T00:00:00Z", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert [row["seq"] for row in csv.DictReader(io.StringIO(out.read_text("utf-8")))][-2:] == ["3", "1"]  # newest


def test_every_internal_read_is_recorded_with_its_parameters(server: Service) -> None:
    reads = {"/api/v1/waves/2026-autumn/compare": "internal compare read",
             "/api/v1/waves/2026-autumn/reach": "internal reach read",
             "/api/v1/waves/2026-autumn/tracker": "internal tracker read",
             "/tracker/2026-autumn": "internal tracker page read"}
    with server.client(ANALYST_TOKEN) as analyst:
        for path in reads:
            assert analyst.get(path, params={"by": "lad"}).status_code == 200, path
    found = [(r["action"], r["target"], r["detail"]["query"]) for r in rows(server)]
    assert found == [(action, "wave:2026-autumn", {"by": ["lad"]}) for action in reads.values()]
