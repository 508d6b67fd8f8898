"""A wave's release plan: the fixed tables every release of it holds, from its definition or the default."""

from __future__ import annotations

from surveyapp.domain.release import Stage, TableSpec
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from waves.model import SingleChoice

EQUALITY_SECTION = "equality"
FINAL: tuple[Stage, ...] = ("final",)


def equality_levels(wave: Wave) -> list[str]:
    """The levels of the wave's equality questions (single choice, in the questionnaire's equality section):
    a question with option groups by its groups (`ethnic_group_broad`), others by their options."""
    return [f"{q.id}_broad" if any(o.group for o in q.options) else q.id
            for q in wave.questionnaire.questions if isinstance(q, SingleChoice) and q.section == EQUALITY_SECTION]


def default_plan(wave: Wave) -> list[TableSpec]:
    """The plan of a wave whose definition names none. Interim releases carry the local authority level and
    above only (see docs/analysts/releases.md); districts, equality groups and sources wait for the final."""
    return [
        # The headline: Kent families against the Kent-wide 2019 survey; Medway apart (2019 did not cover it).
        TableSpec("compare-utla-vs-baseline", "compare", "utla", "baseline"),
        TableSpec("compare-all-vs-previous", "compare", "all", "previous"),
        TableSpec("compare-utla-vs-previous", "compare", "utla", "previous"),
        TableSpec("compare-lad-vs-baseline", "compare", "lad", "baseline", stages=FINAL),
        TableSpec("compare-lad-vs-previous", "compare", "lad", "previous", stages=FINAL),
        TableSpec("reach-utla", "reach", "utla"),
        TableSpec("reach-lad", "reach", "lad", stages=FINAL),
        *(TableSpec(f"reach-{level.replace('_', '-')}", "reach", level, stages=FINAL)
          for level in equality_levels(wave)),
        TableSpec("cohort-all-vs-previous", "cohort", "all", "previous"),
        TableSpec("tracker-source", "tracker", "source", stages=FINAL),
        # What families wrote: once the questionnaire has a codebook; final only, as codings go on after a wave.
        TableSpec("themes-all", "themes", "all", stages=FINAL),
        TableSpec("themes-utla", "themes", "utla", stages=FINAL),
    ]


def plan_for(services: Services, wave: Wave) -> list[TableSpec]:
    """The wave's plan: `release_plan` in its definition (waves.toml), else `default_plan`."""
    definition = services.catalogue.wave(wave.wave_id)
    if definition is None or not definition.release_plan:
        return default_plan(wave)
    return [TableSpec(t.table_id, t.kind, t.level, t.against, t.stages) for t in definition.release_plan]
