"""Compare, cohort and reach for the service and the CLI: frames from the store, analytics, serialised."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import msgspec
import polars as pl

from surveyapp.services import Services
from surveyapp.wavestate import Wave
from waves.model import Likert, SingleChoice

FIXED_LEVELS = ("all", "lad", "district")
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "parquet": "application/vnd.apache.parquet",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DEFINITIONS = [
    ("n_valid", "Answers on the 5-point scale: excludes \"don't know\" and statements left unanswered."),
    ("share_agree", "(Strongly agree + tend to agree) / n_valid, a fraction 0..1; share_disagree likewise."),
    ("net_agree", "share_agree - share_disagree."),
    ("mean_score", "Mean on strongly agree 5 ... strongly disagree 1; \"don't know\" is never averaged."),
    ("share_agree_ci_low/high", "Wilson score 95% interval."),
    ("baseline_area_code", "The baseline's own row for the area when it has one, else its 'all' row."),
    ("delta_share_agree", "Wave share_agree minus baseline share_agree; interval: Newcombe's hybrid score."),
    ("p_value / q_value", "Two-sided pooled two-proportion z test; Benjamini-Hochberg over the result's rows."),
    ("suppressed", "Rows below the small-number threshold, and the next smallest row of their group, show no "
                   "figures, so none can be worked out by subtraction."),
    ("weighted", "When true, estimates are post-stratified to each LAD's share of children aged 0-17, "
                 "intervals from Kish's effective sample size; out-of-area and unknown responses are left out."),
    ("cohort", "Responses linked by return code; Wilcoxon signed-rank test on the paired score changes."),
    ("reach", "representation_ratio = response share / expected share; interval from the Wilson interval of "
              "the response share; under_reached when its upper end is below 1."),
]


class AnalysisError(ValueError):
    """A request for an analysis that cannot be made; names the parameter and how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass
