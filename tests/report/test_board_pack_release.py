"""The board pack built from a release: every figure from the release's tables, the headline comparing like
with like (Kent with the Kent-wide 2019 figure, Medway apart), one chart of change by area, ratios said plainly,
"You said, we did" beside its statement, and an A4 PDF that prints well, checked by reading its layout back
(pdfplumber): page 1 has the summary and a chart, no text under 9 pt, no heading left at a page's foot
without its chart, no page but the last under a third full."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import msgspec
import pdfplumber
import polars as pl
import pytest

from surveyapp.render.boardpack import PackInputs, pack_charts, pack_html, summary_lines, write_pack
from surveyapp.render.report import print_pdf
from tests.release_doc import KENT, MEDWAY, QUIET, planted_entries, planted_release, scale, table_frame
from waves.areas.pack import load_area_pack

TITLES = {"baseline-2019": "2019", "2026-autumn": "Autumn 2026", "2027-spring": "Spring 2027"}
MARGIN = 12 / 25.4 * 72  # the page's 12 mm margin, in points


@pytest.fixture(scope="module")
def document() -> Any:
    return planted_release()


def inputs_of(document: Any, status: str = "published", entries: Any = None) -> PackInputs:
    pack = load_area_pack()
    return PackInputs(document=document, status=status, scale=scale(),  # type: ignore[arg-type]
                      entries=planted_entries() if entries is None else entries, pack_info=pack.info,
                      attribution=pack.attribution, threshold=10, titles=TITLES)


@pytest.fixture(scope="module")
def charts(document: Any) -> list[Any]:
    return pack_charts(inputs_of(document))


def page_of(inputs: PackInputs, charts: list[Any]) -> str:
    """The pack's page, its charts drawn once for the module (the page's words come from `inputs`)."""
    return pack_html(inputs, charts, ["<svg></svg>"] * len(charts))


def test_the_headline_compares_kent_with_kent_wide_2019_and_shows_medway_apart(document: Any, charts: Any) -> None:
    headline = charts[0]
    assert headline.slug == "headline"
    points = headline.figures
    kent = table_frame(document, "compare-utla-vs-baseline").filter(pl.col("area_code") == KENT)
    for row in kent.iter_rows(named=True):
        mine = points.filter(pl.col("statement_id") == row["statement_id"])
        assert mine.filter(pl.col("series") == "Kent families, Spring 2027")["share"].item() == row["share_agree"]
        assert mine.filter(pl.col("series") == "Kent-wide 2019")["share"].item() == row["baseline_share_agree"]
    series = set(points["series"])
    assert series == {"Kent families, Spring 2027", "Kent-wide 2019",
                      "Medway families, Spring 2027 (no 2019 figure: not covered)"}  # every label says which
    spec = headline.chart.to_dict()
    assert spec["title"]["text"] == "Kent families, Spring 2027, against the Kent-wide 2019 figure"
    assert "the 2019 survey did not cover it" in " ".join(spec["title"]["subtitle"])
    summary = " ".join(summary_lines(inputs_of(document)))
    assert "Kent families agree more often than Kent-wide in 2019" in summary
    assert "Medway is shown apart, with no 2019 figure: the 2019 survey did not cover Medway." in summary


def test_the_area_view_is_one_chart_of_one_row_per_area_with_the_average_change(document: Any, charts: Any) -> None:
    areas = next(c for c in charts if c.slug == "areas")
    spec = areas.chart.to_dict()
    assert "facet" not in spec and "row" not in str(spec.get("encoding", {}))
    assert len(spec["hconcat"]) == 2  # the bars and their words beside them: one chart, not 8 panels
    table = table_frame(document, "compare-lad-vs-previous")
    assert areas.figures.height == table["area_code"].n_unique() == 13
    expected = table.group_by("area_name").agg((pl.col("delta_share_agree").mean() * 100).alias("mean"))
    for row in expected.iter_rows(named=True):
        mine = areas.figures.filter(pl.col("area") == row["area_name"])
        assert mine["change"].item() == pytest.approx(row["mean"])
        assert mine["label"].item().startswith(f"{round(row['mean']):+d} points")
    assert areas.figures["change"].to_list() == sorted(areas.figures["change"].to_list(), reverse=True)


def test_ratios_are_said_plainly(document: Any, charts: Any) -> None:
    reach = table_frame(document, "reach-lad").filter(pl.col("area_code") == QUIET)
    assert 0.28 < reach["representation_ratio"].item() < 0.4  # planted at a third of its share
    summary = " ".join(summary_lines(inputs_of(document)))
    assert "Folkestone and Hythe gave about a third of the responses we would expect" in summary
    chart = next(c for c in charts if c.slug == "reach-places")
    assert chart.figures.filter(pl.col("group") == "Folkestone and Hythe")["words"].item() == "about a third expected"


def test_you_said_we_did_stands_beside_its_statement(document: Any, charts: Any) -> None:
    page = page_of(inputs_of(document), charts)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    wait = next(r for r in rows if "Reasonable wait for assessment" in r)
    assert "Two more educational psychologists start in January" in wait and "expected by 30 April 2027" in wait
    health = next(r for r in rows if "Health needs met" in r)
    assert "We cannot change" in health and "Why: The NHS trust commissions it" in health
    whole = next(r for r in rows if "The survey as a whole" in r)
    assert "We publish what families told us" in whole
    assert sum("Nothing recorded yet." in r for r in rows) == 6  # the other statements, said honestly


def test_every_figure_comes_from_the_release_document(document: Any, charts: Any) -> None:
    """A figure planted in the document is the one the pack shows; the pack reads no store at all."""
    planted = msgspec.structs.replace(document, tables=[msgspec.structs.replace(t) for t in document.tables])
    headline = planted.table("compare-utla-vs-baseline")
    for row in headline.rows:
        if row["area_code"] == MEDWAY and row["statement_id"] == "social_care_met":
            row["share_agree"] = 0.777
    page = page_of(inputs_of(planted), charts)
    assert "8 in 10 Medway families agree (78%); no 2019 figure." in page


def test_a_draft_or_withdrawn_pack_says_it_is_not_for_publication(document: Any, charts: Any) -> None:
    page = page_of(inputs_of(document, status="draft"), charts)
    assert "Draft release: not yet published. Not for publication." in page
    withdrawn = dataclasses.replace(inputs_of(document, status="withdrawn"), notice="A figure was wrong")
    assert "Withdrawn release: A figure was wrong. Not for publication." in page_of(withdrawn, charts)
    assert "Not for publication" not in page_of(inputs_of(document), charts)


def test_the_same_families_chart_says_each_statement_in_words_and_hides_a_small_one(document: Any,
                                                                                    charts: Any) -> None:
    assert [c.slug for c in charts].index("same-families") == [c.slug for c in charts].index("areas") + 1
    same = next(c for c in charts if c.slug == "same-families")
    title = same.chart.to_dict()["title"]["text"]
    assert title == ["Families who answered both Autumn 2026 and Spring 2027:",
                     "4 of 7 statements clearly improved, 1 clearly worse"]
    table = table_frame(document, "cohort-all-vs-previous")
    for row in table.iter_rows(named=True):
        mine = same.figures.filter(pl.col("statement_id") == row["statement_id"]).row(0, named=True)
        if row["hidden"] is not None:  # too few families answered it both times: words, never a figure
            assert mine["words"] == "too few families who answered both to show"
            assert all(mine[k] is None for k in ("families", "worse", "same", "improved", "verdict"))
            continue
        assert (mine["worse"], mine["same"], mine["improved"]) == (
            row["share_worse"], row["share_same"], row["share_improved"])
        clear = "clearly improved" if row["n_improved"] > row["n_worse"] else "clearly worse"
        assert mine["words"] == f"{row['n_pairs']} families: {clear if row['q_value'] < 0.05 else 'could be chance'}"
    described = same.chart.to_dict()["description"]
    hidden = re.search(r"Child making progress: ([^;]*)", described)
    assert hidden is not None and hidden.group(1) == "too few families who answered both to show"
    summary = " ".join(summary_lines(inputs_of(document)))
    assert ("The same families, then and now: of those who answered both Autumn 2026 and Spring 2027, 4 of 7 "
            "statements clearly improved, 1 clearly worse.") in summary


def test_responses_by_source_say_a_hidden_count_in_words(document: Any, charts: Any) -> None:
    sources = next(c for c in charts if c.slug == "sources")
    said = dict(zip(sources.figures["source"], sources.figures["words"], strict=True))
    assert said == {"No partner's link (the plain link)": "about 310", "Parent carer forum newsletter": "about 215",
                    "School SENCOs' emails": "about 190", "Family hub posters": "about 120",
                    "GP surgery posters": "fewer than 10", "Library posters": "not shown"}
    assert sources.figures.filter(pl.col("source").is_in(["GP surgery posters", "Library posters"]))[
        "responses"].null_count() == 2
    assert "GP surgery posters: fewer than 10; Library posters: not shown" in sources.chart.to_dict()["description"]
    summary = " ".join(summary_lines(inputs_of(document)))
    assert ("Of the outreach partners, Parent carer forum newsletter (about 215) brought the most families, then "
            "School SENCOs' emails (about 190).") in summary


def test_without_entries_the_pack_says_none_are_published(document: Any) -> None:
    summary = summary_lines(inputs_of(document, entries=[]))
    assert 'No "You said, we did" entries are published yet.' in summary


# The printed PDF, read back.


@pytest.fixture(scope="module")
def printed(document: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pack")
    page = write_pack(inputs_of(document), out)
    return print_pdf(page, out / "board-pack.pdf"), page.read_text(encoding="utf-8")


def _lines(page: Any) -> list[dict[str, Any]]:
    return page.extract_text_lines(return_chars=True)  # type: ignore[no-any-return]


def _headings(page: Any) -> list[dict[str, Any]]:
    """The page's h1 and h2 headings: bold lines of 13.5 pt or more."""
    return [line for line in _lines(page)
            if all("Bold" in c["fontname"] and c["size"] >= 13.5 for c in line["chars"] if c["text"].strip())]


