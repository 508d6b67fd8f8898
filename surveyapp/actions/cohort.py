"""Cohort: the same families (by return code) in two waves, statement by statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from analytics.disclosure import INTERNAL, INTERNAL_FIGURES
from surveyapp.actions.levels import Breakdown, Result, filter_note, filter_text, parse_filters, response_wave
from surveyapp.domain.services import Services
from waves.model import Likert

if TYPE_CHECKING:
    from collections.abc import Sequence


def cohort(services: Services, wave_id: str, *, against: str, filters: Sequence[str] = (), by: str = "all"
           ) -> Result:
    """Same-family change on each Q7 statement between an earlier wave and this one; `filters` keep the
    pairs whose later response passes them; `by` (lad, district, a question) gives one table per area or
    group of the later response, with its columns area_level, area_code and area_name."""
    later = response_wave(services, wave_id, "wave")
    earlier = response_wave(services, against, "against")
    breakdown = Breakdown.parse(services, later, by)
    kept = parse_filters(later, filters)
    from analytics.cohort import cohort_table
    from analytics.disclosure import round_pair_counts
    from analytics.scale import Scale
    from surveyapp.store.frames import answered_statements, cohort_change_counts, cohort_exclusions, wave_sizes

    threshold = services.settings.small_number_threshold
    scale = Scale.for_questionnaire(later.questionnaire)
    store, question_id = services.store, scale.question_id
    changes = cohort_change_counts(store, wave_id, against, question_id=question_id, scores=scale.scores,
                                   statements=scale.statements, filters=kept, by=by, groups=breakdown.groups)
    changes = round_pair_counts(services.internal, changes, later=wave_id, earlier=against)  # exact
    excluded, _ = cohort_exclusions(store, wave_id, against, filters=kept)
    published: dict[str, int | None] = dict(excluded)  # internal: the exact counts
    paired = set(changes["statement_id"].to_list())
    candidates = {s.id for w in (later, earlier) for q in [w.questionnaire.question(question_id)]
                  if isinstance(q, Likert) for s in q.statements}
    statements = paired | answered_statements(store, [wave_id, against], question_id=question_id,
                                              candidates=candidates - paired)
    sizes = wave_sizes(store, [wave_id, against])
    later_id, earlier_id = wave_id if sizes[wave_id] else None, against if sizes[against] else None
    if breakdown.is_one("all"):
        frame = cohort_table(changes, statements, later_wave_id=later_id, earlier_wave_id=earlier_id,
                             threshold=threshold, excluded=published, internal=True)
    else:
        frame = _cohort_by(services, changes, statements, breakdown, (later_id, earlier_id), threshold, published)
    notes = [INTERNAL_FIGURES, *filter_note(kept), *breakdown.overlap_notes]
    if not breakdown.is_one("all"):
        notes.append(f"Families are placed by their {wave_id} answer ({by}); q-values are over the whole table.")
    if kept:
        notes.append(f"The filter is applied to each family's {wave_id} answers.")
    notes.append(_exclusion_note(published, wave_id, threshold))
    return Result("cohort", frame, {"wave": wave_id, "against": against, "by": by, "filter": filter_text(kept),
                                    "threshold": threshold}, notes, classification=INTERNAL)


def _exclusion_note(published: dict[str, int | None], wave_id: str, threshold: int) -> str:
    def said(n: int | None) -> str:
        return f"fewer than {threshold}" if n is None else f"{n:,}" if n else "none"

    return (f"Pairs are the same child: a code used once in each wave, or the same child marker under it. Of the "
            f"{wave_id} responses whose code the earlier wave has, {said(published['n_excluded_ambiguous'])} could "
            f"not be told apart (a code used for several children without child markers: n_excluded_ambiguous) "
            f"and {said(published['n_excluded_other_child'])} were about another child "
            f"(n_excluded_other_child); they are left out. p_value is Wilcoxon's signed-rank test without the "
            f"ties (no change, n_ties), p_value_pratt Pratt's, which ranks them; q-values are Benjamini-Hochberg "
            f"over the whole table.")


def _cohort_by(services: Services, changes: pl.DataFrame, statements: set[str], breakdown: Breakdown,
               wave_ids: tuple[str | None, str | None], threshold: int,
               excluded: dict[str, int | None]) -> pl.DataFrame:
    """One cohort table per area or group (every LAD of the area pack by lad, every group of the level as
    compare lists them, else those with pairs), one Benjamini-Hochberg family over them all."""
    from analytics.areas import area_names
    from analytics.cohort import COLUMNS, cohort_table, with_cohort_q_values
    from analytics.suppression import internal_columns

    codes = list(dict.fromkeys(changes["area_code"].sort().to_list()))
    if breakdown.is_one("lad"):
        codes = list(dict.fromkeys([*services.areas.lads["lad_code"].to_list(), *codes]))
    else:  # every group, as compare, so that a hidden group's presence never says a family of it answered twice
        codes = sorted(dict.fromkeys([*breakdown.every, *codes]))
    parts = [cohort_table(changes.filter(pl.col("area_code") == code).drop("area_code"), statements,
                          later_wave_id=wave_ids[0], earlier_wave_id=wave_ids[1], threshold=threshold,
                          excluded=excluded, internal=True)
             .with_columns(area_code=pl.lit(code, pl.String)) for code in codes]
    at = COLUMNS.index("statement_id")
    order = internal_columns([*COLUMNS[:at], "area_level", "area_code", "area_name", *COLUMNS[at:]])
    if not parts:  # no pairs: the columns, no row
        parts = [cohort_table(changes.drop("area_code").clear(), set(), later_wave_id=None, earlier_wave_id=None,
                              internal=True).with_columns(area_code=pl.lit(None, pl.String))]
    frame = pl.concat(parts).with_columns(
        area_level=pl.lit(breakdown.by, pl.String),
        area_name=area_names(pl.col("area_code"), breakdown.by, lads=services.areas.lads, labels=breakdown.labels))
    return breakdown.with_level_columns(with_cohort_q_values(frame).select(order), services.areas.lads)