class Result:
    kind: str
    frame: pl.DataFrame
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _levels(wave: Wave) -> list[str]:
    singles = [q for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    broad = [f"{q.id}_broad" for q in singles if any(o.group for o in q.options)]
    return [*FIXED_LEVELS, *(q.id for q in singles), *broad]


def _check_level(wave: Wave, by: str) -> None:
    if by not in _levels(wave):
        raise AnalysisError("by", f"use one of {', '.join(_levels(wave))}")


def _groups(wave: Wave, by: str) -> dict[str, str] | None:
    """For `<question>_broad`, each option of the question -> its group (itself when it has none)."""
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    if not by.endswith("_broad") or wave.questionnaire.question(by) is not None or \
            not isinstance(question, SingleChoice):
        return None
    return {o.id: o.group or o.id for o in question.options}


def _labels(services: Services, wave: Wave, by: str) -> dict[str, str]:
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    labels = {}
    if isinstance(question, SingleChoice):
        labels = {o.id: o.text["en"] for o in question.options}
    census = services.areas.census.filter(pl.col("variable") == by)
    labels.update(zip(census["option_id"].to_list(), census["census_label"].to_list(), strict=True))
    return labels


def _response_wave(services: Services, wave_id: str, field: str) -> Wave:
    wave = services.waves.get(wave_id)
    if wave is None:
        raise AnalysisError(field, f"there is no wave {wave_id!r}")
    if wave.kind != "responses":
        raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose a wave with responses")
    return wave


def compare(services: Services, wave_id: str, *, baseline_id: str | None = None, by: str = "all",
            weighted: bool = False) -> Result:
    """The wave's Q7 answers by area or group, against the baseline."""
    wave = _response_wave(services, wave_id, "wave")
    baseline_id = baseline_id or next((w.wave_id for w in services.waves.all() if w.kind == "aggregate"), wave_id)
    baseline = services.waves.get(baseline_id)
    if baseline is None:
        raise AnalysisError("baseline", f"there is no wave {baseline_id!r}")
    _check_level(wave, by)
    from analytics.compare import COUNTS_SCHEMA, compare_waves  # the analytics load with the first analysis
    from analytics.scale import Scale
    from analytics.weighting import cell_weights, weigh_counts
    from surveyapp.store.frames import aggregate_counts, answer_counts, lad_cells

    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(wave.questionnaire)
    waves = [wave_id] if baseline.kind == "aggregate" else list(dict.fromkeys([wave_id, baseline_id]))
    counts = answer_counts(services.store, waves, question_id=scale.question_id, by=by, groups=_groups(wave, by),
                           per_lad=weighted)
    if weighted:
        weights = cell_weights(lad_cells(services.store, waves), services.areas.lads)
        counts = weigh_counts(counts, weights, keys=[c for c in COUNTS_SCHEMA if c != "n"])
    baseline_counts = aggregate_counts(services.store, baseline_id) if baseline.kind == "aggregate" else counts
    frame = compare_waves(counts, baseline_counts, wave_id=wave_id, baseline_id=baseline_id, by=by,
                          threshold=threshold, lads=services.areas.lads, labels=_labels(services, wave, by),
                          scale=scale)
    return Result("compare", frame, {"wave": wave_id, "baseline": baseline_id, "by": by, "weighted": weighted,
                                     "threshold": threshold})


def cohort(services: Services, wave_id: str, *, against: str) -> Result:
    """Same-family change on each Q7 statement between an earlier wave and this one."""
    later = _response_wave(services, wave_id, "wave")
    earlier = _response_wave(services, against, "against")
    from analytics.cohort import cohort_table
    from analytics.scale import Scale
    from surveyapp.store.frames import answered_statements, cohort_change_counts, wave_sizes

    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(later.questionnaire)
    store, question_id = services.store, scale.question_id
    changes = cohort_change_counts(store, wave_id, against, question_id=question_id, scores=scale.scores,
                                   statements=scale.statements)
    paired = set(changes["statement_id"].to_list())
    candidates = {s.id for w in (later, earlier) for q in [w.questionnaire.question(question_id)]
                  if isinstance(q, Likert) for s in q.statements}
    statements = paired | answered_statements(store, [wave_id, against], question_id=question_id,
                                              candidates=candidates - paired)
    sizes = wave_sizes(store, [wave_id, against])
    frame = cohort_table(changes, statements, later_wave_id=wave_id if sizes[wave_id] else None,
                         earlier_wave_id=against if sizes[against] else None, threshold=threshold)
    return Result("cohort", frame, {"wave": wave_id, "against": against, "threshold": threshold})


def reach_of(services: Services, wave_id: str, *, by: str = "lad") -> Result:
    """Who answered, against who lives in Kent and Medway (children 0-17, or Census 2021 all ages)."""
    wave = _response_wave(services, wave_id, "wave")
    _check_level(wave, by)
    if by in ("all", "district"):
        raise AnalysisError("by", "reach is by lad or by a question, e.g. ethnic_group, religion")
    from analytics.reach import reach_from_counts
    from surveyapp.store.frames import response_counts

    threshold = services.settings.small_number_threshold
    counts = response_counts(services.store, [wave_id], by=by, groups=_groups(wave, by))
    frame = reach_from_counts(counts, by=by, threshold=threshold, lads=services.areas.lads,
                              census=services.areas.census, labels=_labels(services, wave, by))
    notes = ["Expected shares for ethnic group and religion are Census 2021 shares for all ages, not children."] \
        if by.startswith(("ethnic_group", "religion")) else []
    return Result("reach", frame, {"wave": wave_id, "by": by, "threshold": threshold}, notes)


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _notes_frame(result: Result, attribution: str) -> pl.DataFrame:
    rows = [("parameter", k, str(v)) for k, v in result.parameters.items()]
    rows += [("note", "", n) for n in result.notes]
    rows += [("definition", term, text) for term, text in DEFINITIONS]
    rows += [("source", "", line.strip()) for line in attribution.splitlines() if line.strip()]
    return pl.DataFrame(rows, schema=["kind", "term", "text"], orient="row")


def serialise(result: Result, fmt: str, attribution: str) -> bytes:
    """JSON (rows plus parameters and notes), CSV (UTF-8 with a header), Parquet, or XLSX with a notes sheet."""
    frame = result.frame
    if fmt == "json":
        rows = [{k: _finite(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
        return msgspec.json.encode({**result.parameters, "kind": result.kind, "notes": result.notes,
                                    "definitions": dict(DEFINITIONS), "rows": rows})
    if fmt == "csv":
        return frame.write_csv().encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    elif fmt == "xlsx":
        import xlsxwriter

        with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
            frame.write_excel(workbook=workbook, worksheet=result.kind, autofit=True)
            _notes_frame(result, attribution).write_excel(workbook=workbook, worksheet="notes", autofit=True)
    else:
        raise AnalysisError("format", f"use one of {', '.join(FORMATS)}")
    return buffer.getvalue()


def run_analysis(services: Services, kind: str, wave_id: str, params: dict[str, Any], fmt: str) -> bytes:
    """Run compare, cohort or reach with CLI-style parameters and serialise the result."""
    if kind == "compare":
        result = compare(services, wave_id, baseline_id=params.get("baseline"), by=params.get("by") or "all",
                         weighted=bool(params.get("weighted")))
    elif kind == "cohort":
        result = cohort(services, wave_id, against=params["against"])
    else:
        result = reach_of(services, wave_id, by=params.get("by") or "lad")
    return serialise(result, fmt, services.areas.attribution)
