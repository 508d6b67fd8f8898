"""Issue 24: the analysts' files give the right answer in the tools analysts use. R (haven) reads the SPSS and
Stata files and a plain mean of each Q7 item is the service's mean score; pyreadstat and pandas read the
declared missing values and the multiple response sets; openpyxl reads the XLSX's words and types; Parquet's
hours are UTC and its answers ordered enums; the 2019 baseline's published counts come as data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from analytics.disclosure import Disclosure
from tests.support import ANALYST_TOKEN, ROOT, seed_two_waves

DEFINITIONS = ROOT / "waves/definitions"
DEFINITION = tomllib.loads((DEFINITIONS / "send-repeat-v1.toml").read_text(encoding="utf-8"))
QUESTIONS = {q["id"]: q for q in DEFINITION["questions"]}
Q7 = QUESTIONS["q7"]
STATEMENTS = [s["id"] for s in Q7["statements"]]
ANSWERS = [a["id"] for a in Q7["answers"]]
WORDS = {a["id"]: a["text"]["en"] for a in Q7["answers"]}
ROLES = {o["id"]: o["text"]["en"] for o in QUESTIONS["respondent_role"]["options"]}
HEALTH = [o["id"] for o in QUESTIONS["health_services"]["options"] if o["id"] != "none"]
WAVES = ("2026-autumn", "2027-spring")


def _body(rng: random.Random) -> dict[str, Any]:
    # "Don't know" often, as families answer assessment_wait in 2019 (48 of 660), so that it moves a wrong mean.
    q7 = {s: rng.choice([*ANSWERS, "dont_know"]) for s in STATEMENTS if rng.random() < 0.85}
    answers: dict[str, Any] = {"q7": q7 or {"assessment_wait": "dont_know", "health_met": "neither"}}
    if rng.random() < 0.8:
        answers["respondent_role"] = rng.choice(list(ROLES))
    if rng.random() < 0.7:
        answers["health_services"] = rng.sample(HEALTH, rng.randint(1, 3))
    return {"answers": answers, "postcode": rng.choice(["ME14 5AB", "CT9 1AA", "TN16 3AA"])}


@pytest.fixture(scope="module")
def service(module_service: Any) -> Any:
    """70 responses in autumn 2026 and 45 in spring 2027, "Don't know" and gaps in every statement."""
    rng = random.Random(24)
    return seed_two_waves(module_service, lambda: _body(rng), autumn=70, spring=45)


@pytest.fixture(scope="module")
def analyst(service: Any) -> Any:
    with service.client(ANALYST_TOKEN) as client:
        yield client


def _get(analyst: Any, path: str, **params: Any) -> bytes:
    r = analyst.get(path, params=params)
    assert r.status_code == 200, r.text
    return bytes(r.content)


@pytest.fixture(scope="module")
def files(analyst: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt in ("sav", "dta", "xlsx", "parquet"):
        paths[fmt] = folder / f"all-waves.{fmt}"
        paths[fmt].write_bytes(_get(analyst, "/api/v1/export", waves="all", format=fmt))
    return paths


@pytest.fixture(scope="module")
def names(analyst: Any) -> dict[str, str]:
    """Each column's name -> its variable name in SPSS, Stata and R, from the dictionary."""
    dictionary = pl.read_csv(io.BytesIO(_get(analyst, "/api/v1/export/dictionary", waves="all", format="csv")))
    assert dictionary["sav_name"].to_list() == dictionary["dta_name"].to_list()  # one name in both
    return dict(zip(dictionary["name"], dictionary["sav_name"], strict=True))


@pytest.fixture(scope="module")
def service_means(service: Any, analyst: Any) -> dict[tuple[str, str], float]:
    """(wave, statement) -> the service's own mean score (compare, the whole area, unweighted), on exact
    counts: published figures come from randomly rounded counts (analytics.disclosure), a file's rows do not."""
    means = {}
    published, service.services.disclosure = service.services.disclosure, Disclosure(b"", exact=True)
    try:
        for wave in WAVES:
            rows = pl.read_csv(io.BytesIO(_get(analyst, f"/api/v1/waves/{wave}/compare", format="csv")))
            for statement, mean in rows.select("statement_id", "mean_score").iter_rows():
                means[(wave, statement)] = mean
    finally:
        service.services.disclosure = published
    assert len(means) == 2 * len(STATEMENTS) and all(m is not None for m in means.values())
    return means


