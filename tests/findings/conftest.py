"""The findings' fixtures: the real app, its findings reading the hand-built sample release."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import Harness, StartService
from tests.findings.sample import publish, release_out, sample_document
from tests.support import FakeClock

LANGUAGES = "en-easy,pl,ro,ur"
PUBLIC = "https://survey.example.org"
RELEASE = "2026-autumn-final-1"


@pytest.fixture(scope="module")
def findings_app(start_module_service: StartService) -> Harness:
    """One app for the module's read-only tests, with the sample release published."""
    server = start_module_service(languages=LANGUAGES, public_url=PUBLIC)
    publish(server, [release_out(sample_document())])
    return server


@pytest.fixture
def shared(findings_app: Harness) -> Iterator[Harness]:
    """The module's app for a test that changes what is published: the sample release again afterwards."""
    yield findings_app
    publish(findings_app, [release_out(sample_document())])


@pytest.fixture
def fresh_app(start_service: StartService, clock: FakeClock) -> Callable[..., Harness]:
    """A fresh app of the test's own, for tests that change what is published."""
    def start(**overrides: object) -> Harness:
        return start_service(languages=LANGUAGES, public_url=PUBLIC, **overrides)
    return start
