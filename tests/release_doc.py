"""A realistic release document for the board pack's tests, made with the service's own analytics (compare and
reach on planted counts) in the tables and columns a release holds (`surveyapp.domain.release`): no store, no
release builder. Kent and Medway answer; Folkestone and Hythe is heard at about a third of its share;
Black families at about two fifths; the 2019 baseline is the real published Kent-wide one. The families who
answered both waves clearly improved on four statements, clearly got worse on one, and too few answered the last
statement both times to show; five outreach partners brought families, one of them fewer than 10 (and another's
count is hidden so that it cannot be worked out)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import binomtest

from analytics.compare import compare_waves
from analytics.reach import expected_shares, reach_from_counts
from analytics.scale import Scale
from analytics.stats import with_q_values
from surveyapp.actions.schemas_said_did import SaidDidOut
from surveyapp.domain.release import ReleaseCheck, ReleaseDocument, ReleaseTable, TableSpec
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue

WAVE, PREVIOUS, BASELINE = "2027-spring", "2026-autumn", "baseline-2019"
KENT, MEDWAY = "E10000016", "E06000035"
QUIET = "E07000112"  # Folkestone and Hythe: about a third of the responses its share would give
# The same families in both waves, per statement (in the questionnaire's order): clearly more improved, clearly
# more got worse, as many each way, and too few pairs to show (the last statement).
PAIRS = ("up", "up", "even", "up", "down", "even", "up", "hidden")
SOURCES = {"forum": ("Parent carer forum newsletter", 215), "schools": ("School SENCOs' emails", 190),
           "hubs": ("Family hub posters", 120), "libraries": ("Library posters", 58), "gp": ("GP surgery posters", 7),
           "no_source": (None, 310)}  # responses each: the GP surgeries' posters brought fewer than 10, and the
# libraries' count is hidden too, so that the GP surgeries' cannot be worked out from the total
ANSWERS = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree")


def scale() -> Scale:
    catalogue = load_catalogue()
    wave = next(w for w in catalogue.waves if w.id == PREVIOUS)
    return Scale.for_questionnaire(catalogue.questionnaire(wave.questionnaire, wave.questionnaire_version))


def _responses(rng: np.random.Generator, total: int, lads: pl.DataFrame) -> dict[str, int]:
    shares = (lads["children_0_17"] / lads["children_0_17"].sum()).to_numpy().copy()
    codes = lads["lad_code"].to_list()
    shares[codes.index(QUIET)] /= 3
    drawn = rng.multinomial(total, shares / shares.sum())
    return dict(zip(codes, drawn.tolist(), strict=True))


def _counts(rng: np.random.Generator, wave: str, per_lad: dict[str, int], lift: float, s: Scale,
            utla: dict[str, str]) -> pl.DataFrame:
    """Answer counts by LAD, local authority and all, for every statement: agree more often by `lift`."""
    rows = []
    for i, (lad, n) in enumerate(per_lad.items()):
        for j, statement in enumerate(s.statements):
            agree = min(0.9, 0.22 + 0.03 * (j % 4) + lift * (1 + (i % 3)) / 2)
            p = np.array([agree * 0.4, agree * 0.6, 0.15, (0.85 - agree) * 0.6, (0.85 - agree) * 0.4])
            drawn = rng.multinomial(n, p / p.sum())
            for answer, k in zip(ANSWERS, drawn.tolist(), strict=True):
                for level, code in (("lad", lad), ("utla", utla[lad]), ("all", "all")):
                    rows.append((wave, s.question_id, statement, answer, level, code, k))
    frame = pl.DataFrame(rows, schema={"wave_id": pl.String, "question_id": pl.String, "statement_id": pl.String,
                                       "answer_id": pl.String, "area_level": pl.String, "area_code": pl.String,
                                       "n": pl.Int64}, orient="row")
    return frame.group_by("wave_id", "question_id", "statement_id", "answer_id", "area_level", "area_code").agg(
        pl.col("n").sum())


def _table(spec: TableSpec, title: str, frame: pl.DataFrame, *, compared: str | None, compared_title: str | None,
           note: str = "") -> ReleaseTable:
    """A release table from an analytics frame: `hidden` says why where a row was suppressed."""
    if "suppressed" in frame.columns and "hidden" not in frame.columns:
        frame = frame.with_columns(hidden=pl.when(pl.col("suppressed")).then(pl.lit("small")))
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dicts()]
    return ReleaseTable(spec, title, compared, compared_title, list(frame.columns), rows, note)


def _compare(current: pl.DataFrame, other: pl.DataFrame, *, level: str, against: str, s: Scale,
             lads: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    other_id = BASELINE if against == "baseline" else PREVIOUS
    frame = compare_waves(current, other, wave_id=WAVE, baseline_id=other_id, by=level, lads=lads, labels=labels,
                          scale=s)
    if against == "baseline" and level != "all":  # 2019 did not cover Medway: no comparison for it
        outside = pl.col("area_code") == MEDWAY
        frame = frame.with_columns(*(pl.when(~outside).then(pl.col(c)).alias(c) for c in (
            "baseline_area_code", "baseline_n_valid", "baseline_share_agree", "delta_share_agree", "delta_ci_low",
            "delta_ci_high", "p_value", "q_value")))
    return frame


def _reach(per_lad: dict[str, int], level: str, lads: pl.DataFrame, census: pl.DataFrame,
           rng: np.random.Generator) -> pl.DataFrame:
    if level == "ethnic_group_broad":
        total = sum(per_lad.values())
        shares = expected_shares(level, census=census)
        weights = shares["expected_share"].to_numpy().copy()
        weights[shares["area_code"].to_list().index("black")] /= 2.5
        drawn = rng.multinomial(total, weights / weights.sum())
        counts = dict(zip(shares["area_code"].to_list(), drawn.tolist(), strict=True))
    elif level == "utla":
        utla = dict(zip(lads["lad_code"].to_list(), lads["utla_code"].to_list(), strict=True))
        counts = {}
        for lad, n in per_lad.items():
            counts[utla[lad]] = counts.get(utla[lad], 0) + n
    else:
        counts = per_lad
    frame = pl.DataFrame({"wave_id": WAVE, "area_code": list(counts), "responses": list(counts.values())},
                         schema={"wave_id": pl.String, "area_code": pl.String, "responses": pl.Int64})
    labels = {"asian": "Asian", "black": "Black", "mixed": "Mixed", "other": "Other", "white": "White",
              KENT: "Kent", MEDWAY: "Medway"}
    return reach_from_counts(frame, by=level, lads=lads, census=census, labels=labels,
                             expected=expected_shares(level, lads=lads, census=census))


def _cohort(rng: np.random.Generator, s: Scale) -> pl.DataFrame:
    """The same-family table as a release makes it: counts rounded to 5, a sign test on the published improved and
    worse counts, Benjamini-Hochberg q values; a statement with too few pairs hidden, no figure at all."""
    chances = {"up": (0.4, 0.45, 0.15), "down": (0.12, 0.5, 0.38), "even": (0.25, 0.5, 0.25)}
    rows = []
    for statement, kind in zip(s.statements, PAIRS, strict=True):
        if kind == "hidden":
            rows.append({"statement_id": statement, "hidden": "small"})
            continue
        improved, ties, worse = (5 * round(k / 5) for k in rng.multinomial(int(rng.integers(140, 190)),
                                                                              chances[kind]))
        n = improved + ties + worse
        rows.append({"statement_id": statement, "n_pairs": n, "n_improved": improved, "n_ties": ties,
                     "n_worse": worse, "share_improved": improved / n, "share_same": ties / n, "share_worse": worse / n,
                     "p_value": binomtest(improved, improved + worse).pvalue})
    schema = {"statement_id": pl.String, "n_pairs": pl.Int64, "n_improved": pl.Int64, "n_ties": pl.Int64,
              "n_worse": pl.Int64, "share_improved": pl.Float64, "share_same": pl.Float64,
              "share_worse": pl.Float64, "p_value": pl.Float64, "hidden": pl.String}
    frame = with_q_values(pl.DataFrame(rows, schema=schema))
    return frame.with_columns(later_wave_id=pl.lit(WAVE), earlier_wave_id=pl.lit(PREVIOUS))


def _sources() -> pl.DataFrame:
    """Responses by outreach source as the tracker's release table has them (no population to compare with)."""
    frame = pl.DataFrame({"wave_id": WAVE, "area_code": list(SOURCES), "responses": [n for _, n in SOURCES.values()]},
                         schema={"wave_id": pl.String, "area_code": pl.String, "responses": pl.Int64})
    labels = {code: name for code, (name, _) in SOURCES.items() if name is not None}
    table = reach_from_counts(frame, by="source", labels=labels, expected=expected_shares("source"))
    small = pl.col("area_code").replace_strict({code: n < 10 for code, (_, n) in SOURCES.items()})
    return table.with_columns(hidden=pl.when(pl.col("suppressed") & small).then(pl.lit("small"))
                              .when(pl.col("suppressed")).then(pl.lit("complement")))


