"""The sign-in tests' OpenID provider: node-oidc-provider (tests/oidc/provider.mjs) started on loopback, a real
provider with discovery, keys, a login page and a token endpoint. `make oidc` installs Node and the package."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import CA, ROOT

OIDC_DIR = ROOT / "tests" / "oidc"
CLIENT_ID = "surveyapp"
CLIENT_SECRET = "client-secret-for-tests-0123456789"
PEOPLE = {
    "alice": {"email": "alice@example.org", "email_verified": True, "name": "Alice Okafor"},
    "mallory": {"email": "alice@example.org", "email_verified": False, "name": "Not Alice"},  # unverified
    "stranger": {"email": "stranger@example.org", "email_verified": True, "name": "A Stranger"},
    "gina": {"email": "gina@example.org", "email_verified": True, "name": "Gina Group", "groups": ["g-staff"]},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[str]

    def mode(self, mode: str) -> None:
        """What the token endpoint's ID tokens are: normal, wrong-audience or expired (signed by the provider)."""
        assert httpx.get(f"{self.issuer}/__mode", params={"set": mode}, timeout=10, verify=CA).json() == {"mode": mode}

    def settings(self) -> dict[str, Any]:
        return {"oidc_issuer": self.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
                "oidc_provider_name": "your test account"}


def start_provider(redirect_uris: list[str]) -> Provider:
    """The provider on a free loopback port, with this service's client and the test people."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        if os.environ.get("CI"):
            pytest.fail("Node or the test OpenID provider is missing: `make test` installs them (make oidc)")
        pytest.skip("Node or the test OpenID provider is missing: run `make oidc`")
    port = free_port()
    config = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}],
              "people": PEOPLE}
    process = subprocess.Popen([node, "provider.mjs", str(port), json.dumps(config)], cwd=OIDC_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # "ready <issuer>" once it listens
    if not line.startswith("ready "):
        process.kill()
        pytest.fail(f"the test OpenID provider did not start: {line!r}")
    return Provider(line.split()[1], process)


@pytest.fixture(scope="module")
def provider_for() -> Iterator[Callable[[list[str]], Provider]]:
    """start_provider, stopped after the module."""
    started: list[Provider] = []

    def start(redirect_uris: list[str]) -> Provider:
        started.append(start_provider(redirect_uris))
        return started[-1]

    yield start
    for provider in started:
        provider.process.terminate()
        provider.process.wait(timeout=10)
        if provider.process.stdout is not None:
            provider.process.stdout.close()