@pytest.fixture(scope="module")
def stored(service: Any) -> dict[str, Any]:
    """What the store holds, read with SQL: (wave, statement) -> answers, and each response's hour."""
    answers: dict[tuple[str, str], list[str]] = {}
    for wave, statement, answer in service.store.rows(
            "SELECT r.wave_id, a.statement_id, a.option_id FROM answers a JOIN responses r USING (response_id) "
            "WHERE a.question_id = 'q7'"):
        answers.setdefault((wave, statement), []).append(answer)
    hours = dict(service.store.rows("SELECT response_id, submitted_hour FROM responses"))
    counts = dict(service.store.rows("SELECT wave_id, count(*) FROM responses GROUP BY wave_id"))
    return {"answers": answers, "hours": hours, "counts": counts}


# --- R ----------------------------------------------------------------------------------------------------------

RSCRIPT = shutil.which("Rscript")
R_READS = r"""
suppressPackageStartupMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
files <- list(sav_user_na = read_sav(args[1], user_na = TRUE), sav = read_sav(args[1]), dta = read_dta(args[2]))
items <- strsplit(args[3], ",")[[1]]
out <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
for (file in names(files)) {
  data <- files[[file]]
  for (wave in unique(as.character(data$wave_id))) {
    rows <- as.character(data$wave_id) == wave
    for (item in items) {
      x <- data[[item]][rows]
      out(file, wave, item, "mean", sprintf("%.17g", mean(zap_missing(x), na.rm = TRUE)))
      out(file, wave, item, "plain_mean", sprintf("%.17g", mean(x, na.rm = TRUE)))
      if (file == "dta") {
        out(file, wave, item, "tagged_a", sum(is_tagged_na(x, "a")))
        out(file, wave, item, "tagged_b", sum(is_tagged_na(x, "b")))
      } else if (file == "sav_user_na") {
        out(file, wave, item, "user_na_98", sum(unclass(x) == 98, na.rm = TRUE))
        out(file, wave, item, "user_na_99", sum(unclass(x) == 99, na.rm = TRUE))
      }
    }
  }
  item <- data[[items[1]]]
  labels <- attr(item, "labels")
  out(file, "", items[1], "variable_label", attr(item, "label"))
  out(file, "", items[1], "label_of_5", names(labels)[which(unclass(labels) == 5)])
  dk <- if (file == "dta") which(is_tagged_na(labels, "a")) else which(unclass(labels) == 98)
  dk <- names(labels)[dk]
  out(file, "", items[1], "label_of_dont_know", dk)
  out(file, "", "respondent_role", "label_of_1", names(attr(data$respondent_role, "labels"))[1])
  out(file, "", "submitted_hour", "class", class(data$submitted_hour)[1])
  out(file, "", "submitted_hour", "first", format(data$submitted_hour[1], "%Y-%m-%d %H:%M", tz = "UTC"))
  out(file, "", "response_id", "first", as.character(data$response_id[1]))
}
"""


def _r_available() -> bool:
    if RSCRIPT and subprocess.run([RSCRIPT, "-e", "library(haven)"], capture_output=True).returncode == 0:
        return True
    if os.environ.get("CI") == "true":  # `make test` and CI install R (`make r`): never skip it there
        pytest.fail("Rscript with haven is missing: run `make r` (Debian's r-base-core and r-cran-haven)")
    return False


