"""The board report: a self-contained page, charts as SVG and PNG, figures.csv, no suppressed figure."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from tqdm import tqdm

from analytics.scale import Scale
from surveyapp.render.report import ReportInputs, _drawn, chart_svg, report_html, write_report
from tests.chart_frames import (
    CANARY,
    LADS,
    SUPPRESSED_LAD,
    THRESHOLD,
    WAVES,
    by_area_frame,
    cohort_frame,
    overall_frame,
    reach_frame,
    with_canaries,
)
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue

PACK = load_area_pack()
BOUNDARIES = Path(__file__).parents[3] / "shared/reference/kent-medway/kent_medway_lad_may2024_buc.geojson"
CHARTS = ["answers", "trend", "shift", "shift-map", "reach-lad", "reach-map", "reach-ethnic-group",
          "reach-religion", "cohort"]


def inputs() -> ReportInputs:
    """Report inputs whose suppressed rows carry CANARY figures a careless step could leak."""
    return ReportInputs(
        wave_id="2027-spring", baseline_id="baseline-2019", wave_order=WAVES,
        wave_titles={"baseline-2019": "2019", "2026-autumn": "Autumn 2026", "2027-spring": "Spring 2027"},
        overall=with_canaries(overall_frame()), by_area=with_canaries(by_area_frame()),
        reach=with_canaries(reach_frame()), cohort=with_canaries(cohort_frame()),
        scale=Scale.for_questionnaire(load_catalogue().questionnaire("send-repeat", 1)),
        tiles=PACK.tiles, attribution=PACK.attribution, pack_info=PACK.info,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, list[tuple[str, int, int]]]:
    """A report written once for the module, with the steps it reported."""
    steps: list[tuple[str, int, int]] = []
    out = tmp_path_factory.mktemp("report")
    page = write_report(inputs(), out, threshold=THRESHOLD, progress=lambda *step: steps.append(step))
    return page, steps


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def png_scanlines(data: bytes) -> bytes:
    """The PNG's decompressed (still filtered) scanlines."""
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        at += 12 + length
    return zlib.decompress(b"".join(chunks))


def test_report_writes_the_page_every_chart_as_svg_and_png_and_the_figures(report):
    page, _ = report
    assert page.name == "report.html" and page.exists()
    for slug in CHARTS:
        assert (page.parent / "charts" / f"{slug}.svg").read_text(encoding="utf-8").startswith("<svg")
        assert (page.parent / "charts" / f"{slug}.png").stat().st_size > 10_000
    figures = pl.read_csv(page.parent / "figures.csv")
    assert figures.columns == ["chart", "wave_id", "area_or_group", "statement", "measure", "value", "unit", "note"]
    assert set(figures["chart"]) == set(CHARTS) - {"answers"} | {"likert"}


def test_pngs_are_sized_for_an_a4_page_and_not_blank(report):
    page, _ = report
    for slug in CHARTS:
        data = (page.parent / "charts" / f"{slug}.png").read_bytes()
        width, height = png_size(data)
        assert 1200 <= width <= 1600 and height <= round(1600 * 297 / 210), slug
        lines = png_scanlines(data)
        assert len(set(lines)) > 32 and lines.count(0) < 0.98 * len(lines), slug


def test_no_suppressed_figure_in_the_page_the_svgs_or_the_csv(report):
    page, _ = report
    texts = [page.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (page.parent / "charts").glob("*.svg")]
    canary = re.compile(rf"(?<![\d.])(?:{CANARY}|0\.{CANARY})(?![\d])")  # a figure, not a coordinate's digits
    assert not any(canary.search(text) for text in texts)
    figures = pl.read_csv(page.parent / "figures.csv")
    assert figures.filter(pl.col("value").is_in([float(CANARY), CANARY / 1000])).is_empty()
    hidden = figures.filter(pl.col("area_or_group") == LADS[SUPPRESSED_LAD])
    assert hidden.height and hidden.filter(pl.col("measure") != "Expected share")["value"].is_null().all()
    assert set(hidden["note"].drop_nulls()) == {"too few responses"}


def test_csv_percentages_match_the_input_frames(report):
    page, _ = report
    figures = pl.read_csv(page.parent / "figures.csv")
    source = overall_frame().filter(pl.col("wave_id") == "2026-autumn")
    for row in source.iter_rows(named=True):
        shown = figures.filter((pl.col("chart") == "trend") & (pl.col("wave_id") == "2026-autumn") &
                               (pl.col("statement") == row["statement_id"]) & (pl.col("measure") == "Agree"))
        assert shown["value"][0] == pytest.approx(row["share_agree"])
        assert shown["unit"][0] == "share"
    reach = reach_frame().filter(pl.col("area_code") == "E06000035").row(0, named=True)
    ratio = figures.filter((pl.col("chart") == "reach-lad") & (pl.col("area_or_group") == "Medway") &
                           (pl.col("measure") == "Ratio"))
    assert ratio["value"][0] == pytest.approx(reach["representation_ratio"])