def planted_release(*, seed: int = 22, total: int = 900) -> ReleaseDocument:
    """The final release of Spring 2027 as the default plan makes it, on planted answers."""
    rng = np.random.default_rng(seed)
    pack, catalogue, s = load_area_pack(), load_catalogue(), scale()
    lads = pack.lads
    utla = dict(zip(lads["lad_code"].to_list(), lads["utla_code"].to_list(), strict=True))
    labels = {KENT: "Kent", MEDWAY: "Medway"}
    now, before = _responses(rng, total, lads), _responses(rng, total - 80, lads)
    current = _counts(rng, WAVE, now, 0.12, s, utla)
    previous = _counts(rng, PREVIOUS, before, 0.04, s, utla)
    baseline = catalogue.aggregate_counts
    note = "Kent only: the 2019 survey did not cover Medway, so Medway's figures are shown apart."
    tables = [
        _table(TableSpec("compare-utla-vs-baseline", "compare", "utla", "baseline"),
               "How families answered, Spring 2027, by local authority: Kent compared with Kent-wide 2019, "
               "Medway apart", _compare(current, baseline, level="utla", against="baseline", s=s, lads=lads,
                                        labels=labels), compared=BASELINE, compared_title="2019", note=note),
        _table(TableSpec("compare-all-vs-previous", "compare", "all", "previous"),
               "How families answered, Spring 2027, compared with Autumn 2026",
               _compare(current, previous, level="all", against="previous", s=s, lads=lads, labels=labels),
               compared=PREVIOUS, compared_title="Autumn 2026"),
        _table(TableSpec("compare-lad-vs-previous", "compare", "lad", "previous", stages=("final",)),
               "How families answered, Spring 2027, by district council area, compared with Autumn 2026",
               _compare(current, previous, level="lad", against="previous", s=s, lads=lads, labels=labels),
               compared=PREVIOUS, compared_title="Autumn 2026"),
        *(_table(TableSpec(f"reach-{level.replace('_', '-')}", "reach", level), f"Who answered, Spring 2027: {words}",
                 _reach(now, level, lads, pack.census, rng), compared=None, compared_title=None)
          for level, words in (("utla", "local authority"), ("lad", "district council area"),
                               ("ethnic_group_broad", "ethnic group"))),
        _table(TableSpec("cohort-all-vs-previous", "cohort", "all", "previous"),
               "The same families in Autumn 2026 and Spring 2027: how each family's answers changed", _cohort(rng, s),
               compared=PREVIOUS, compared_title="Autumn 2026",
               note="Each pair is one child's answers in both waves (the same return code). p_value: a two-sided "
                    "sign test on the published numbers improved and worse."),
        _table(TableSpec("tracker-source", "tracker", "source", stages=("final",)),
               "Who answered, Spring 2027: responses by outreach source", _sources(), compared=None,
               compared_title=None)]
    statements = {st.id: st.text["en"] for q in [catalogue.questionnaire("send-repeat", 1)]
                  for question in q.questions if hasattr(question, "statements") for st in question.statements}
    return ReleaseDocument(
        release_id="R-2027-spring-final-1", wave_id=WAVE, wave_title="Spring 2027", questionnaire_id="send-repeat",
        stage="final", version=1, cutoff=dt.datetime(2027, 5, 1, tzinfo=dt.UTC),
        made_at=dt.datetime(2027, 5, 2, 9, tzinfo=dt.UTC), responses=5 * round(total / 5), baseline_id=BASELINE,
        previous_wave_id=PREVIOUS, tables=tables, check=ReleaseCheck(True, [], []), statements=statements)


