"""A planted wave for the release tests: the shipped autumn wave with small groups (3 Sikh families, a source
that brought 6, three district council areas of 4), sent in two batches two hours apart."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import InProcessApp
from tests.support import ADMIN_TOKEN, FakeClock, keyed_data_dir, make_settings

ANSWERS = ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree", "dont_know"]
STATEMENTS = ["local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
              "assessment_wait", "included_in_planning", "making_progress"]
# LAD -> (postcode district, families): Dover, Ashford and Dartford have 4 each; 8 give no postcode.
PLACES = {"Medway": ("ME4", 30), "Maidstone": ("ME14", 25), "Thanet": ("CT7", 25), "Canterbury": ("CT1", 20),
          "Swale": ("ME9", 10), "Dover": ("CT13", 4), "Ashford": ("TN23", 4), "Dartford": ("DA2", 4), "": ("", 8)}
FIRST_BATCH = 90
START = dt.datetime(2026, 11, 22, 10, 37, tzinfo=dt.UTC)
WAVE = "2026-autumn"


@dataclass(frozen=True)
class Planted:
    data_dir: Path
    source_id: str
    now: dt.datetime  # the clock after the second batch


def _postcodes() -> list[str]:
    order = [code for code, n in PLACES.values() for _ in range(n)]
    random.Random(11).shuffle(order)
    return order


def _body(i: int, rng: random.Random, postcode: str) -> dict[str, object]:
    likert = {s: rng.choice(ANSWERS) for s in STATEMENTS if rng.random() < 0.9}
    likert = likert or {"health_met": "neither"}
    religion = "sikh" if i in (5, 47, 101) else "christian" if i % 3 == 0 else "no_religion" if i % 3 == 1 else None
    answers: dict[str, object] = {"q7": likert}
    if religion:
        answers["religion"] = religion
    return {"answers": answers, **({"postcode": postcode} if postcode else {})}


def plant(folder: Path) -> Planted:
    """Send the planted wave's 130 responses: 90 at 10:37, 40 at 12:37 (UTC, 22 November 2026)."""
    data = keyed_data_dir(folder, "d5")
    clock = FakeClock(START)
    service = InProcessApp(make_settings(data), clock).start()
    rng = random.Random(3)
    try:
        with service.client() as family, service.client(ADMIN_TOKEN) as admin:
            made = admin.post(f"/api/v1/waves/{WAVE}/sources", json={"name": "Oakfield School SENCO"})
            assert made.status_code == 201, made.text
            source = made.json()["source_id"]
            for i, postcode in enumerate(_postcodes()):
                if i == FIRST_BATCH:
                    clock.now = START + dt.timedelta(hours=2)
                body = _body(i, rng, postcode)
                if i % 20 == 7:  # 6 families (7, 27, ..., 107) came through the school
                    body["source"] = source
                sent = family.post(f"/api/v1/waves/{WAVE}/responses", json=body)
                assert sent.status_code == 201, sent.text
    finally:
        service.stop()
    return Planted(data, source, clock.now)
