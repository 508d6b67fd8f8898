"""Rebuild the Kent and Medway area pack from the shared reference tables.

Run from the repository root with ../shared beside it:

    .venv/bin/python -m waves.areas.build_kent_medway ../shared/reference/kent-medway

The pack carries only figures the reference's SOURCES.md lets the project carry: the majority local
authority district (LAD) of each postcode district with its share, LAD names, ONS codes and children
aged 0-17, and Census 2021 shares for ethnic group and religion (sums of published counts); plus the
project's own tile-map layout (tiles.csv), which is not from the reference. pack.toml and ATTRIBUTION.md
are written by hand.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

PACK_DIR = Path(__file__).parent / "kent_medway"

# Census 2021 category label -> the questionnaire's option id (waves/definitions).
ETHNIC_GROUP_OPTIONS = {
    "White: English, Welsh, Scottish, Northern Irish or British": "white_british",
    "White: Irish": "white_irish",
    "White: Gypsy or Irish Traveller": "white_gypsy_irish_traveller",
    "White: Roma": "white_roma",
    "White: Other White": "white_other",
    "Mixed or Multiple ethnic groups: White and Black Caribbean": "mixed_white_black_caribbean",
    "Mixed or Multiple ethnic groups: White and Black African": "mixed_white_black_african",
    "Mixed or Multiple ethnic groups: White and Asian": "mixed_white_asian",
    "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups": "mixed_other",
    "Asian, Asian British or Asian Welsh: Indian": "asian_indian",
    "Asian, Asian British or Asian Welsh: Pakistani": "asian_pakistani",
    "Asian, Asian British or Asian Welsh: Bangladeshi": "asian_bangladeshi",
    "Asian, Asian British or Asian Welsh: Chinese": "asian_chinese",
    "Asian, Asian British or Asian Welsh: Other Asian": "asian_other",
    "Black, Black British, Black Welsh, Caribbean or African: African": "black_african",
    "Black, Black British, Black Welsh, Caribbean or African: Caribbean": "black_caribbean",
    "Black, Black British, Black Welsh, Caribbean or African: Other Black": "black_other",
    "Other ethnic group: Arab": "other_arab",
    "Other ethnic group: Any other ethnic group": "other_any",
}
ETHNIC_BROAD_OPTIONS = {
    "White": "white",
    "Mixed or Multiple ethnic groups": "mixed",
    "Asian, Asian British or Asian Welsh": "asian",
    "Black, Black British, Black Welsh, Caribbean or African": "black",
    "Other ethnic group": "other",
}
RELIGION_OPTIONS = {
    "No religion": "no_religion",
    "Christian": "christian",
    "Buddhist": "buddhist",
    "Hindu": "hindu",
    "Jewish": "jewish",
    "Muslim": "muslim",
    "Sikh": "sikh",
    "Other religion": "other_religion",
    # "Not answered" is left out: survey shares are over those who answered.
}
KENT_MEDWAY_AREA = "Kent + Medway (13 LADs)"
# Each LAD's upper-tier local authority (the level DfE publishes EHC plans at): the twelve districts of Kent
# County Council (the reference's in_kent_cc), and Medway, a unitary authority, its own (DfE codes 886 and 887).
KENT_CC = ("E10000016", "Kent")
# The project's own tile layout, not from the reference: one square per LAD, placed roughly as the county
# lies (LAD code -> column, row; row 0 is the Thames and north coast, from Dartford to Thanet).
TILES = {
    "E07000107": (0, 0), "E07000109": (1, 0), "E06000035": (2, 0), "E07000113": (3, 0), "E07000106": (4, 0),
    "E07000114": (5, 0), "E07000111": (0, 1), "E07000115": (1, 1), "E07000110": (2, 1), "E07000105": (3, 1),
    "E07000108": (4, 1), "E07000116": (1, 2), "E07000112": (3, 2),
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build_lads(reference: Path) -> list[list[object]]:
    """LAD code, name, children aged 0-17 (ONS mid-2020) and upper-tier authority (code and name)."""
    rows = _rows(reference / "kent_medway_lad_denominators_DERIVED.csv")
    return sorted([[r["lad_code"], r["lad_name"], int(r["mye2020_age_0_17"]),
                    *(KENT_CC if r["in_kent_cc"] == "True" else (r["lad_code"], r["lad_name"]))] for r in rows])


def build_districts(reference: Path) -> list[list[object]]:
    """Postcode district -> its majority LAD, that LAD's share of residents, whether it is in the pack, its usual
    residents (Census 2021, all ages) and its estimated children aged 0-17 (`district_children`)."""
    rows = _rows(reference / "postcode_district_to_lad_population_share_DERIVED.csv")
    children = district_children(reference)
    out = []
    for r in rows:
        if r["rank_in_district"] != "1":
            continue
        in_area = r["lad_is_kent_or_medway"] == "True"
        out.append([r["postcode_district"], r["ltla24_code"], r["ltla24_name"],
                    float(r["share_of_district_residents"]), in_area,
                    round(float(r["district_usual_residents_census2021"])),
                    round(children.get(r["postcode_district"], 0.0))])
    return sorted(out, key=lambda row: (str(row[0])[:2], int(str(row[0])[2:])))


def district_children(reference: Path) -> dict[str, float]:
    """Each postcode district's children aged 0-17, estimated: for each part of it in a Kent or Medway LAD, the
    LAD's children aged 0-17 (ONS mid-2020) times the part's share of that LAD's usual residents (Census 2021,
    the derived share file: residents of the LSOAs credited to the district and LAD, over all the LAD's); parts
    in other LADs count nothing (the pack has no children for them). It assumes children live across a LAD as
    its residents do."""
    parts = [r for r in _rows(reference / "postcode_district_to_lad_population_share_DERIVED.csv")
             if r["lad_is_kent_or_medway"] == "True"]
    lads = {r["lad_code"]: int(r["mye2020_age_0_17"])
            for r in _rows(reference / "kent_medway_lad_denominators_DERIVED.csv")}
    residents: dict[str, float] = {}
    for r in parts:
        residents[r["ltla24_code"]] = residents.get(r["ltla24_code"], 0.0) + float(r["usual_residents_census2021"])
    children: dict[str, float] = {}
    for r in parts:
        lad = r["ltla24_code"]
        children[r["postcode_district"]] = children.get(r["postcode_district"], 0.0) + (
            lads[lad] * float(r["usual_residents_census2021"]) / residents[lad])
    return children


def build_census(reference: Path) -> list[list[object]]:
    """Census 2021 counts and shares (all ages) for Kent and Medway, keyed by questionnaire option id."""
    rows = [r for r in _rows(reference / "census2021_kent_ethnicity_religion_summary_DERIVED.csv")
            if r["area"] == KENT_MEDWAY_AREA]
    out: list[list[object]] = []
    for variable, source, mapping in (
        ("ethnic_group", "ethnic_group_detailed", ETHNIC_GROUP_OPTIONS),
        ("ethnic_group_broad", "ethnic_group_broad", ETHNIC_BROAD_OPTIONS),
        ("religion", "religion", RELIGION_OPTIONS),
    ):
        picked = [(mapping[r["category"]], r["category"], int(r["count"]))
                  for r in rows if r["variable"] == source and r["category"] in mapping]
        if len(picked) != len(mapping):
            raise SystemExit(f"{source}: expected {len(mapping)} categories, found {len(picked)}")
        total = sum(count for _, _, count in picked)
        out.extend([variable, option, label, count, total, round(count / total, 6)]
                   for option, label, count in sorted(picked))
    return out


def build_tiles(lads: list[list[object]]) -> list[list[object]]:
    """The tile map's squares (lad_code, col, row) in reading order; every LAD of the pack has one."""
    codes = {str(row[0]) for row in lads}
    if codes != set(TILES):
        raise SystemExit(f"tiles: LADs {sorted(codes ^ set(TILES))} are in lads.csv or TILES, not both")
    return sorted(([code, col, row] for code, (col, row) in TILES.items()), key=lambda t: (t[2], t[1]))


def main(argv: list[str]) -> None:
    reference = Path(argv[0] if argv else "../shared/reference/kent-medway")
    lads = build_lads(reference)
    _write(PACK_DIR / "lads.csv", ["lad_code", "lad_name", "children_0_17", "utla_code", "utla_name"], lads)
    _write(PACK_DIR / "tiles.csv", ["lad_code", "col", "row"], build_tiles(lads))
    _write(PACK_DIR / "districts.csv",
           ["postcode_district", "lad_code", "lad_name", "lad_share", "in_area", "residents", "children_0_17"],
           build_districts(reference))
    _write(PACK_DIR / "census2021.csv",
           ["variable", "option_id", "census_label", "count", "denominator", "share"], build_census(reference))


if __name__ == "__main__":
    main(sys.argv[1:])