@pytest.mark.browser
@pytest.mark.slow
def test_page_one_carries_the_summary_and_its_headline_chart(printed: tuple[Path, str]) -> None:
    with pdfplumber.open(printed[0]) as pdf:
        first = pdf.pages[0]
        assert (first.width, first.height) == pytest.approx((595.3, 841.9), abs=1)  # A4
        text = first.extract_text()
        assert "Summary" in text and "About 900 families answered in Spring 2027" in text
        title = next(line for line in _lines(first) if line["text"].startswith("Kent families, Spring 2027, against"))
        marks = [o for o in (*first.curves, *first.rects, *first.lines) if o["top"] > title["bottom"]]
        assert len(marks) > 20  # the dots, axes and grid of the chart, under its title


@pytest.mark.browser
@pytest.mark.slow
def test_no_text_is_smaller_than_9_points(printed: tuple[Path, str]) -> None:
    with pdfplumber.open(printed[0]) as pdf:
        sizes = [c["size"] for page in pdf.pages for c in page.chars if c["text"].strip()]
    assert len(sizes) > 1000 and min(sizes) >= 9 - 0.05


@pytest.mark.browser
@pytest.mark.slow
def test_every_heading_stays_with_its_chart_and_none_is_left_at_a_page_foot(printed: tuple[Path, str]) -> None:
    pdf_path, html = printed
    blocks = re.findall(r'data-heading="([^"]+)"\s+data-chart-title="([^"]+)"', html)
    assert len(blocks) >= 4
    with pdfplumber.open(pdf_path) as pdf:
        lines = [(n, line) for n, page in enumerate(pdf.pages) for line in _lines(page)]
        for heading, title in blocks:
            at = [(n, line) for n, line in lines if line["text"] == heading]
            chart = [(n, line) for n, line in lines if line["text"].startswith(title) and line["text"] != heading]
            assert at and chart, (heading, title)
            assert at[0][0] == chart[0][0] and chart[0][1]["top"] > at[0][1]["top"], heading  # same page, below
        assert sum(len(_headings(page)) for page in pdf.pages) >= len(blocks) + 2  # h1, Summary, the charts'...
        for page in pdf.pages:
            for heading in _headings(page):
                if heading["top"] > page.height * 2 / 3:  # in the bottom third: content must follow it there
                    after = [line for line in _lines(page) if line["top"] > heading["bottom"]]
                    assert len(after) >= 3, heading["text"]


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_but_the_last_is_less_than_a_third_full(printed: tuple[Path, str]) -> None:
    with pdfplumber.open(printed[0]) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages[:-1]:
            bottom = max(o["bottom"] for o in (*page.chars, *page.rects, *page.curves, *page.lines))
            fill = (bottom - MARGIN) / (page.height - 2 * MARGIN)
            assert fill >= 1 / 3, (page.page_number, fill)


@pytest.mark.browser
@pytest.mark.slow
def test_the_printed_pack_shows_the_same_families_and_the_sources_in_words(printed: tuple[Path, str]) -> None:
    with pdfplumber.open(printed[0]) as pdf:
        lines = [line["text"] for page in pdf.pages for line in _lines(page)]
    text = "\n".join(lines)
    assert "The same families, then and now" in lines and "Where families came from" in lines
    assert "Families who answered both Autumn 2026 and Spring 2027:" in lines
    for statement, words in (("Local Offer website useful", "clearly improved"), ("School has the skills",
                             "could be chance"), ("Social care needs met", "clearly worse")):
        assert re.search(rf"^{statement}.* \d+ families: {words}$", text, re.M), statement
    small = [line for line in lines if "too few families who answered both to show" in line]
    assert len(small) == 1 and small[0].startswith("Child making progress")
    assert not re.search(r"\d", small[0])  # never a figure for it
    gp = next(line for line in lines if line.startswith("GP surgery posters"))
    assert gp == "GP surgery posters fewer than 10"
    assert next(line for line in lines if line.startswith("Library posters")) == "Library posters not shown"
