"""Area packs: postcode districts, local authority districts (LADs), populations and census shares.

A pack is a folder waves/areas/<name>/ (the active one is SURVEYAPP_AREA_PACK): lads.csv, districts.csv,
census2021.csv, tiles.csv (the tile map's layout), pack.toml (the place's name and the sources charts cite)
and ATTRIBUTION.md. Every area fact the charts and the report show comes from the active pack.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import polars as pl

PACKS_DIR = Path(__file__).parent
# A response's area status, and the LAD-level area code of responses outside the pack or without a postcode:
# one spelling for both (snake_case, like every other id).
IN_AREA = "in_area"
OUT_OF_AREA = "out_of_area"
UNKNOWN = "unknown"

_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_FULL = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_INWARD_PART = re.compile(r"[0-9][A-Z]{0,2}")


class PostcodeError(ValueError):
    """A postcode that is neither an outward code nor a full postcode."""


class PackError(ValueError):
    """An area pack's files disagree: the message names the file and what was expected."""


class PackInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """pack.toml: the place as titles and footnotes name it, and the sources its figures come from."""

    place_name: str  # "Kent and Medway"
    children_source: str  # footnote line for children aged 0-17 per LAD (lads.csv)
    census_source: str  # footnote line for the census shares (census2021.csv), saying what they cover
    boundaries_source: str  # footnote line for LAD boundaries, when a map draws them
    # What an aggregate baseline without an area breakdown covers, as rows compared with it say ("vs Kent-wide
    # 2019"), and the LADs it does not cover at all (compared with nothing there, not with someone else's survey).
    baseline_scope: str = "county-wide"
    baseline_excludes: tuple[str, ...] = ()


def outward_code(text: str) -> str:
    """Normalise case and spaces and cut a postcode to its outward code ("ct1 1aa" -> "CT1")."""
    tokens = text.upper().split()
    if len(tokens) == 1:
        compact = tokens[0]
        if _OUTWARD.fullmatch(compact):
            return compact
        full = _FULL.fullmatch(compact)
        if full:
            return full.group(1)
    elif len(tokens) == 2 and _OUTWARD.fullmatch(tokens[0]) and _INWARD_PART.fullmatch(tokens[1]):
        return tokens[0]
    raise PostcodeError("enter the first half of a UK postcode, like CT1 or ME14")


@dataclass(frozen=True)
class Placement:
    """Where a submitted postcode puts a response."""

    postcode_district: str | None
    lad_code: str | None
    area_status: str  # IN_AREA, OUT_OF_AREA or UNKNOWN


@dataclass(frozen=True)
class AreaPack:
    """An area pack: districts with their majority LAD, LADs with children aged 0-17, census shares."""

    name: str
    lads: pl.DataFrame  # lad_code, lad_name, children_0_17[, utla_code, utla_name: its upper-tier authority]
    districts: pl.DataFrame  # postcode_district, lad_code, lad_name, lad_share, in_area[, residents]
    census: pl.DataFrame  # variable, option_id, census_label, count, denominator, share
    tiles: pl.DataFrame  # lad_code, col, row: the tile map's layout, one square per LAD
    info: PackInfo  # pack.toml
    attribution: str  # ATTRIBUTION.md
    _district_lad: dict[str, str | None] = field(default_factory=dict, repr=False)

    def place(self, postcode: str | None) -> Placement:
        """Place a submitted postcode (raises PostcodeError when malformed)."""
        if postcode is None or not postcode.strip():
            return Placement(None, None, UNKNOWN)
        district = outward_code(postcode)
        lad = self._district_lad.get(district)
        return Placement(district, lad, IN_AREA if lad else OUT_OF_AREA)

    def lad_name(self, lad_code: str) -> str:
        """The LAD's name, or the code when the pack does not know it."""
        match = self.lads.filter(pl.col("lad_code") == lad_code)
        return str(match["lad_name"][0]) if match.height else lad_code


PACK_FILES = ("lads.csv", "districts.csv", "census2021.csv", "tiles.csv", "pack.toml", "ATTRIBUTION.md")


def load_area_pack(name: str = "kent_medway", packs_dir: Path = PACKS_DIR) -> AreaPack:
    """Load an area pack carried under waves/areas/<name>/ (PackError when its files disagree).

    A pack is read once per process while its files stay as they were (the same sizes and modification times):
    every start of the service opens it, and one process (the tests) starts the service hundreds of times. An
    AreaPack is never changed once made, so the starts can share it."""
    root = packs_dir / name
    return _read_pack(name, root, _stamps(root))


def _stamps(root: Path) -> tuple[tuple[int, int], ...]:
    """Each pack file's size and modification time; () when one cannot be read (so the read says why)."""
    try:
        return tuple((stat.st_size, stat.st_mtime_ns) for stat in ((root / f).stat() for f in PACK_FILES))
    except OSError:
        return ()


@functools.lru_cache(maxsize=8)
def _read_pack(name: str, root: Path, stamps: tuple[tuple[int, int], ...]) -> AreaPack:  # stamps: the key
    lads = pl.read_csv(root / "lads.csv", schema_overrides={"lad_code": pl.String, "lad_name": pl.String,
                                                             "utla_code": pl.String, "utla_name": pl.String})
    districts = pl.read_csv(root / "districts.csv")
    census = pl.read_csv(root / "census2021.csv")
    tiles = pl.read_csv(root / "tiles.csv", schema={"lad_code": pl.String, "col": pl.Int64, "row": pl.Int64})
    _check_tiles(root / "tiles.csv", tiles, lads)
    try:
        info = msgspec.toml.decode((root / "pack.toml").read_bytes(), type=PackInfo)
    except msgspec.DecodeError as exc:  # also a missing or mistyped key (ValidationError)
        raise PackError(f"{root / 'pack.toml'}: {exc}") from None
    with (root / "districts.csv").open(encoding="utf-8") as handle:
        district_lad = {row["postcode_district"]: (row["lad_code"] if row["in_area"] == "True" else None)
                        for row in csv.DictReader(handle)}
    attribution = (root / "ATTRIBUTION.md").read_text(encoding="utf-8")
    return AreaPack(name, lads, districts, census, tiles, info, attribution, district_lad)


def _check_tiles(path: Path, tiles: pl.DataFrame, lads: pl.DataFrame) -> None:
    """One tile per LAD of lads.csv, no two in the same square."""
    codes, known = tiles["lad_code"].to_list(), set(lads["lad_code"].to_list())
    if sorted(codes) != sorted(known):
        missing, unknown = sorted(known - set(codes)), sorted(set(codes) - known)
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise PackError(f"{path}: one tile for every LAD of lads.csv; missing {missing}, "
                        f"not in lads.csv {unknown}, twice {twice}")
    shared = tiles.group_by("col", "row").agg(pl.col("lad_code").sort()).filter(pl.col("lad_code").list.len() > 1)
    if shared.height:
        clashes = "; ".join(" and ".join(codes) for codes in shared["lad_code"].to_list())
        raise PackError(f"{path}: a square of its own for every LAD; {clashes} share one")
