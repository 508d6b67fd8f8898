"""A realistic release document for the board pack's tests, made with the service's own analytics (compare and
reach on planted counts) in the tables and columns a release holds (`surveyapp.domain.release`): no store, no
release builder. Kent and Medway answer; Folkestone and Hythe is heard at about a third of its share;
Black families at about two fifths; the 2019 baseline is the real published Kent-wide one."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl

from analytics.compare import compare_waves
from analytics.reach import expected_shares, reach_from_counts
from analytics.scale import Scale
from surveyapp.actions.schemas_said_did import SaidDidOut
from surveyapp.domain.release import ReleaseCheck, ReleaseDocument, ReleaseTable, TableSpec
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue

WAVE, PREVIOUS, BASELINE = "2027-spring", "2026-autumn", "baseline-2019"
KENT, MEDWAY = "E10000016", "E06000035"
QUIET = "E07000112"  # Folkestone and Hythe: about a third of the responses its share would give
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
    if "suppressed" in frame.columns:
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
                               ("ethnic_group_broad", "ethnic group")))]
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