def test_page_is_self_contained_accessible_and_says_too_few_responses(report):
    page, _ = report
    html = page.read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    assert "<script" not in html.lower()
    outside = set(re.findall(r"(?:https?:)?//[\w.-]+", html)) - {"http://www.w3.org", "//www.w3.org"}
    assert not outside
    assert html.count("<figure") == html.count("<figcaption>") == len(CHARTS)
    assert html.count('role="img"') == len(CHARTS) and '<th scope="col">' in html
    assert "<h1>" in html and html.count("<h2") >= 3
    headings = re.findall(r'<h3 id="[^"]+">([^<]+)</h3>', html)
    assert headings and all(f"<summary>Table of figures: {h}</summary>" in html for h in headings)  # Kent, not kent
    assert 'role="graphics-' not in html  # each chart is one image: no unnamed Vega mark inside (svg-img-alt)
    assert re.search(r'<th scope="row">Gravesham</th>\s*<td class="num">too few responses</td>', html)
    assert f"fewer than {THRESHOLD} responses" in html and "Contains OS data" in html
    assert "Census 2021" in html and "all ages" in html
    assert PACK.info.children_source in html and PACK.info.boundaries_source not in html  # no map boundaries


def test_summary_names_the_biggest_shift_and_the_reach_gaps(report):
    page, _ = report
    summary = re.search(r'<p class="summary">(.*?)</p>', page.read_text(encoding="utf-8"), re.S).group(1)
    assert "Local Offer website is useful (+35 points)" in summary
    assert "Under-reached:" in summary and "Medway" in summary


def test_progress_is_reported_for_every_step(report):
    _, steps = report
    assert [done for _, done, _ in steps] == list(range(1, len(CHARTS) + 3))
    assert {total for _, _, total in steps} == {len(CHARTS) + 2}


@pytest.mark.slow  # renders the whole page again
def test_page_for_the_service_is_the_written_page_and_drives_a_tqdm_bar(report):
    page, _ = report
    bar = tqdm(file=io.StringIO())
    html = report_html(inputs(), threshold=THRESHOLD, progress=bar)
    assert bar.n == bar.total == len(CHARTS) + 1
    assert html == page.read_text(encoding="utf-8")


@pytest.mark.slow  # renders the whole page again
@pytest.mark.skipif(not BOUNDARIES.exists(), reason="boundaries live in ../shared, beside the repo")
def test_with_boundaries_the_maps_are_real_shapes_read_at_run_time():
    html = report_html(inputs(), threshold=THRESHOLD, boundaries=BOUNDARIES)
    assert PACK.info.boundaries_source in html
    assert "Tile map" not in html and "Map of Kent and Medway" in html


@pytest.mark.browser
def test_page_renders_every_chart_in_chromium_with_the_network_off(report, browser):
    page_path, _ = report
    attempted: list[str] = []
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (attempted.append(route.request.url), route.abort()))
    tab = context.new_page()
    tab.goto(page_path.as_uri())
    sizes = tab.eval_on_selector_all("figure.chart svg", SVG_SIZES)
    variances = [tab.evaluate(PIXEL_VARIANCE, "data:image/png;base64," + base64.b64encode(
        (page_path.parent / "charts" / f"{slug}.png").read_bytes()).decode()) for slug in CHARTS]
    context.close()
    assert len(sizes) == len(CHARTS)
    assert all(width > 300 and marks > 20 for width, marks in sizes)
    assert not attempted
    assert all(v > 100 for v in variances)


SVG_SIZES = "svgs => svgs.map(s => [s.getBoundingClientRect().width, s.querySelectorAll('path, text').length])"
PIXEL_VARIANCE = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const canvas = document.createElement('canvas'); canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  let sum = 0, sq = 0, n = 0;
  for (let i = 0; i < px.length; i += 4) { const g = (px[i] + px[i + 1] + px[i + 2]) / 3; sum += g; sq += g * g; n++; }
  return sq / n - (sum / n) ** 2;
}"""


@pytest.mark.slow  # the service renders the whole report
def test_the_first_page_gives_each_waves_responses_rounded_and_the_baselines_as_published(seeded_analyst) -> None:
    page = seeded_analyst.get("/results/2027-spring").text
    first_page = page.split("</section>", 1)[0]
    # 40 spring families and 60 autumn ones are multiples of 5, so rounding leaves them as they are.
    assert "Spring 2027: about 40 families" in first_page and "Autumn 2026: about 60 families" in first_page
    assert "2019:" in first_page and "answered question 7 (as published)" in first_page
    assert first_page.index("Spring 2027: about") < first_page.index("Autumn 2026: about")


def test_a_chart_is_drawn_again_when_a_figure_changes_and_kept_when_none_does() -> None:
    """Drawings are kept by spec (the tracker page reloads every 5 minutes): the same figures give the same
    picture, and one changed figure a new one, never the picture kept from before."""

    def bars(n: int) -> alt.Chart:
        frame = pl.DataFrame({"area": ["Swale", "Thanet"], "responses": [n, 12]})
        return alt.Chart(frame).mark_bar().encode(x="responses:Q", y="area:N").properties(description="Bars.")

    first, again, changed = (chart_svg(bars(n), "bars", "Responses") for n in (31, 31, 47))
    _drawn.cache_clear()  # nothing kept: drawn from scratch
    assert again == first == chart_svg(bars(31), "bars", "Responses")
    assert changed != first and changed == chart_svg(bars(47), "bars", "Responses")