def table_frame(document: ReleaseDocument, table_id: str) -> pl.DataFrame:
    """A table of the document as a frame (what the board pack reads)."""
    table = document.table(table_id)
    assert table is not None
    return pl.DataFrame(table.rows, infer_schema_length=None)


def planted_entries() -> list[SaidDidOut]:
    """Published "You said, we did" entries: one for the survey as a whole, one under way, one that cannot
    change (and why)."""
    at = dt.datetime(2027, 5, 1, tzinfo=dt.UTC)

    def entry(n: int, statement: str | None, kind: Any, text: str, **more: Any) -> SaidDidOut:
        return SaidDidOut(entry_id=f"ENTRY00{n}", version=1, questionnaire_id="send-repeat", statement_id=statement,
                          statement=None, kind=kind, text=text, why=more.get("why"), since=dt.date(2026, 9, 1),
                          expected_by=more.get("expected_by"), status="published", note="first recorded",
                          created_at=at, updated_at=at)

    return [entry(1, "assessment_wait", "under_way", "Two more educational psychologists start in January, to "
                  "shorten the wait for an assessment.", expected_by=dt.date(2027, 4, 30)),
            entry(2, "health_met", "cannot_change", "We cannot run speech and language therapy ourselves.",
                  why="The NHS trust commissions it; we have asked it to publish its waiting times."),
            entry(3, None, "changed", "We publish what families told us, in plain words, on the Local Offer.")]
