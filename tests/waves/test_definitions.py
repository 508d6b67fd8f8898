"""Questionnaire and wave definitions: strict decoding, and Q7 kept word for word from the baseline."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.support import SHARED, make_settings
from waves.loader import DEFINITIONS_DIR, DefinitionError, load_catalogue
from waves.model import Likert


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _q7(questionnaire_id: str) -> Likert:
    catalogue = load_catalogue()
    likert = catalogue.questionnaire(questionnaire_id, 1).likert()
    assert likert is not None
    return likert


def test_shipped_definitions_load_with_baseline_and_one_open_repeat_wave() -> None:
    catalogue = load_catalogue()
    kinds = {w.id: w.kind for w in catalogue.waves}
    assert kinds["baseline-2019"] == "aggregate"
    assert [w for w, kind in kinds.items() if kind == "responses"] == ["2026-autumn"]


def test_repeat_q7_wording_equals_the_baseline_word_for_word() -> None:
    repeat, baseline = _q7("send-repeat"), _q7("send-baseline-2019")
    assert repeat.id == baseline.id == "q7"
    assert [(s.id, s.text["en"]) for s in repeat.statements] == [(s.id, s.text["en"]) for s in baseline.statements]
    assert [(a.id, a.text["en"], a.score) for a in repeat.answers] == \
        [(a.id, a.text["en"], a.score) for a in baseline.answers]
    # Easy-read may add a hint but never rewords a statement or an answer.
    assert all(set(s.text) == {"en"} for s in repeat.statements)


def test_q7_statements_and_answers_match_the_spec_table() -> None:
    with (SHARED / "spec" / "baseline-2019-q7.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    q7 = _q7("send-repeat")
    assert [(s.id, s.text["en"]) for s in q7.statements] == [(r["statement_id"], r["statement"]) for r in rows]
    assert [a.id for a in q7.answers] == ["strongly_agree", "tend_to_agree", "neither", "tend_to_disagree",
                                          "strongly_disagree", "dont_know"]
    assert [a.score for a in q7.answers] == [5, 4, 3, 2, 1, None]


def test_baseline_counts_are_those_of_the_spec_table() -> None:
    counts = load_catalogue().aggregate_counts
    with (SHARED / "spec" / "baseline-2019-q7.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            for answer_id in ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree",
                              "strongly_disagree", "dont_know"):
                n = counts.filter((counts["statement_id"] == row["statement_id"])
                                  & (counts["answer_id"] == answer_id))["n"].to_list()
                assert n == [int(row[answer_id])]


@pytest.mark.parametrize(("file", "old", "new", "key", "expected"), [
    ("send-repeat-v1.toml", 'id = "respondent_role"\nsection = "about"',
     'id = "respondent_role"\nsection = "about"\ncolour = "blue"', "$.questions[0]", "unknown field `colour`"),
    ("send-repeat-v1.toml", '{ id = "family_member"', '{ id = "parent_carer"', "questions[0] (respondent_role).options",
     "parent_carer twice"),
    ("send-repeat-v1.toml", 'exclusive = "none"', 'exclusive = "nothing"', "questions[2] (health_services).exclusive",
     "unknown option id 'nothing'"),
    ("send-repeat-v1.toml", 'section = "about"', 'section = "abuot"', "questions[0] (respondent_role).section",
     "unknown section 'abuot'"),
    ("send-repeat-v1.toml", 'kind = "single"', 'kind = "dropdown"', "$.questions[0]", "Invalid value 'dropdown'"),
    ("send-repeat-v1.toml", 'id = "health_services"', 'id = "respondent_role"', "questions",
     "respondent_role twice"),
    ("waves.toml", "closes = 2027-03-31", "closes = 2026-09-30", "waves[1] (2026-autumn).closes",
     "on or after opens (2026-10-01)"),
    ("waves.toml", "questionnaire_version = 1\ntitle = { en = \"Your voice: autumn",
     "questionnaire_version = 7\ntitle = { en = \"Your voice: autumn", "waves[1] (2026-autumn).questionnaire",
     "not send-repeat v7"),
    ("waves.toml", 'id = "2026-autumn"', 'id = "baseline-2019"', "waves", "baseline-2019 twice"),
    ("waves.toml", 'opens = 2026-10-01', 'opens = "soon"', "$.waves[1].opens", "Expected `date`"),
])
def test_a_bad_definition_stops_loading_naming_file_key_and_expectation(
        definitions: Path, file: str, old: str, new: str, key: str, expected: str) -> None:
    _edit(definitions / file, old, new)
    with pytest.raises(DefinitionError) as caught:
        load_catalogue(definitions)
    assert caught.value.path.name == file
    assert key in caught.value.key
    assert expected in str(caught.value)


def test_a_baseline_count_that_is_not_a_number_names_line_and_column(definitions: Path) -> None:
    _edit(definitions / "baseline-2019-q7.csv", ",22,102,", ",22,lots,")
    with pytest.raises(DefinitionError, match=r"line 2: tend_to_agree.*whole number"):
        load_catalogue(definitions)


def test_a_reworded_baseline_statement_is_refused(definitions: Path) -> None:
    _edit(definitions / "baseline-2019-q7.csv", "(Local Offer) useful", "(Local Offer) helpful")
    with pytest.raises(DefinitionError, match=r"word for word"):
        load_catalogue(definitions)


def test_the_app_refuses_to_start_on_a_bad_definition(definitions: Path, tmp_path: Path) -> None:
    from surveyapp.domain.services import Services

    _edit(definitions / "waves.toml", "closes = 2027-03-31", "closes = 2026-09-30")
    with pytest.raises(DefinitionError, match=r"waves\.toml"):
        Services(make_settings(tmp_path / "data", definitions_dir=definitions))


def test_a_likert_question_too_big_for_the_stores_packed_answers_is_refused(definitions: Path) -> None:
    extra = "".join(f'  {{ id = "extra_{i}", text = {{ en = "Extra {i}" }} }},\n' for i in range(25))
    _edit(definitions / "send-repeat-v1.toml", "statements = [\n", "statements = [\n" + extra)
    with pytest.raises(DefinitionError, match=r"at most 32 Likert statements in all.*found 33") as caught:
        load_catalogue(definitions)
    assert caught.value.key == "questions"


def test_a_likert_question_with_more_than_15_answers_is_refused(definitions: Path) -> None:
    extra = "".join(f'  {{ id = "extra_{i}", text = {{ en = "Extra {i}" }} }},\n' for i in range(10))
    _edit(definitions / "send-repeat-v1.toml", "answers = [\n  { id = \"strongly_agree\"",
          "answers = [\n" + extra + "  { id = \"strongly_agree\"")
    with pytest.raises(DefinitionError, match=r"at most 15 answers.*found 16") as caught:
        load_catalogue(definitions)
    assert caught.value.key == "questions[6] (q7).answers"


def test_definitions_edited_between_starts_are_what_the_next_start_serves(definitions: Path, start_service) -> None:
    """Each start writes the definitions on disk to the store; a start that finds them there already writes
    nothing, and one after an edit writes the edit: a retitled wave, a corrected baseline count."""

    def served(server) -> tuple[str, int]:
        with server.client() as http:
            titles = {w["wave_id"]: w["title"] for w in http.get("/api/v1/waves").json()}
        return titles["2026-autumn"], server.count("SELECT sum(n) FROM aggregate_counts")

    first = start_service(definitions_dir=definitions)
    title, total = served(first)
    first.stop()
    again = start_service(definitions_dir=definitions)
    assert served(again) == (title, total)
    again.stop()
    _edit(definitions / "baseline-2019-q7.csv", ",22,102,", ",22,103,")
    recounted = start_service(definitions_dir=definitions)
    assert served(recounted) == (title, total + 1)
    recounted.stop()
    _edit(definitions / "waves.toml", 'title = { en = "Your voice: autumn 2026"', 'title = { en = "Autumn 2026"')
    retitled = start_service(definitions_dir=definitions)
    assert served(retitled) == ("Autumn 2026", total + 1)
