"""The comments' tests share one app per module with the planted set submitted as families' Q7a comments."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.comments.planted import planted
from tests.conftest import InProcessApp, StartService
from tests.support import ADMIN_TOKEN, FakeClock, Service, collect_all, make_settings

WAVE = "2026-autumn"
POSTCODES = ["ME14 5AB", "CT9 1AA", "CT16 1AA", "TN23 1AA", "ME7 1AA"]
ANSWERS = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree"]


def submit_comments(service: Service, texts: list[str], seed: int = 3) -> list[str]:
    """Each text sent as a family's comment, with statement answers and a postcode; the response ids."""
    rng = random.Random(seed)
    bodies: list[dict[str, Any]] = [
        {"answers": {"q7": {"health_met": rng.choice(ANSWERS), "local_offer_useful": rng.choice(ANSWERS)},
                     "q7a": text}, "postcode": rng.choice(POSTCODES)} for text in texts]
    return [str(s.response_id) for s in collect_all(service, WAVE, bodies)]


@pytest.fixture(scope="session")
def commented_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the planted comments submitted (once a session) and the admin's list of schools."""
    data = tmp_path_factory.mktemp("commented") / "data"
    service = InProcessApp(make_settings(data), FakeClock()).start()
    try:
        submit_comments(service, [text for text, _ in planted()])
        with service.client(ADMIN_TOKEN) as admin:
            added = admin.post("/api/v1/admin/setting-names", json={"names": ["Hillview School", "Oakwood Academy"]})
            assert added.status_code == 201, added.text
    finally:
        service.stop()
    return data


@pytest.fixture(scope="module")
def commented(start_module_service: StartService, commented_data: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Service:
    """One app for the module on its own copy of the commented data."""
    copy = tmp_path_factory.mktemp("commented-copy") / "data"
    shutil.copytree(commented_data, copy)
    return start_module_service(data_dir=copy)
