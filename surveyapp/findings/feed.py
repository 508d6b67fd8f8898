"""The Atom feed of releases (RFC 4287): one entry per published or withdrawn release, newest first."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from surveyapp.domain.release import ReleaseOut

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def atom(releases: list[ReleaseOut], base: str, place: str) -> bytes:
    """The feed as UTF-8 XML; `base` is the public address without a final /."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        node.text = text
        return node

    latest = max((r.withdrawn_at or r.published_at for r in releases if r.published_at), default=None)
    add(feed, "id", f"{base}/findings")
    add(feed, "title", f"Your voice: what {place} families told us")
    add(feed, "updated", _stamp(latest))
    add(feed, "link", href=f"{base}/findings/feed.atom", rel="self")
    add(feed, "link", href=f"{base}/findings")
    author = add(feed, "author")
    add(author, "name", f"{place} SEND survey")
    for release in releases:
        entry = add(feed, "entry")
        url = f"{base}/findings/{release.release_id}"
        add(entry, "id", url)
        stage = "early findings" if release.stage == "interim" else "findings"
        withdrawn = " (withdrawn)" if release.status == "withdrawn" else ""
        add(entry, "title", f"{release.document.wave_title}: {stage}, version {release.version}{withdrawn}")
        add(entry, "updated", _stamp(release.withdrawn_at or release.published_at))
        add(entry, "published", _stamp(release.published_at))
        add(entry, "link", href=url)
        summary = release.withdrawal_notice if withdrawn else (
            f"About {release.document.responses} families answered. {release.document.correction_note}".strip())
        add(entry, "summary", summary)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
