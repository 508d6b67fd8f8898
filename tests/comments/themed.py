"""Coded comments for the themes and quotes tests: families' comments sent through the API, a codebook and codings
stored as the comments' coding page stores them (migration 011's tables). A helper module, not a conftest: the
comments' own tests have theirs."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.support import Service

WAVE = "2026-autumn"
THEMES = [("communication", "Communication"), ("waiting", "Waiting for assessments"), ("blamed", "Being blamed")]
# Postcodes and the LAD they are in (Thanet, Maidstone, Dover: all in Kent; Medway's Gillingham).
PLACES = {"CT9 1AA": "E07000114", "ME14 5AB": "E07000110", "CT16 1AA": "E07000108", "ME7 1AA": "E06000035"}


@dataclass
class CodedWave:
    """The service, each comment's response id with its LAD and themes as coded (the exact truth)."""

    service: Service
    responses: dict[str, tuple[str, list[str]]]  # response_id -> (lad_code, themes)


def add_codebook(service: Service, questionnaire_id: str = "send-repeat",
                 themes: Sequence[tuple[str, str]] = THEMES) -> None:
    """Version 1 of the questionnaire's codebook with these themes."""
    now = dt.datetime(2026, 11, 1)

    def write(cursor: Any) -> None:
        cursor.execute("INSERT INTO codebook_versions VALUES (?, 1, 'first', 'analyst', ?)", [questionnaire_id, now])
        cursor.executemany("INSERT INTO codebook_themes VALUES (?, 1, ?, ?, ?, '')",
                           [[questionnaire_id, theme, i, label] for i, (theme, label) in enumerate(themes)])

    service.store.writer.run(write).result()


def code(service: Service, codings: Mapping[str, Sequence[str]], *, coder: str = "ana", blind: bool = False,
         at: dt.datetime = dt.datetime(2026, 11, 20)) -> None:
    """Store one coder's coding of each comment (response id -> the themes ticked), as the coding page does."""
    def write(cursor: Any) -> None:
        for response_id, themes in codings.items():
            cursor.execute("DELETE FROM comment_tags WHERE response_id = ? AND coder = ?", [response_id, coder])
            cursor.execute("DELETE FROM comment_codings WHERE response_id = ? AND coder = ?", [response_id, coder])
            cursor.execute("INSERT INTO comment_codings VALUES (?, ?, 'send-repeat', 1, ?, ?)",
                           [response_id, coder, blind, at])
            for theme in themes:
                cursor.execute("INSERT INTO comment_tags VALUES (?, ?, ?)", [response_id, coder, theme])

    service.store.writer.run(write).result()


def send_comments(service: Service, count: int, seed: int = 3) -> dict[str, tuple[str, list[str]]]:
    """`count` families' responses with a comment, in the places of PLACES (mostly Thanet), each with its planted
    themes (0 to 3 of THEMES)."""
    rng = random.Random(seed)
    places = [*["CT9 1AA"] * 6, *["ME14 5AB"] * 3, "CT16 1AA", "ME7 1AA"]
    planted: dict[int, tuple[str, list[str]]] = {}
    with service.client() as http:
        for i in range(count):
            postcode = rng.choice(places)
            themes = [t for t, _ in THEMES if rng.random() < 0.5]
            body = {"answers": {"q7": {"health_met": "tend_to_agree"},
                                "q7a": f"Comment {i}: we waited and nobody called back. Ring 07700 900{i:03d}."},
                    "postcode": postcode}
            sent = http.post(f"/api/v1/waves/{WAVE}/responses", json=body)
            assert sent.status_code == 201, sent.text
            planted[i] = (PLACES[postcode], themes)
    rows = service.store.rows("SELECT response_id, text FROM answers WHERE question_id = 'q7a'")
    return {rid: planted[int(text.split(":")[0].removeprefix("Comment "))] for rid, text in rows
            if text.startswith("Comment ")}


def plant(service: Service) -> CodedWave:
    """60 commented responses, coded, in a wave with a codebook."""
    responses = send_comments(service, 60)
    add_codebook(service)
    code(service, {rid: themes for rid, (_, themes) in responses.items()})
    return CodedWave(service, responses)
