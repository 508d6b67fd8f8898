"""A validated response ready to store, and what storing it came to: what the writer takes and gives back
(and the derived tables are made from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["stored", "duplicate", "conflict", "code_limit"]


@dataclass(frozen=True)
class PreparedResponse:
    """A validated response, ready to store."""

    response_id: str
    wave_id: str
    submission_id: str | None
    fingerprint: str
    submitted_hour: datetime
    postcode_district: str | None
    lad_code: str | None
    area_status: str
    cohort_key: str
    language: str
    channel: str  # api, form, paper or phone (paper and phone: entered by staff)
    answers: tuple[tuple[str, str | None, str | None, str | None], ...] = field(default=())
    source_id: str | None = None  # the outreach source whose link it came through, if any
    child_key: str | None = None  # keyed hash of the code and the child marker (None: no marker given)


@dataclass(frozen=True)
class WriteOutcome:
    status: Status
    response_id: str | None