@pytest.fixture(scope="module")
def r_read(files: dict[str, Path], names: dict[str, str], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[tuple[str, str, str, str], str]:
    """What R's haven reads from the .sav and .dta: (file, wave, variable, what) -> value."""
    if not _r_available():
        pytest.skip("Rscript with haven is not installed here (`make r` installs it; `make test` always has it)")
    script = tmp_path_factory.mktemp("r") / "read.R"
    script.write_text(R_READS, encoding="utf-8")
    items = ",".join(names[f"q7_{s}"] for s in STATEMENTS)
    run = subprocess.run([str(RSCRIPT), str(script), str(files["sav"]), str(files["dta"]), items],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return {tuple(line.split("\t")[:4]): line.split("\t")[4] for line in run.stdout.splitlines()}  # type: ignore[misc]


@pytest.mark.r
def test_in_r_a_plain_mean_of_each_q7_item_is_the_service_mean_score(
        r_read: dict[tuple[str, str, str, str], str], names: dict[str, str],
        service_means: dict[tuple[str, str], float], stored: dict[str, Any]) -> None:
    for wave in WAVES:
        for statement in STATEMENTS:
            item, mean = names[f"q7_{statement}"], service_means[(wave, statement)]
            for file in ("sav_user_na", "sav", "dta"):  # mean(haven::zap_missing(x), na.rm = TRUE), as asked
                assert float(r_read[(file, wave, item, "mean")]) == pytest.approx(mean, abs=1e-12), (file, item)
            for file in ("sav", "dta"):  # and mean(x, na.rm = TRUE) as the files read by default
                assert float(r_read[(file, wave, item, "plain_mean")]) == pytest.approx(mean, abs=1e-12)
            # read_sav(user_na = TRUE) keeps 98 and 99 as numbers, which a mean() without zap_missing() counts
            assert float(r_read[("sav_user_na", wave, item, "plain_mean")]) > 5
            answers = stored["answers"][(wave, statement)]
            dont_know, unanswered = answers.count("dont_know"), stored["counts"][wave] - len(answers)
            assert int(r_read[("dta", wave, item, "tagged_a")]) == dont_know > 0
            assert int(r_read[("dta", wave, item, "tagged_b")]) == unanswered
            assert int(r_read[("sav_user_na", wave, item, "user_na_98")]) == dont_know
            assert int(r_read[("sav_user_na", wave, item, "user_na_99")]) == unanswered
    # The wrong mean of the issue: "Don't know" counted as a 6, beyond "Strongly disagree".
    answers = stored["answers"][("2026-autumn", "assessment_wait")]
    wrong = sum(ANSWERS.index(a) + 1 for a in answers) / len(answers)  # 1 = strongly agree ... 6 = don't know
    assert abs(wrong - service_means[("2026-autumn", "assessment_wait")]) > 0.1


def test_the_dictionary_says_which_mean_in_r_leaves_the_declared_missing_values_out(analyst: Any) -> None:
    dictionary = pl.read_csv(io.BytesIO(_get(analyst, "/api/v1/export/dictionary", waves="all", format="csv")))
    missing = dictionary.filter(pl.col("kind") == "likert")["missing"]
    assert missing.len() == len(STATEMENTS)
    for text in missing:  # the recipes the R test above runs, each for the read it is right for
        assert "read_sav(); read_dta(): tagged NA), so mean(x, na.rm = TRUE) leaves them out" in text
        assert "read_sav(user_na = TRUE) keeps them" in text and "mean(zap_missing(x), na.rm = TRUE)" in text


@pytest.mark.r
def test_in_r_labels_and_dates_come_through(r_read: dict[tuple[str, str, str, str], str], names: dict[str, str],
                                            service: Any) -> None:
    first_item = names[f"q7_{STATEMENTS[0]}"]
    short = Q7["statements"][0]["short"]["en"]
    first_id = r_read[("sav", "", "response_id", "first")]
    hour = service.store.rows("SELECT submitted_hour FROM responses WHERE response_id = ?", [first_id])[0][0]
    for file in ("sav", "dta"):
        assert r_read[(file, "", first_item, "variable_label")] == f"q7 {short}"
        assert r_read[(file, "", first_item, "label_of_5")] == "Strongly agree"
        assert r_read[(file, "", first_item, "label_of_dont_know")] == "Don't know"
        assert r_read[(file, "", "respondent_role", "label_of_1")] == ROLES["parent_carer"]
        assert r_read[(file, "", "submitted_hour", "class")] == "POSIXct"
        assert r_read[(file, "", "submitted_hour", "first")] == f"{hour:%Y-%m-%d %H:%M}"
        assert r_read[(file, "", "response_id", "first")] == first_id


# --- pyreadstat and pandas ----------------------------------------------------------------------------------------


def test_pyreadstat_reads_the_declared_missing_values_and_the_multiple_response_sets(
        files: dict[str, Path], names: dict[str, str], service_means: dict[tuple[str, str], float],
        stored: dict[str, Any]) -> None:
    sav, meta = pyreadstat.read_sav(str(files["sav"]), user_missing=True, output_format="polars")
    dta, dta_meta = pyreadstat.read_dta(str(files["dta"]), user_missing=True, output_format="pandas")
    item = names["q7_assessment_wait"]
    assert meta.missing_ranges[item] == [{"lo": 98.0, "hi": 98.0}, {"lo": 99.0, "hi": 99.0}]
    assert dta_meta.missing_user_values[item] == ["a", "b"]
    for wave in WAVES:
        answers = stored["answers"][(wave, "assessment_wait")]
        codes = sav.filter(pl.col("wave_id") == wave)[item].to_list()
        assert codes.count(98) == answers.count("dont_know") and codes.count(99) == stored["counts"][wave] - len(
            answers)
        tags = dta[dta["wave_id"] == wave][item].tolist()
        assert tags.count("a") == answers.count("dont_know")
    # SPSS's multiple response sets ($health_services; ReadStat gives the names without the $), one per
    # multiple-choice question: its 0/1 variables, counted value 1, labelled with the question.
    assert set(meta.mr_sets) == {"health_services", "social_care_services", "send_status"}
    health = meta.mr_sets["health_services"]
    assert (health["type"], health["is_dichotomy"], health["counted_value"]) == ("D", True, 1)
    assert health["label"] == QUESTIONS["health_services"]["text"]["en"]
    assert health["variable_list"] == [names[f"health_services__{o['id']}"]
                                       for o in QUESTIONS["health_services"]["options"]]
    assert sav.height == sum(stored["counts"].values())  # the file reads whole after the record was added


def test_the_dictionary_names_each_multiple_response_set_s_variables_as_spss_does(
        files: dict[str, Path], analyst: Any) -> None:
    _, meta = pyreadstat.read_sav(str(files["sav"]), metadataonly=True)
    dictionary = pl.read_csv(io.BytesIO(_get(analyst, "/api/v1/export/dictionary", waves="all", format="csv")))
    for question_id, mr_set in meta.mr_sets.items():
        described = dictionary.filter(pl.col("name") == question_id)["set"].item()
        # health_services__paediatrician is health_servic__paediatrician in SPSS: listed as SPSS has it
        assert described == (f"${question_id}: SPSS multiple response set of {', '.join(mr_set['variable_list'])} "
                             "(multiple dichotomies, counted value 1)")


def test_pandas_reads_the_stata_file_and_its_plain_mean_is_the_service_mean(
        files: dict[str, Path], names: dict[str, str], service_means: dict[tuple[str, str], float]) -> None:
    with pd.io.stata.StataReader(files["dta"]) as reader:
        data = reader.read(convert_categoricals=False)  # extended missing values .a, .b read as NaN
    for wave in WAVES:
        rows = data[data["wave_id"] == wave]
        for statement in STATEMENTS:
            assert rows[names[f"q7_{statement}"]].mean() == pytest.approx(service_means[(wave, statement)],
                                                                         abs=1e-12)
    spss = pd.read_spss(files["sav"], convert_categoricals=False)  # user-missing values read as missing
    for statement in STATEMENTS:
        rows = spss[spss["wave_id"] == "2027-spring"]
        assert rows[names[f"q7_{statement}"]].mean() == pytest.approx(service_means[("2027-spring", statement)],
                                                                     abs=1e-12)


# --- XLSX and Parquet ---------------------------------------------------------------------------------------------


def test_xlsx_shows_words_numbers_and_dates_under_filters_with_a_codes_sheet(files: dict[str, Path],
                                                                             stored: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(files["xlsx"])
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == sum(stored["counts"].values())
    assert {r["q7_health_met"] for r in rows} - {None} <= set(WORDS.values())
    assert "Don't know" in {r["q7_assessment_wait"] for r in rows}
    assert {r["respondent_role"] for r in rows} - {None} <= set(ROLES.values())
    assert {type(r["q7_health_met_score"]) for r in rows} <= {int, type(None)}
    assert {r["health_services__camhs"] for r in rows} <= {0, 1, None}
    assert all(isinstance(r["submitted_hour"], dt.datetime) and r["submitted_hour"] == stored["hours"][
        r["response_id"]] for r in rows)
    assert sheet.freeze_panes == "A2" and sheet.tables and next(iter(sheet.tables.values())).autoFilter is not None
    codes = book["codes"]
    header = [c.value for c in codes[1]]
    assert header == ["name", "variable", "answer_id", "words", "sav_code", "dta_code", "missing"]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in codes.iter_rows(min_row=2)]
    wait = [(r["words"], r["sav_code"], r["dta_code"], r["missing"]) for r in rows if r["name"] == "q7_assessment_wait"]
    assert wait == [("Strongly agree", 5, "5", False), ("Tend to agree", 4, "4", False),
                    ("Neither agree nor disagree", 3, "3", False), ("Tend to disagree", 2, "2", False),
                    ("Strongly disagree", 1, "1", False), ("Don't know", 98, ".a", True),
                    ("Not answered", 99, ".b", True)]


def test_parquet_hours_are_utc_and_answers_are_ordered_enums(files: dict[str, Path], stored: dict[str, Any]) -> None:
    table = pq.read_table(files["parquet"])
    hour = table.schema.field("submitted_hour").type
    assert pa.types.is_timestamp(hour) and hour.tz == "UTC"
    frame = pl.read_parquet(files["parquet"])
    assert frame["q7_health_met"].dtype == pl.Enum(ANSWERS)  # the questionnaire's order, "Don't know" last
    first = frame.row(0, named=True)
    assert first["submitted_hour"] == stored["hours"][first["response_id"]].replace(tzinfo=dt.UTC)
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert metadata["title"] == "Internal: not for publication: surveyapp responses: 2026-autumn, 2027-spring"


# --- The 2019 baseline as data ------------------------------------------------------------------------------------


def _published() -> list[tuple[str, str, int]]:
    """(statement, answer, n) as the 2019 report published them, read from the definition's CSV."""
    with (DEFINITIONS / "baseline-2019-q7.csv").open(encoding="utf-8") as handle:
        return [(row["statement_id"], answer, int(row[answer])) for row in csv.DictReader(handle)
                for answer in ANSWERS]


def test_the_2019_baseline_counts_come_as_csv_parquet_and_a_sheet_of_the_dictionary_workbook(analyst: Any) -> None:
    published = sorted(_published())
    scores = {a["id"]: a.get("score") for a in Q7["answers"]}
    as_csv = pl.read_csv(io.BytesIO(_get(analyst, "/api/v1/export/baseline", format="csv")))
    as_parquet = pl.read_parquet(io.BytesIO(_get(analyst, "/api/v1/export/baseline", format="parquet")))
    book = openpyxl.load_workbook(io.BytesIO(_get(analyst, "/api/v1/export/dictionary", waves="all",
                                                  format="xlsx")))
    assert book.sheetnames == ["dictionary", "codes", "baseline"]
    sheet = book["baseline"]
    header = [c.value for c in sheet[1]]
    as_sheet = pl.DataFrame([dict(zip(header, (c.value for c in row), strict=True))
                             for row in sheet.iter_rows(min_row=2)])
    for table in (as_csv, as_parquet.cast({pl.Categorical: pl.String}), as_sheet):
        assert sorted(table.select("statement_id", "answer_id", "n").rows()) == published
        assert set(table["wave_id"]) == {"baseline-2019"}
        assert all(scores[a] == s for a, s in table.select("answer_id", "score").rows())
        assert "Reasonable wait for assessment" in table["statement"].to_list()
    total = as_csv.filter(pl.col("statement_id") == "assessment_wait")["n"].sum()
    assert total == 27 + 54 + 76 + 78 + 349 + 48  # the 2019 report's counts for the statement
