"""Reach's power: how often an area answering at half its share is flagged under-reached, by its expected
responses: `.venv/bin/python -m bench.reach_power [--sims N]`.

The service's own reach test (`analytics.reach.reach_from_counts`: the exact one-sided binomial test, Holm across
the 13 LADs) on simulated waves in which one area (Folkestone and Hythe, 5.2% of Kent and Medway's children)
answers at half its share and every other area in proportion. Each line is a wave size, so the area's expected
responses (at its full share) grow with it; 600 responses give about 31. Both ways the service counts: exact
counts (what analysts see inside), and published counts (rounded to base 5 with a keyed draw per cell, the test
made conservative for it, as a release shows them). The figures are in docs/analysts/methods/reach.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from analytics.disclosure import Disclosure, round_response_counts, rounded_total
from analytics.reach import reach_from_counts
from waves.areas.pack import load_area_pack

AREA = "E07000112"  # Folkestone and Hythe: about 31 expected in a 600-response wave
WAVE_SIZES = (200, 400, 600, 900, 1200, 1800, 2400, 3600)  # the area expects 5.2% of each at its full share


def _waves(responses: int, sims: int, shares: np.ndarray, codes: list[str], rng: np.random.Generator
           ) -> pl.DataFrame:
    """`sims` waves of `responses`, the area at half its share: wave_id, area_code, responses."""
    at = codes.index(AREA)
    true = shares.copy()
    true[at] /= 2
    true /= true.sum()
    drawn = rng.multinomial(responses, true, size=sims)
    return pl.DataFrame({"wave_id": np.repeat([f"w{i}" for i in range(sims)], len(codes)),
                         "area_code": codes * sims, "responses": drawn.ravel().astype(np.int64)})


def flagged_share(responses: int, sims: int, *, rounded: bool, seed: int = 2026) -> float:
    """The share of `sims` simulated waves in which the area at half its share is flagged under-reached."""
    lads = load_area_pack().lads
    codes = lads["lad_code"].to_list()
    shares = (lads["children_0_17"] / lads["children_0_17"].sum()).to_numpy()
    rng = np.random.default_rng(seed)
    counts = _waves(responses, sims, shares, codes, rng)
    if rounded:
        rounding = Disclosure(rng.bytes(32))
        totals = {w: rounded_total(rounding, w, "lad", responses) for w in counts["wave_id"].unique()}
        table = reach_from_counts(round_response_counts(rounding, counts, by="lad"), by="lad", lads=lads,
                                  totals=totals, rounding_base=5)
    else:
        table = reach_from_counts(counts, by="lad", lads=lads)
    row = table.filter(pl.col("area_code") == AREA)
    return float(row["under_reached"].fill_null(False).sum()) / sims


def table(sims: int) -> list[tuple[int, int, float, float]]:
    """(expected responses, wave size, share flagged on exact counts, on published counts) per line."""
    lads = load_area_pack().lads
    share = float(lads.filter(pl.col("lad_code") == AREA)["children_0_17"][0] / lads["children_0_17"].sum())
    lines = []
    for responses in WAVE_SIZES:
        lines.append((round(share * responses), responses, flagged_share(responses, sims, rounded=False),
                      flagged_share(responses, sims, rounded=True)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.reach_power", description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2000, help="simulated waves per line (default 2,000)")
    args = parser.parse_args()
    started = time.monotonic()
    print(f"An area at half its share: chance it is flagged under-reached ({args.sims:,} simulated waves a line)")
    print("| expected responses (full share) | wave size | exact counts (inside) | published counts (rounded) |")
    print("|---:|---:|---:|---:|")
    for expected, responses, exact, published in table(args.sims):
        print(f"| {expected} | {responses:,} | {exact:.0%} | {published:.0%} |")
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
