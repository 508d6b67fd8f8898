"""A wave's release plan: the default one, and one set in the wave's definition (waves.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from surveyapp.actions.releases.plan import default_plan, equality_levels, plan_for
from surveyapp.domain.release import TableSpec
from tests.support import ROOT
from waves.loader import DefinitionError, load_catalogue
from waves.model import Questionnaire

DEFINITIONS = ROOT / "waves" / "definitions"
PLANNED = """
[[waves.release_plan]]
table_id = "compare-all-vs-baseline"
kind = "compare"
level = "all"
against = "baseline"

[[waves.release_plan]]
table_id = "reach-religion"
kind = "reach"
level = "religion"
stages = ["final"]
"""


def _wave(questionnaire: Questionnaire, wave_id: str = "2026-autumn") -> SimpleNamespace:
    return SimpleNamespace(wave_id=wave_id, questionnaire=questionnaire)


def _definitions(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    waves = folder / "waves.toml"
    waves.write_text(waves.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return folder


def test_the_default_plan_keeps_small_groups_for_the_final_release() -> None:
    catalogue = load_catalogue()
    questionnaire = catalogue.questionnaire("send-repeat", 1)
    assert equality_levels(_wave(questionnaire)) == [  # type: ignore[arg-type]
        "ethnic_group_broad", "religion", "child_age_band", "child_main_need", "free_school_meals", "home_language"]
    plan = default_plan(_wave(questionnaire))  # type: ignore[arg-type]
    interim = {t.table_id for t in plan if "interim" in t.stages}
    assert interim == {"compare-utla-vs-baseline", "compare-all-vs-previous", "compare-utla-vs-previous",
                       "reach-utla", "cohort-all-vs-previous"}
    assert {t.level for t in plan if "interim" not in t.stages} >= {"lad", "religion", "source"}
    services = SimpleNamespace(catalogue=catalogue)
    assert plan_for(services, _wave(questionnaire)) == plan  # type: ignore[arg-type]


def test_a_plan_in_the_wave_s_definition_replaces_the_default(tmp_path: Path) -> None:
    catalogue = load_catalogue(_definitions(tmp_path, PLANNED))
    questionnaire = catalogue.questionnaire("send-repeat", 1)
    services = SimpleNamespace(catalogue=catalogue)
    assert plan_for(services, _wave(questionnaire)) == [  # type: ignore[arg-type]
        TableSpec("compare-all-vs-baseline", "compare", "all", "baseline"),
        TableSpec("reach-religion", "reach", "religion", None, ("final",))]
    other = _wave(questionnaire, "2027-spring")  # a wave made through the API: the default plan
    assert plan_for(services, other) == default_plan(other)  # type: ignore[arg-type]


def test_a_misspelt_plan_stops_the_definitions_loading(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="kind"):
        load_catalogue(_definitions(tmp_path, PLANNED.replace('kind = "reach"', 'kind = "rech"')))
