"""The container image as an operations team would try it: built with podman (`make image`), run with a read-only
root and the data in a volume, a response stored through the API, `/healthz` 200, `podman stop` (SIGTERM) while
families are still sending, then the data read back from the volume by a second container.

Needs podman as root (`make test` installs it, `make deploy-tools`); skipped without it, except under CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.served import free_port
from tests.support import ADMIN_TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.container]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/surveyapp:latest"  # the Makefile's IMAGE
PODMAN_ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "deploy" / "podman" / "containers.conf")}
WAVE = "2026-autumn"
ANSWERS: dict[str, Any] = {
    "respondent_role": "parent_carer",
    "q7": {"local_offer_useful": "tend_to_agree", "assessment_wait": "strongly_disagree"},
    "q7a": "Sent from the container test.",
}


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["podman", *args], env=PODMAN_ENV, capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"podman {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def image() -> dict[str, Any]:
    """`make image`, as an operator would run it; the image's configuration (podman image inspect)."""
    if shutil.which("podman") is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":  # `make test` installs podman (make deploy-tools): never skip it there
            pytest.fail("podman is missing (or not root) under CI")
        pytest.skip("needs podman as root: run `make deploy-tools`")
    started = time.monotonic()
    built = subprocess.run(["make", "--no-print-directory", "image"], cwd=ROOT, capture_output=True, text=True,
                           timeout=1200)
    assert built.returncode == 0, f"make image failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    print(f"make image: {time.monotonic() - started:.0f} s; {built.stdout.strip().splitlines()[-1]}")
    return dict(json.loads(podman("image", "inspect", IMAGE).stdout)[0])


@pytest.fixture
def volume() -> Iterator[str]:
    name = f"surveyapp-test-{uuid.uuid4().hex[:8]}"
    podman("volume", "create", name)
    yield name
    podman("volume", "rm", "--force", name, check=False)


@pytest.mark.timeout(1500)
def test_image_runs_as_no_one_with_its_data_in_a_volume_and_a_health_check(image: dict[str, Any]) -> None:
    config = image["Config"]
    assert config["User"] == "10001:10001"
    assert "/data" in config["Volumes"]
    assert config["Env"] and "SURVEYAPP_DATA_DIR=/data" in config["Env"]
    assert "8000/tcp" in config["ExposedPorts"]
    assert image["Healthcheck"]["Test"][0] == "CMD" and "/healthz" in image["Healthcheck"]["Test"][-1]
    assert config["StopSignal"] in ("SIGTERM", "15")
    assert config["Entrypoint"] == ["surveyapp"] and config["Cmd"] == ["serve"]
    # Only what the service needs: none of the development tools, and well under the size of the .venv for tests.
    no_pytest = podman("run", "--rm", "--entrypoint", "python3", IMAGE, "-c", "import pytest", check=False)
    assert no_pytest.returncode != 0 and "No module named 'pytest'" in no_pytest.stderr
    assert image["Size"] < 1_200_000_000, f"the image grew to {image['Size'] / 1e6:.0f} MB"


class Families(threading.Thread):
    """Families sending responses until the service goes away; keeps the ids of those acknowledged (201)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.acknowledged: list[str] = []
        self.refused: list[int] = []
        self.halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            for _ in range(2000):  # bounded: a few seconds' worth
                if self.halt.is_set():
                    return
                try:
                    sent = client.post(f"/api/v1/waves/{WAVE}/responses",
                                       json={"answers": ANSWERS, "submission_id": str(uuid.uuid4())})
                except httpx.HTTPError:
                    return  # the service has stopped listening
                if sent.status_code == 201:
                    self.acknowledged.append(sent.json()["response_id"])
                else:
                    self.refused.append(sent.status_code)  # 503 while shutting down is fair; anything else is not


def _wait_for_health(url: str, container: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"/healthz never answered 200:\n{podman('logs', container, check=False).stderr}")


@pytest.mark.timeout(1500)
def test_container_stores_responses_and_stops_cleanly_on_sigterm_with_them_all_in_the_volume(
        image: dict[str, Any], volume: str) -> None:
    name, port = f"surveyapp-test-{uuid.uuid4().hex[:8]}", free_port()
    url = f"http://127.0.0.1:{port}"
    podman("run", "--detach", "--name", name, "--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges",
           "--volume", f"{volume}:/data", "--publish", f"127.0.0.1:{port}:8000",
           "--env", f"SURVEYAPP_ADMIN_TOKEN={ADMIN_TOKEN}",
           "--env", "SURVEYAPP_RATE_LIMIT_PER_MINUTE=0", "--env", "SURVEYAPP_RATE_LIMIT_PER_HOUR=0", IMAGE)
    try:
        _wait_for_health(url, name)
        assert podman("healthcheck", "run", name, check=False).returncode == 0  # the image's own HEALTHCHECK
        unwritable = podman("exec", name, "python3", "-c", "open('/app/x', 'w')", check=False)
        assert unwritable.returncode != 0 and "Read-only file system" in unwritable.stderr
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}  # open now, whatever the date the tests run on
        assert httpx.post(f"{url}/api/v1/admin/waves/{WAVE}/open", headers=admin).status_code == 200

        first = httpx.post(f"{url}/api/v1/waves/{WAVE}/responses", json={"answers": ANSWERS, "postcode": "ct9 1aa"})
        assert first.status_code == 201, first.text
        families = [Families(url) for _ in range(4)]
        for family in families:
            family.start()
        deadline = time.monotonic() + 60
        while sum(len(f.acknowledged) for f in families) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)

        started = time.monotonic()
        podman("stop", "--time", "30", name)  # SIGTERM while the families are still sending
        stopping = time.monotonic() - started
        for family in families:
            family.halt.set()
            family.join(timeout=30)
        state = json.loads(podman("inspect", name).stdout)[0]["State"]
        logs = podman("logs", name).stderr
    finally:
        podman("rm", "--force", name, check=False)

    assert state["ExitCode"] == 0, f"exit {state['ExitCode']} (137: killed after the grace period)\n{logs}"
    assert stopping < 15, f"podman stop took {stopping:.1f} s"
    assert "Application shutdown complete" in logs and "Traceback" not in logs, logs
    assert {status for f in families for status in f.refused} <= {503}
    acknowledged = {first.json()["response_id"], *(r for f in families for r in f.acknowledged)}
    assert len(acknowledged) > 40
    print(f"{len(acknowledged)} responses acknowledged; podman stop took {stopping:.1f} s")

    # The volume after the stop: the store was closed (no write-ahead log left behind), and a second container,
    # the CLI on the file, exports every acknowledged response exactly once.
    mountpoint = Path(podman("volume", "inspect", "--format", "{{.Mountpoint}}", volume).stdout.strip())
    assert (mountpoint / "surveyapp.duckdb").is_file()
    assert not (mountpoint / "surveyapp.duckdb.wal").exists()
    exported = podman("run", "--rm", "--read-only", "--volume", f"{volume}:/data", IMAGE,
                      "export", "--wave", WAVE, "--format", "csv")
    rows = [line.split(",", 1)[0] for line in exported.stdout.splitlines()[1:]]
    assert sorted(rows) == sorted(acknowledged)
