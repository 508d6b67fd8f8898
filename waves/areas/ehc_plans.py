"""Expected shares from the DfE EHC plan caseload: the population that fits a SEND survey.

The file is DfE's *Education, health and care plans* caseload table (`data/caseload.csv` of the release; for
Kent and Medway `../shared/reference/kent-medway/dfe_ehcp_caseload_kent_medway_2019_2025.csv`). It is a copy
of a third-party file, so it is never committed here: the service reads it at start-up from
`SURVEYAPP_EHC_PLANS`. Without it, reach falls back to the area pack (Census 2021, all ages).

`ehc_plan_shares` turns its local-authority rows for the latest January into the same shape as the pack's
`census2021.csv` (variable, option_id, count, denominator, share) plus `source`, the words each reach row
cites, for:
- `ethnic_group_broad`: DfE's five broad groups (White, Mixed, Asian, Black, Any other ethnic group); plans
  with ethnicity "Unclassified" are left out of the denominator;
- `ethnic_group`: the detailed groups. DfE groups two pairs differently from the questionnaire (Census 2021
  categories): "Gypsy/Roma" and "Traveller of Irish heritage" against "Gypsy or Irish Traveller" and
  "Roma"; and "Any other ethnic group" holds Arab. Those plans are split between the questionnaire's
  options by the Census 2021 (all ages) proportions within the pair, and their rows' `source` says so;
- `child_age_band`: the age of the child or young person (under 3 to 25) in the questionnaire's bands;
- `utla`: each local authority's plans (option_id its ONS code, `new_la_code`: Kent E10000016, Medway E06000035),
  for reach by upper-tier authority.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

LA_LEVEL = "Local authority"
UNCLASSIFIED = "Unclassified"
BROAD = {"White": "white", "Mixed": "mixed", "Asian": "asian", "Black": "black",
         "Any other ethnic group": "other"}
# DfE ethnicity -> the questionnaire's option ids: one option, or several sharing the DfE count by Census shares.
DETAILED: dict[str, tuple[str, ...]] = {
    "White - White British": ("white_british",),
    "White - Irish": ("white_irish",),
    "White - Any other White background": ("white_other",),
    "White - Gypsy/Roma": ("white_gypsy_irish_traveller", "white_roma"),
    "White - Traveller of Irish heritage": ("white_gypsy_irish_traveller", "white_roma"),
    "Mixed - White and Black Caribbean": ("mixed_white_black_caribbean",),
    "Mixed - White and Black African": ("mixed_white_black_african",),
    "Mixed - White and Asian": ("mixed_white_asian",),
    "Mixed - Any other Mixed background": ("mixed_other",),
    "Asian - Indian": ("asian_indian",),
    "Asian - Pakistani": ("asian_pakistani",),
    "Asian - Bangladeshi": ("asian_bangladeshi",),
    "Asian - Chinese": ("asian_chinese",),
    "Asian - Any other Asian background": ("asian_other",),
    "Black - Black African": ("black_african",),
    "Black - Black Caribbean": ("black_caribbean",),
    "Black - Any other Black background": ("black_other",),
    "Any other ethnic group": ("other_arab", "other_any"),
}
AGE_BANDS = {"age_0_4": range(0, 5), "age_5_10": range(5, 11), "age_11_15": range(11, 16),
             "age_16_18": range(16, 19), "age_19_25": range(19, 26)}
SHARES_SCHEMA = {"variable": pl.String, "option_id": pl.String, "count": pl.Float64, "denominator": pl.Float64,
                 "share": pl.Float64, "source": pl.String}


class EhcPlansError(ValueError):
    """The EHC plan file cannot be used: the message names the file and what was expected."""


def _age(breakdown: str) -> int | None:
    if breakdown == "under 3":
        return 0
    text = breakdown.removeprefix("age ")
    return int(text) if text.isdigit() else None


def ehc_plan_shares(path: Path, census: pl.DataFrame) -> pl.DataFrame:
    """Needs the DfE caseload CSV and the pack's census frame (variable, option_id, count: for the split
    pairs); returns `SHARES_SCHEMA` rows for ethnic_group_broad, ethnic_group and child_age_band."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise EhcPlansError(f"{path}: cannot read it as a CSV ({exc})") from None
    needed = {"time_period", "geographic_level", "la_name", "breakdown_topic", "breakdown", "ehcplans"}
    if not needed <= set(raw.columns):
        raise EhcPlansError(f"{path}: not a DfE EHC plan caseload table; it needs the columns {sorted(needed)}")
    las = raw.filter(pl.col("geographic_level") == LA_LEVEL)
    if las.is_empty():
        raise EhcPlansError(f"{path}: no local-authority rows (geographic_level {LA_LEVEL!r})")
    latest = las["time_period"].max()
    rows = las.filter(pl.col("time_period") == latest).with_columns(
        n=pl.col("ehcplans").cast(pl.Float64, strict=False))
    year = str(latest)[:4]
    where = " and ".join(sorted(set(rows["la_name"].to_list())))
    base = f"DfE EHC plans, January {int(year) + 1}, {where}"
    ethnicity = rows.filter((pl.col("breakdown_topic") == "Ethnicity") & (pl.col("breakdown") != UNCLASSIFIED))
    ethnicity = ethnicity.group_by("breakdown").agg(pl.col("n").sum())
    counts = dict(zip(ethnicity["breakdown"].to_list(), ethnicity["n"].to_list(), strict=True))
    unknown = sorted(set(counts) - set(DETAILED))
    if unknown:
        raise EhcPlansError(f"{path}: ethnicity {unknown} has no questionnaire option; expected {sorted(DETAILED)}")
    broad: dict[str, float] = {}
    for label, n in counts.items():
        group = BROAD[label.split(" - ")[0]]
        broad[group] = broad.get(group, 0.0) + n
    out = [("ethnic_group_broad", group, n, base) for group, n in sorted(broad.items())]
    out += _detailed(counts, census, base)
    ages = rows.filter(pl.col("breakdown_topic") == "Child or young persons age")
    for band, years in AGE_BANDS.items():
        n = sum(v for b, v in zip(ages["breakdown"].to_list(), ages["n"].to_list(), strict=True)
                if _age(b) in years)
        out.append(("child_age_band", band, n, base + ", by age"))
    everyone = rows.filter(pl.col("breakdown_topic") == "All EHC plans")
    if "new_la_code" in everyone.columns:
        for code, n in zip(everyone["new_la_code"].to_list(), everyone["n"].to_list(), strict=True):
            out.append(("utla", code, n, base + ", by local authority"))
    frame = pl.DataFrame(out, orient="row", schema=["variable", "option_id", "count", "source"])
    return frame.with_columns(denominator=pl.col("count").sum().over("variable")).with_columns(
        share=pl.col("count") / pl.col("denominator")).select(list(SHARES_SCHEMA))


def _detailed(counts: dict[str, float], census: pl.DataFrame, base: str) -> list[tuple[str, str, float, str]]:
    """Detailed ethnic groups; DfE counts that cover several options are split by their Census 2021 shares."""
    people = census.filter(pl.col("variable") == "ethnic_group")
    census_count = dict(zip(people["option_id"].to_list(), people["count"].cast(pl.Float64).to_list(), strict=True))
    shared: dict[tuple[str, ...], float] = {}
    out = []
    for label, n in counts.items():
        options = DETAILED[label]
        if len(options) == 1:
            out.append(("ethnic_group", options[0], n, base))
        else:
            shared[options] = shared.get(options, 0.0) + n
    for options, n in shared.items():
        total = sum(census_count.get(o, 0.0) for o in options)
        out.extend(("ethnic_group", o, n * census_count.get(o, 0.0) / total,
                    base + "; DfE counts these options together: split by Census 2021 shares") for o in options)
    return sorted(out)
