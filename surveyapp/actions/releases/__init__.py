"""Releases (issue 22): a wave's planned tables made from the rows stored before a cut-off, checked as a whole,
then published as frozen bytes, withdrawn with a notice, or corrected by a new version.

For the pages that read releases (the findings page, the board pack): `published`, `published_bytes` and
`release_out`; they never read a draft's or an internal figure.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from surveyapp.actions.levels import AnalysisError
from surveyapp.actions.releases.making import ReleaseConflict, build, cutoff_of, encode_draft, response_wave_of
from surveyapp.actions.releases.records import (
    FROZEN,
    correction_id,
    earlier_published,
    new_release_id,
    out_of,
)
from surveyapp.domain.release import ReleaseOut, content_hash, encode
from surveyapp.domain.services import Services

if TYPE_CHECKING:
    from surveyapp.actions.schemas import ReleaseIn

__all__ = ["ReleaseConflict", "ReleaseNotFound", "make_release", "publish", "published", "published_bytes",
           "release_out", "releases", "withdraw"]


class ReleaseNotFound(LookupError):
    """No release has this id (a 404)."""


def make_release(services: Services, wave_id: str, body: ReleaseIn, now: dt.datetime) -> ReleaseOut:
    """A new draft of the wave (or a correction of a published release), checked and stored."""
    from surveyapp.store.releases import add_release, read_release

    wave = response_wave_of(services, wave_id)
    stage, version, supersedes = body.stage, 1, None
    if body.corrects is not None:
        old = read_release(services.store, body.corrects)
        if old is None or old["wave_id"] != wave_id or old["status"] not in FROZEN:
            raise AnalysisError("corrects", f"{body.corrects!r} is not a published release of {wave_id}")
        if not body.note.strip():
            raise AnalysisError("note", "say what the correction changes, in words for the public")
        if body.stage != old["stage"]:
            raise AnalysisError("stage", f"a correction keeps the stage of {body.corrects} ({old['stage']})")
        cutoff, version, supersedes = old["cutoff"], old["version"] + 1, body.corrects
        release_id = correction_id(body.corrects, version)
        if read_release(services.store, release_id) is not None:
            raise ReleaseConflict(f"{body.corrects} has a correction already ({release_id}); correct that one")
    else:
        if body.note:
            raise AnalysisError("note", "a note goes with a correction (corrects): leave it out")
        cutoff = cutoff_of(wave, body, now)
        finals = [r for r in earlier_published(services, [wave_id]) if r["stage"] == "final"]
        if stage == "final" and finals:
            raise ReleaseConflict(f"{wave_id} has a final release already ({finals[-1]['release_id']}): correct it "
                                  "(corrects, with a note) rather than make another")
        release_id = new_release_id(services, wave_id, stage)
    document = build(services, wave, stage=stage, cutoff=cutoff, release_id=release_id, version=version, now=now,
                     supersedes=supersedes, note=body.note.strip())
    add_release(services.store, {
        "release_id": release_id, "wave_id": wave_id, "stage": stage, "version": version, "status": "draft",
        "cutoff": cutoff, "made_at": now.astimezone(dt.UTC).replace(tzinfo=None), "supersedes": supersedes,
        "draft_json": encode_draft(document), "withdrawal_notice": ""})
    return _out(services, release_id)


def _out(services: Services, release_id: str) -> ReleaseOut:
    out = release_out(services, release_id)
    if out is None:
        raise ReleaseNotFound(release_id)
    return out


def release_out(services: Services, release_id: str) -> ReleaseOut | None:
    """One release (a draft too) with its check; None when there is none."""
    from surveyapp.store.releases import read_release

    row = read_release(services.store, release_id)
    return None if row is None else out_of(row)


def releases(services: Services, wave_id: str | None = None) -> list[ReleaseOut]:
    """Every release (drafts too), newest made first."""
    from surveyapp.store.releases import read_releases

    return [out_of(r) for r in read_releases(services.store, wave_id=wave_id)]


def published(services: Services) -> list[ReleaseOut]:
    """The published and withdrawn releases, newest first: what the public pages list."""
    from surveyapp.store.releases import read_releases

    rows = read_releases(services.store, statuses=FROZEN)
    return [out_of(r) for r in sorted(rows, key=lambda r: (r["published_at"], r["release_id"]), reverse=True)]


def published_bytes(services: Services, release_id: str) -> bytes | None:
    """A published (or withdrawn) release's frozen bytes, as published; None for a draft or an unknown id."""
    from surveyapp.store.releases import read_release

    row = read_release(services.store, release_id)
    return bytes(row["content"]) if row is not None and row["status"] in FROZEN else None


def publish(services: Services, release_id: str, now: dt.datetime) -> ReleaseOut:
    """Freeze a draft whose check passed, unless a release of its wave was published after it was checked."""
    from surveyapp.store.releases import publish_release

    release = _out(services, release_id)
    if release.status != "draft":
        raise ReleaseConflict(f"{release_id} is {release.status} already: a release is published once")
    check = release.document.check
    if not check.passed:
        failed = [r.rule for r in check.rules if not r.passed]
        raise ReleaseConflict(f"{release_id} failed the check ({', '.join(failed)}): it cannot be published",
                              failed)
    waves = [release.wave_id, *([release.document.previous_wave_id] if release.document.previous_wave_id else [])]
    now_out = [r["release_id"] for r in earlier_published(services, waves)]
    if sorted(now_out) != sorted(check.checked_against):
        raise ReleaseConflict(f"another release of {release.wave_id} was published after {release_id} was "
                              "checked: make the draft again, so that it is checked with it")
    data = encode(release.document)
    if not publish_release(services.store, release_id, data, content_hash(data), _naive(now), waves=waves,
                           checked_with=check.checked_against):
        raise ReleaseConflict(f"{release_id} was published, or another release of {release.wave_id} was, meanwhile: "
                              "make the draft again")
    return _out(services, release_id)


def withdraw(services: Services, release_id: str, notice: str, now: dt.datetime) -> ReleaseOut:
    """Withdraw a published release with a public notice; its bytes stay as they were published."""
    from surveyapp.store.releases import withdraw_release

    release = _out(services, release_id)
    if release.status != "published" or not withdraw_release(services.store, release_id, notice.strip(),
                                                              _naive(now)):
        raise ReleaseConflict(f"{release_id} is {release.status}: only a published release can be withdrawn")
    return _out(services, release_id)


def _naive(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(tzinfo=None)
