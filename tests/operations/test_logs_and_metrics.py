"""Issue 25, item 3: a served run logs one JSON object a line (UTC times, request ids, no address, no query
string, no token), says who made each backup and wave change, and `GET /metrics` moves with submissions."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.harness import ADMIN_TOKEN, ROOT, SUBMIT_PATH, ServerProcess

pytestmark = pytest.mark.slow

METRICS_TOKEN = "metrics-token-for-tests-0123456789"
ANALYST_TOKEN = "analyst-token-for-the-metrics-0123456789"
CODE_IN_QUERY = "KQ7M-3XPT"
RESPONSES_ROUTE = "/api/v1/waves/{wave_id}/responses"


def scrape(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample /metrics holds, by name and labels, read with Prometheus' own parser."""
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def one(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A served run: metrics before and after three submissions and a backup, then the whole log."""
    data = tmp_path_factory.mktemp("obs") / "data"
    server = ServerProcess(data, log_level="INFO", metrics_token=METRICS_TOKEN, analyst_token=ANALYST_TOKEN).start()
    seen: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            seen["refused"] = [c.get("/metrics").status_code, c.get("/metrics", headers={
                "Authorization": f"Bearer {ANALYST_TOKEN}"}).status_code]
            seen["before"] = scrape(c)
            seen["ids"] = []
            for _ in range(3):
                sent = c.post(f"{SUBMIT_PATH}?code={CODE_IN_QUERY}", json={
                    "answers": {"q7": {"health_met": "tend_to_agree"}}, "postcode": "ME14 1XX",
                    "submission_id": str(uuid.uuid4())})
                assert sent.status_code == 201, sent.text
                seen["ids"].append(sent.headers["x-request-id"])
            assert c.post("/api/v1/admin/backup", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 201
            assert c.get('/nowhere%0a{"level": "critical", "event": "forged"}').status_code == 404
            seen["after"] = scrape(c)
            seen["admin_scrape"] = c.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code
    finally:
        server.stop()
    seen["log"] = server.log().splitlines()
    return seen


def records(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run["log"] if not line.startswith("surveyapp: serving on ")]


def test_every_log_line_is_one_json_object_with_a_utc_time_a_level_and_an_event(run: dict[str, Any]) -> None:
    logged = records(run)  # json.loads fails on any line that is not one JSON object
    assert len(logged) > 10
    for record in logged:
        assert {"time", "level", "event", "logger"} <= record.keys(), record
        moment = dt.datetime.fromisoformat(record["time"])
        assert record["time"].endswith("Z") and moment.utcoffset() == dt.timedelta(0)
    assert not [r for r in logged if r["level"] == "critical" or r["event"] == "forged"]


def test_the_access_log_has_route_templates_and_request_ids_but_no_address_query_or_code(run: dict[str, Any]) -> None:
    access = [r for r in records(run) if r["logger"] == "surveyapp.access"]
    submissions = [r for r in access if r["route"] == RESPONSES_ROUTE]
    assert [r["request_id"] for r in submissions] == run["ids"]
    assert {(r["method"], r["status"]) for r in submissions} == {("POST", 201)}
    assert all(isinstance(r["duration_ms"], float) for r in access)
    assert any(r["route"] == "(no route)" and r["status"] == 404 for r in access)
    text = "\n".join(run["log"])
    for secret in (CODE_IN_QUERY, "?code", "2026-autumn/responses", "ME14 1XX", ADMIN_TOKEN, METRICS_TOKEN,
                   "nowhere"):
        assert secret not in text, secret
    per_request = [r for r in records(run) if r["logger"] in ("surveyapp.access", "surveyapp.audit")]
    assert per_request and not [r for r in per_request if "127.0.0.1" in json.dumps(r)]  # the client's address


def test_a_backup_is_logged_with_who_made_it(run: dict[str, Any]) -> None:
    audit = [r for r in records(run) if r["logger"] == "surveyapp.audit"]
    assert {(r["action"], r["role"], r["status"]) for r in audit} >= {("backup", "admin", 201),
                                                                     ("wave opened", "admin", 200)}
    assert next(r for r in audit if r["action"] == "wave opened")["wave_id"] == "2026-autumn"


def test_serve_warns_at_start_what_surveyapp_check_finds(run: dict[str, Any]) -> None:
    warnings = [r["event"] for r in records(run) if r["level"] == "warning" and r["event"].startswith("check: ")]
    assert any("SURVEYAPP_STAFF_TOKEN is unset" in w for w in warnings)
    assert any("SURVEYAPP_PUBLIC_URL is unset" in w for w in warnings)


def test_metrics_need_the_metrics_or_admin_token(run: dict[str, Any]) -> None:
    assert run["refused"] == [401, 401]
    assert run["admin_scrape"] == 200


def test_metrics_move_with_submissions(run: dict[str, Any]) -> None:
    before, after = run["before"], run["after"]
    assert one(after, "surveyapp_submissions_stored_total") - one(before, "surveyapp_submissions_stored_total") == 3
    assert one(after, "surveyapp_http_requests_total", route=RESPONSES_ROUTE, method="POST", status="201") == 3
    assert one(after, "surveyapp_http_request_duration_seconds_count", route=RESPONSES_ROUTE, method="POST") == 3
    commits = one(after, "surveyapp_group_commit_size_count") - one(before, "surveyapp_group_commit_size_count")
    assert 1 <= commits <= 3
    assert one(after, "surveyapp_group_commit_size_sum") - one(before, "surveyapp_group_commit_size_sum") == 3
    assert one(after, "surveyapp_group_commit_seconds_sum") > one(before, "surveyapp_group_commit_seconds_sum")
    assert one(before, "surveyapp_last_backup_age_seconds") == -1
    assert 0 <= one(after, "surveyapp_last_backup_age_seconds") < 60
    assert one(after, "surveyapp_writer_queue_depth") == 0
    assert one(after, "surveyapp_drafts") == 0
    assert one(after, "surveyapp_disk_free_bytes") > 0
    assert one(after, "surveyapp_store_unavailable") == 0


def test_the_grafana_dashboard_plots_only_metrics_the_service_serves(run: dict[str, Any]) -> None:
    dashboard = json.loads((ROOT / "docs" / "operations" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bsurveyapp_\w+", expr)}
    served = {name for name, _ in run["after"]}
    assert len(used) >= 8 and used <= served, used - served
