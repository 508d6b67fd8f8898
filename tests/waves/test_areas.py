"""Postcodes are cut to their outward code and placed in a local authority district."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from analytics.areas import area_keys
from tests.support import SHARED
from waves.areas import build_kent_medway
from waves.areas.pack import PACKS_DIR, PackError, PostcodeError, load_area_pack, outward_code


@pytest.mark.parametrize(("typed", "outward"), [
    ("CT1 1AA", "CT1"), ("ct1 1aa", "CT1"), ("  me14  5ab ", "ME14"), ("ME145AB", "ME14"), ("CT11AA", "CT1"),
    ("CT111AA", "CT11"), ("TN23", "TN23"), ("tn23", "TN23"), ("EC1A 1BB", "EC1A"), ("SW1A1AA", "SW1A"),
    ("CT1 1", "CT1"),
])
def test_full_postcode_is_cut_to_outward_code(typed: str, outward: str) -> None:
    assert outward_code(typed) == outward


@pytest.mark.parametrize("typed", [
    "12345", "CT", "1CT 1AA", "CT1 1AA 1", "CTT1 1AA", "hello", "CT1-1AA", "ME14 XYZ", "1AA",
])
def test_malformed_postcode_is_an_error(typed: str) -> None:
    with pytest.raises(PostcodeError):
        outward_code(typed)


def test_districts_are_placed_in_their_majority_kent_or_medway_district() -> None:
    pack = load_area_pack()
    assert pack.place("ct9 1aa").lad_code == "E07000114"  # Thanet
    assert pack.place("ME4").lad_code == "E06000035"  # Medway
    assert pack.place("TN14 5AA").lad_code == "E07000111"  # mostly Sevenoaks
    for outside in ("TN16", "TN5", "BR1", "SW1A 1AA", "CT50"):  # mostly London or Sussex, elsewhere, non-geographic
        placed = pack.place(outside)
        assert (placed.area_status, placed.lad_code) == ("out_of_area", None)
    assert pack.place(None).area_status == "unknown"
    assert pack.place("  ").area_status == "unknown"


def test_pack_has_thirteen_districts_with_children_and_attribution() -> None:
    pack = load_area_pack()
    assert pack.lads.height == 13
    assert pack.lads["children_0_17"].sum() == 412_012  # SOURCES.md: Kent and Medway aged 0-17, mid-2020
    assert "Contains National Statistics data" in pack.attribution
    for variable in ("ethnic_group", "ethnic_group_broad", "religion"):
        shares = pack.census.filter(pack.census["variable"] == variable)["share"]
        assert abs(shares.sum() - 1) < 1e-4


def test_carried_pack_is_what_the_builder_makes_from_the_reference(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_kent_medway, "PACK_DIR", tmp_path)
    build_kent_medway.main([str(SHARED / "reference" / "kent-medway")])
    for name in ("lads.csv", "districts.csv", "census2021.csv", "tiles.csv"):
        assert (tmp_path / name).read_text() == (build_kent_medway.Path(build_kent_medway.__file__).parent
                                                 / "kent_medway" / name).read_text()


def test_a_response_outside_the_pack_has_one_spelling_as_status_and_as_area_code() -> None:
    placed = load_area_pack().place("SW1A 1AA")
    responses = pl.DataFrame({"response_id": ["r1"], "wave_id": ["w1"], "lad_code": [placed.lad_code],
                              "area_status": [placed.area_status]}, schema_overrides={"lad_code": pl.String})
    codes = area_keys(responses, "lad").collect()
    assert codes["area_code"].to_list() == [placed.area_status] == ["out_of_area"]


def test_tile_map_layout_is_in_the_pack_one_square_of_its_own_per_lad() -> None:
    pack = load_area_pack()
    assert sorted(pack.tiles["lad_code"]) == sorted(pack.lads["lad_code"])
    assert pack.tiles.select("col", "row").unique().height == pack.lads.height
    assert pack.info.place_name == "Kent and Medway"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("E07000112,3,2", "E07000112,1,2", "E07000112 and E07000116 share one"),  # Folkestone on Tunbridge Wells
    ("E07000112,3,2\n", "", r"missing \['E07000112'\]"),
    ("E07000112,3,2", "E09000001,3,2", r"missing \['E07000112'\], not in lads.csv \['E09000001'\]"),
])
def test_a_pack_whose_tiles_disagree_with_its_lads_is_refused(tmp_path: Path, old: str, new: str,
                                                                 expected: str) -> None:
    shutil.copytree(PACKS_DIR / "kent_medway", tmp_path / "edited")
    tiles = tmp_path / "edited" / "tiles.csv"
    text = tiles.read_text()
    assert old in text
    tiles.write_text(text.replace(old, new))
    with pytest.raises(PackError, match=expected):
        load_area_pack("edited", tmp_path)


def test_a_pack_without_its_place_name_is_refused(tmp_path: Path) -> None:
    shutil.copytree(PACKS_DIR / "kent_medway", tmp_path / "edited")
    info = tmp_path / "edited" / "pack.toml"
    info.write_text(info.read_text().replace('place_name = "Kent and Medway"\n', ""))
    with pytest.raises(PackError, match=r"pack\.toml.*place_name"):
        load_area_pack("edited", tmp_path)


def test_a_pack_is_read_again_once_a_file_of_it_changes(tmp_path: Path) -> None:
    """The pack is kept for the process, but never past an edit: a fixed tile map is what the next start shows."""
    shutil.copytree(PACKS_DIR / "kent_medway", tmp_path / "edited")
    first = load_area_pack("edited", tmp_path)
    assert load_area_pack("edited", tmp_path) is first  # unchanged: the same pack, not read again
    lads = tmp_path / "edited" / "lads.csv"
    lads.write_text(lads.read_text().replace("Swale", "Swale Borough"))
    again = load_area_pack("edited", tmp_path)
    assert first.lad_name("E07000113") == "Swale" and again.lad_name("E07000113") == "Swale Borough"


def test_each_lad_names_its_upper_tier_authority() -> None:
    lads = load_area_pack().lads
    utla = dict(zip(lads["lad_code"], lads["utla_code"], strict=True))
    assert utla.pop("E06000035") == "E06000035"  # Medway: a unitary authority, its own upper tier
    assert set(utla.values()) == {"E10000016"} and len(utla) == 12  # Kent County Council's twelve districts
