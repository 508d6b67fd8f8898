"""Time the output check of a release as a whole: `.venv/bin/python -m bench.outputcheck [--responses N]`.

A synthetic wave of 10,000 responses (and a previous wave of 8,000 that it is compared with, and 2,000 same-family
pairs), skewed on purpose so that every rule has work to do: 3 Sikh families, a source of 6 families, a local
authority of 7, small ethnic groups. The plan is the default plan's shape (`surveyapp.actions.releases.plan`):
compare by all, upper-tier and local authority for 8 statements (each answer, don't know and the base), for this
wave and the previous one; reach by upper-tier, local authority, broad ethnic group and religion; the tracker's
responses by source; cohort change per statement. An interim release (local authority and above) is checked at
half the wave, then the final release with the interim as an earlier release, as the service does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Mapping

import polars as pl

from analytics.outputcheck import Cell, EarlierRelease, Microdata, Outcome, Published, check

SCORED = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree")
ANSWERS = (*SCORED, "dont_know", None)
STATEMENTS = ("local_offer_useful", "setting_provision", "setting_skills", "health_met", "social_care_met",
              "assessment_wait", "included_in_planning", "making_progress")
KENT, MEDWAY = "E10000016", "E06000035"
LADS = {f"E0700{i:04d}": w for i, w in zip(range(105, 117), (12, 9, 14, 8, 10, 11, 9, 13, 12, 8, 10, 0), strict=True)}
ETHNIC = {"white": 82, "mixed": 4, "asian": 4, "black": 3, "other": 1, "prefer_not_to_say": 4, None: 2}
RELIGION = {"christian": 40, "no_religion": 45, "muslim": 3, "hindu": 2, "jewish": 0.3, "buddhist": 0.6,
            "other": 1, "prefer_not_to_say": 6, None: 2}
SOURCES = {None: 70, "school-newsletter": 15, "parent-carer-forum": 10, "library-poster": 5}
CHANGES = ("improved", "same", "worse")
START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
KEY = b"bench-output-check"


def _pick(rng: random.Random, weights: Mapping[str | None, float]) -> str | None:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _response(rng: random.Random, i: int, wave: str, lad: str, **fixed: str | None) -> dict[str, object]:
    row: dict[str, object] = {
        "response_id": f"{wave}-{i}", "wave_id": wave,
        "stored_at": START + dt.timedelta(minutes=7 * i) - dt.timedelta(days=365 if wave == "wave-a" else 0),
        "lad": lad, "utla": MEDWAY if lad == MEDWAY else KENT, "ethnic_group_broad": _pick(rng, ETHNIC),
        "religion": _pick(rng, RELIGION), "source": _pick(rng, SOURCES)}
    lean = rng.random()
    for s in STATEMENTS:
        row[s] = rng.choices(ANSWERS, weights=[1 + 2 * lean, 3, 2, 3 - lean, 2, 0.4, 0.3])[0]
    row.update(fixed)
    return row


def synthetic(responses: int = 10_000, previous: int = 8_000, pairs: int = 2_000, seed: int = 22) -> Microdata:
    """Two waves of responses (`wave-b` the one released, `wave-a` the one before) and pairs for cohort change."""
    rng = random.Random(seed)
    lads = {**LADS, "E07000116": 0.094, MEDWAY: 18.0}  # a local authority of about 7 families
    rows = []
    for wave, size in (("wave-a", previous), ("wave-b", responses)):
        for i in range(size):
            rows.append(_response(rng, i, wave, str(_pick(rng, lads))))  # type: ignore[arg-type]
        if wave == "wave-b":  # planted small groups: 3 Sikh families, a source of 6
            for j in range(3):
                rows[-1 - j].update(religion="sikh")
            for j in range(6):
                rows[-10 - j].update(source="send-coffee-morning")
    frame = pl.DataFrame(rows, infer_schema_length=None)
    changes = [{"pair_id": f"p{i}", "stored_at": START + dt.timedelta(minutes=11 * i), "statement_id": s,
                "change": rng.choices(CHANGES, weights=[4, 5, 3])[0]}
               for i in range(pairs) for s in STATEMENTS if rng.random() < 0.9]
    return Microdata(frame, pl.DataFrame(changes))


def _codes(data: Microdata, wave: str, level: str) -> list[str | None]:
    values = data.responses.filter(pl.col("wave_id") == wave)[level].unique().to_list()
    return sorted(values, key=lambda v: (v is None, str(v)))


def compare_cells(data: Microdata, wave: str, levels: tuple[str, ...]) -> list[Cell]:
    """Each answer's count, don't know and the base, per statement, for every code of each level."""
    cells = []
    for level in levels:
        for code in ["all"] if level == "all" else _codes(data, wave, level):
            where: dict[str, str | None] = {"wave_id": wave, **({} if level == "all" else {level: code})}
            for s in STATEMENTS:
                row = {"wave": wave, "level": level, "area_code": str(code), "statement_id": s}
                table = f"compare-{level}"
                cells += [Cell(table, row, a, where=where, statement=s, answers=(a,)) for a in (*SCORED, "dont_know")]
                cells.append(Cell(table, row, "n_valid", where=where, statement=s, answers=SCORED))
    return cells


def count_cells(data: Microdata, wave: str, levels: tuple[str, ...], table: str = "reach") -> list[Cell]:
    """Responses per code of each level (reach; the tracker by source)."""
    return [Cell(f"{table}-{level}", {"area_code": str(code)}, "responses", where={"wave_id": wave, level: code})
            for level in levels for code in _codes(data, wave, level)]


def cohort_cells() -> list[Cell]:
    cells = []
    for s in STATEMENTS:
        cells += [Cell("cohort-all", {"statement_id": s}, c, population="pairs", statement=s, answers=(c,))
                  for c in CHANGES]
        cells.append(Cell("cohort-all", {"statement_id": s}, "n_pairs", population="pairs", statement=s,
                          answers=CHANGES))
    return cells


def plan(data: Microdata, *, final: bool) -> list[Cell]:
    """The cells of an interim (local authority and above) or final release of wave-b."""
    places = ("all", "utla", "lad")
    cells = compare_cells(data, "wave-b", places) + compare_cells(data, "wave-a", places)
    cells += count_cells(data, "wave-b", ("utla", "lad"))
    if final:
        cells += count_cells(data, "wave-b", ("ethnic_group_broad", "religion"))
        cells += count_cells(data, "wave-b", ("source",), table="tracker")
    return cells + cohort_cells()


def before(data: Microdata, cutoff: dt.datetime) -> Microdata:
    pairs = data.pairs.filter(pl.col("stored_at") < cutoff) if data.pairs is not None else None
    return Microdata(data.responses.filter(pl.col("stored_at") < cutoff), pairs)


def published(outcome: Outcome, cells: list[Cell], release_id: str, cutoff: dt.datetime) -> EarlierRelease:
    """A checked release as it would be published, to check a later one against."""
    shown = [Published(c, outcome.decisions[c.ref].value, outcome.decisions[c.ref].rule) for c in cells]
    return EarlierRelease(release_id, cutoff, shown)


def _summary(name: str, outcome: Outcome, cells: int) -> None:
    hidden = sum(1 for d in outcome.decisions.values() if not d.shown)
    by_rule = {r.rule: sum(1 for s in r.stopped if s.how == "suppressed") for r in outcome.rules}
    detail = next(r.detail for r in outcome.rules if r.rule == "differencing")
    print(f"{name}: {outcome.seconds:.1f} s, {cells:,} cells, {hidden:,} hidden "
          f"({', '.join(f'{k} {v}' for k, v in by_rule.items() if v)}), passed={outcome.passed}; {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    args = parser.parse_args()
    data = synthetic(args.responses)
    cutoff = START + dt.timedelta(minutes=7 * args.responses // 2)
    started = time.perf_counter()
    interim_cells = plan(before(data, cutoff), final=False)
    interim = check(before(data, cutoff), interim_cells, key=KEY)
    _summary("interim (half the wave)", interim, len(interim_cells))
    final_cells = plan(data, final=True)
    final = check(data, final_cells, key=KEY, earlier=[published(interim, interim_cells, "interim", cutoff)])
    _summary(f"final ({args.responses:,} responses, with the interim)", final, len(final_cells))
    print(f"whole: {time.perf_counter() - started:.1f} s (target: the final's check under 60 s on 2 cores)")


if __name__ == "__main__":
    main()
