"""Releases as stored: a row read back as a `ReleaseOut` (a published one from its frozen bytes), ids, and which
earlier releases a new one is checked with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from surveyapp.domain.release import ReleaseDocument, ReleaseOut, decode
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave

FROZEN = ("published", "withdrawn")


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def out_of(row: dict[str, Any]) -> ReleaseOut:
    """A stored row as the API shows it: a published or withdrawn release's document is its frozen bytes."""
    document = decode(bytes(row["content"])) if row["status"] in FROZEN else \
        msgspec.json.decode(row["draft_json"], type=ReleaseDocument)
    return ReleaseOut(release_id=row["release_id"], wave_id=row["wave_id"], stage=row["stage"],
                      version=row["version"], status=row["status"], content_sha256=row["content_sha256"],
                      published_at=_aware(row["published_at"]), withdrawn_at=_aware(row["withdrawn_at"]),
                      withdrawal_notice=row["withdrawal_notice"], document=document)


def earlier_published(services: Services, wave_ids: list[str]) -> list[dict[str, Any]]:
    """The published (and withdrawn: once out, always out) releases of these waves, oldest first."""
    from surveyapp.store.releases import read_releases

    rows = [r for w in wave_ids for r in read_releases(services.store, wave_id=w, statuses=FROZEN)]
    return sorted(rows, key=lambda r: (r["published_at"], r["release_id"]))


def previous_cutoff(services: Services, previous: Wave | None, now: dt.datetime) -> dt.datetime:
    """The cut-off of the previous wave's rows: its latest published final release's (so its figures are the
    ones published), else every response stored so far."""
    if previous is None:
        return now
    finals = [r for r in earlier_published(services, [previous.wave_id]) if r["stage"] == "final"]
    if finals:
        return finals[-1]["cutoff"]  # type: ignore[no-any-return]
    return now.astimezone(dt.UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


def new_release_id(services: Services, wave_id: str, stage: str) -> str:
    """`<wave>-<stage>-<n>-v1`: n counts the wave's releases of this stage made so far, drafts too."""
    from surveyapp.store.releases import read_releases

    made = [r for r in read_releases(services.store, wave_id=wave_id) if r["stage"] == stage and r["version"] == 1]
    return f"{wave_id}-{stage}-{len(made) + 1}-v1"


def correction_id(release_id: str, version: int) -> str:
    """The id of a correction: the corrected release's id with its version (`-v<n>`) replaced."""
    stem, _, _ = release_id.rpartition("-v")
    return f"{stem}-v{version}"
