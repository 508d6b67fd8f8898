""""In your area": a part-postcode or a chosen area to the nearest area the release shows figures for.

A postcode district leads to its local authority district (LAD) and that to its upper-tier authority (UTLA),
from the area pack. The release is read from the finest level up: the LAD's rows where the release has a LAD
table and the rows are shown, else why not and the UTLA's, else the whole area's. What the family typed is used
for this one answer and never stored or logged: the page is `no-store`, and the access log never has the query.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from surveyapp.domain.release import ReleaseDocument
from surveyapp.findings.view import ALL, compare_table, rows_of
from surveyapp.findings.words import Words, hidden_words
from waves.areas.pack import AreaPack, PostcodeError, outward_code


@dataclass(frozen=True)
class Place:
    """Where the family's area sits: its LAD (None outside the pack) and UTLA."""

    lad_code: str | None
    lad_name: str
    utla_code: str | None
    utla_name: str


@dataclass(frozen=True)
class Shown:
    """What the page shows: the level and area whose figures follow, and why not a finer one."""

    level: str
    area_code: str | None
    area_name: str
    why_not: list[str]


class AreaRefused(ValueError):
    """What the family typed or chose cannot be used: the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def choices(areas: AreaPack) -> list[tuple[str, str]]:
    """The areas a family may pick: every LAD of the pack, by name."""
    return sorted(zip(areas.lads["lad_code"].to_list(), areas.lads["lad_name"].to_list(), strict=True),
                  key=lambda pair: pair[1])


def _place_of_lad(areas: AreaPack, lad_code: str) -> Place:
    row = areas.lads.filter(pl.col("lad_code") == lad_code).row(0, named=True)
    utla = row.get("utla_code")
    return Place(lad_code, str(row["lad_name"]), utla, str(row.get("utla_name") or ""))


def locate(t: Words, areas: AreaPack, postcode: str, area: str) -> Place:
    """The family's place from the part-postcode typed (first) or the area chosen; AreaRefused names the field."""
    if postcode.strip():
        try:
            district = outward_code(postcode)
        except PostcodeError:
            raise AreaRefused("postcode", t("Enter the first half of your postcode, like CT1 or ME14")) from None
        lad = areas.place(district).lad_code
        if lad is None:
            raise AreaRefused("postcode", t("{district} is not in {place}. Enter a postcode in {place}, or choose "
                                             "an area", district=district, place=areas.info.place_name))
        return _place_of_lad(areas, lad)
    if area:
        if area not in set(areas.lads["lad_code"].to_list()):
            raise AreaRefused("area", t("Choose an area from the list"))
        return _place_of_lad(areas, area)
    raise AreaRefused("postcode", t("Enter the first half of your postcode, or choose an area"))


def _usable(document: ReleaseDocument, level: str, code: str) -> tuple[bool, str | None]:
    """Whether the release shows this area's figures at this level, and if not, the reason key."""
    table = compare_table(document, level, "baseline") or compare_table(document, level, "previous")
    if table is None:
        return False, "interim" if document.stage == "interim" else None
    rows = rows_of(table, code)
    if not rows:
        return False, None
    if all(r.get("share_agree") is None for r in rows.values()):
        return False, next((r.get("hidden") for r in rows.values() if r.get("hidden")), None)
    return True, None


def nearest(t: Words, document: ReleaseDocument, place: Place) -> Shown:
    """The finest of LAD, UTLA and the whole area that the release shows, and why not the finer ones."""
    why: list[str] = []
    for level, code, name in (("lad", place.lad_code, place.lad_name), ("utla", place.utla_code, place.utla_name)):
        if code is None:
            continue
        ok, reason = _usable(document, level, code)
        if ok:
            return Shown(level, code, name, why)
        why.append(t("We cannot show {area} on its own: {reason}.", area=name, reason=hidden_words(t, reason)))
    return Shown(ALL, None, "", why)
