"""The board report: one self-contained HTML page of charts with their figures, plus SVG, PNG and CSV."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import markupsafe
import polars as pl
import vl_convert as vlc

from analytics.charts import (
    cohort_chart,
    cohort_figures,
    cohort_segments,
    description_of,
    likert_chart,
    likert_figures,
    likert_segments,
    map_chart,
    map_figures,
    map_values,
    reach_chart,
    reach_figures,
    reach_points,
    shift_chart,
    shift_figures,
    shift_points,
    summary_text,
    trend_chart,
    trend_figures,
    trend_points,
)
from analytics.charts.common import BASELINE_SOURCE, survey_source, unscored_label
from analytics.charts.map import biggest_shift_statement
from analytics.charts.shift import county_wide
from analytics.charts.tables import attribution_lines, figure_table
from analytics.scale import Scale
from surveyapp.render.browsers import CHROMIUMS
from surveyapp.render.templating import render
from waves.areas.pack import PackInfo

PNG_WIDTH = 1600  # px: an A4 page's printable width at about 200 dpi
PNG_MAX_HEIGHT = round(PNG_WIDTH * 297 / 210)
Progress = Any  # a callback(step: str, done: int, total: int) or a tqdm instance


@dataclass(frozen=True, kw_only=True)
class ReportInputs:
    """The result frames a report shows, the compared question's scale and the active area pack's facts;
    the caller computes the frames from the store."""

    wave_id: str  # the wave the report is about
    baseline_id: str
    wave_order: tuple[str, ...]  # every wave to show, oldest (the baseline) first
    wave_titles: Mapping[str, str]  # short titles: "2019", "Autumn 2026"
    overall: pl.DataFrame  # compare rows, area_level 'all', for every wave in wave_order
    by_area: pl.DataFrame  # compare rows for wave_id, area_level 'lad'
    reach: pl.DataFrame  # reach rows for wave_id: area_level 'lad', 'ethnic_group', 'religion'
    scale: Scale  # the compared Likert question of wave_id's questionnaire: Scale.for_questionnaire(...)
    tiles: pl.DataFrame  # the active area pack's tile layout (AreaPack.tiles: lad_code, col, row)
    attribution: str  # the active area pack's ATTRIBUTION.md (AreaPack.attribution)
    pack_info: PackInfo  # the active area pack's place name and source lines (AreaPack.info)
    cohort: pl.DataFrame | None = None  # linked cohort, wave_id against the wave before it
    shift_statement: str | None = None  # the shift chart's statement; None shows every statement
    area_baseline_id: str | None = None  # what by_area is compared with (the wave before, once there is one)
    totals: Mapping[str, int] = field(default_factory=dict)  # families per wave: rounded, or as a baseline published
    published_baseline: bool = False  # the baseline is a published aggregate (its counts shown as published)

    def title(self, wave_id: str) -> str:
        """A wave's short title, or its id."""
        return self.wave_titles.get(wave_id, wave_id)


@dataclass(frozen=True)
class ReportChart:
    """One chart of the report: where it goes, its heading, the chart and the figures it shows."""

    slug: str
    section: str
    heading: str
    chart: alt.TopLevelMixin
    figures: pl.DataFrame


def experience_charts(inputs: ReportInputs, threshold: int, boundaries: Mapping[str, Any] | None) -> list[ReportChart]:
    """The compared question's charts: answers per wave, trend, shift by area and its map."""
    scale, info = inputs.scale, inputs.pack_info
    waves: dict[str, Any] = {"wave_order": inputs.wave_order, "wave_titles": inputs.wave_titles, "threshold": threshold}
    wave, base = inputs.title(inputs.wave_id), inputs.title(inputs.area_baseline_id or inputs.baseline_id)
    statement = inputs.shift_statement
    lad_rows = inputs.by_area.filter(pl.col("area_level") == "lad")
    shift_heading = f"Each area, {wave}, against the {info.baseline_scope} {base} figure" if county_wide(lad_rows) \
        else f"Change by area since {base}"
    mapped = biggest_shift_statement(inputs.by_area.filter(pl.col("area_level") == "lad"))
    section = "Are families' experiences improving?"
    return [
        ReportChart("answers", section, "How families answered, wave by wave",
                    likert_chart(inputs.overall, scale=scale, pack_info=info, **waves),
                    likert_figures(likert_segments(inputs.overall, scale=scale, threshold=threshold), scale)),
        ReportChart("trend", section, "Share agreeing with each statement over time",
                    trend_chart(inputs.overall, scale=scale, pack_info=info, **waves),
                    trend_figures(trend_points(inputs.overall, scale=scale, **waves))),
        ReportChart("shift", section, shift_heading,
                    shift_chart(inputs.by_area, scale=scale, pack_info=info, threshold=threshold,
                                statement_id=statement, wave_title=wave, baseline_title=base),
                    shift_figures(shift_points(inputs.by_area, scale=scale, statement_id=statement,
                                               threshold=threshold), inputs.wave_id)),
        ReportChart("shift-map", section, "Map of the change by area",
                    map_chart(inputs.by_area, tiles=inputs.tiles, pack_info=info, measure="shift",
                              threshold=threshold, scale=scale, statement_id=mapped, boundaries=boundaries,
                              compared_with=f"the {info.baseline_scope} {base} figure" if county_wide(lad_rows)
                              else base),
                    map_figures(map_values(inputs.by_area, measure="shift", threshold=threshold,
                                           statement_id=mapped), inputs.wave_id, "shift-map",
                                measure="shift", statement_id=mapped)),
    ]


def reach_charts(inputs: ReportInputs, threshold: int, boundaries: Mapping[str, Any] | None) -> list[ReportChart]:
    """Reach charts: by area with its map, then by each equality group in the reach result."""
    section = "Is every area and community being heard?"
    headings = {"lad": "Reach by area", "utla": "Reach by local authority: Kent and Medway",
                "ethnic_group_broad": "Reach by ethnic group",
                "ethnic_group": "Reach by detailed ethnic group",
                "religion": "Reach by religion"}
    levels = inputs.reach["area_level"].unique(maintain_order=True).to_list()
    charts = []
    for level in sorted(levels, key=lambda lv: list(headings).index(lv) if lv in headings else len(headings)):
        slug = f"reach-{level.replace('_', '-')}"
        charts.append(ReportChart(
            slug, section, headings.get(level, f"Reach by {level.replace('_', ' ')}"),
            reach_chart(inputs.reach, pack_info=inputs.pack_info, area_level=level, threshold=threshold),
            reach_figures(reach_points(inputs.reach, area_level=level, threshold=threshold),
                          inputs.wave_id, slug)))
        if level == "lad":
            charts.append(ReportChart(
                "reach-map", section, "Map of reach by area",
                map_chart(inputs.reach, tiles=inputs.tiles, pack_info=inputs.pack_info, measure="ratio",
                          threshold=threshold, boundaries=boundaries),
                map_figures(map_values(inputs.reach, measure="ratio", threshold=threshold), inputs.wave_id,
                            "reach-map", measure="ratio", statement_id=None)))
    return charts


def cohort_charts(inputs: ReportInputs, threshold: int) -> list[ReportChart]:
    """The linked-cohort chart, when the report has a cohort."""
    if inputs.cohort is None or inputs.cohort.is_empty():
        return []
    at = inputs.wave_order.index(inputs.wave_id) if inputs.wave_id in inputs.wave_order else 0
    waves = " and ".join(inputs.title(w) for w in inputs.wave_order[max(at - 1, 0):at + 1]) or "both waves"
    return [ReportChart("cohort", "Families who answered twice", "How the same families' answers changed",
                        cohort_chart(inputs.cohort, scale=inputs.scale, pack_info=inputs.pack_info,
                                     threshold=threshold, waves=waves),
                        cohort_figures(cohort_segments(inputs.cohort, scale=inputs.scale, threshold=threshold),
                                       inputs.wave_id))]


def report_charts(inputs: ReportInputs, *, threshold: int,
                  boundaries: Mapping[str, Any] | None = None) -> list[ReportChart]:
    """Every chart of the report, in page order, with the figures each shows."""
    return [*experience_charts(inputs, threshold, boundaries), *reach_charts(inputs, threshold, boundaries),
            *cohort_charts(inputs, threshold)]


def read_boundaries(path: Path | None) -> dict[str, Any] | None:
    """Read a boundaries GeoJSON (features with properties ltla24_code), or None without a path."""
    return None if path is None else json.loads(Path(path).read_text(encoding="utf-8"))


class _Spec:
    """A Vega-Lite spec, equal to another with the same JSON (the key `_drawn` keeps its drawings by)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec, self.key = spec, json.dumps(spec, sort_keys=True, default=str)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Spec) and other.key == self.key


@functools.lru_cache(maxsize=64)
def _drawn(spec: _Spec) -> str:
    """Vega's SVG of a spec, kept for the last 64 specs drawn: a page asked for again with the same figures (the
    tracker reloading every 5 minutes, a pack and its PDF) is not drawn again (20 to 100 ms a chart)."""
    return str(vlc.vegalite_to_svg(spec.spec, allowed_base_urls=[]))


def chart_svg(chart: alt.TopLevelMixin, slug: str, heading: str) -> str:
    """Render a chart to SVG offline, labelled for screen readers, ids prefixed so a page can inline many."""
    svg = _drawn(_Spec(chart.to_dict()))
    # Vega numbers gradients and clips with a process-wide counter: renumber them so pages are repeatable.
    ids = {old: f"{slug}-{n}" for n, old in enumerate(dict.fromkeys(re.findall(r'id="([^"]+)"', svg)))}
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{ids[m[1]]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{ids.get(m[1], m[1])})", svg)
    # The whole picture is one image, named by its title and described by its desc (the figures are in a table
    # beside it). Vega's own roles on its marks are dropped: an empty mark, or one whose items have no
    # description, is a "graphics-symbol" with no name, which axe (svg-img-alt) rightly fails.
    svg = re.sub(r'\s(?:role="graphics-[a-z]+"|aria-roledescription="[^"]*"|aria-label="[^"]*")', "", svg)
    label = markupsafe.escape
    head = (f'<svg role="img" aria-labelledby="{slug}-svg-title {slug}-svg-desc" ')
    inner = (f'<title id="{slug}-svg-title">{label(heading)}</title>'
             f'<desc id="{slug}-svg-desc">{label(description_of(chart))}</desc>')
    svg = svg.replace("<svg ", head, 1)
    return re.sub(r"(<svg[^>]*>)", rf"\1{inner}", svg, count=1)


def svg_png(svg: str) -> bytes:
    """The SVG as a PNG about PNG_WIDTH wide, scaled down when it would be taller than an A4 page."""
    size = re.search(r'width="([\d.]+)" height="([\d.]+)"', svg)
    assert size is not None, "vl-convert's SVG always states its size"
    width, height = (float(v) for v in size.groups())
    scale = min(PNG_WIDTH / width, PNG_MAX_HEIGHT / height)
    return vlc.svg_to_png(svg, scale=scale)


class Steps:
    """Report progress to a callback(step, done, total) or a tqdm instance."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress: Any = progress
        self.total, self.done = total, 0
        if hasattr(self.progress, "update") and getattr(self.progress, "total", None) is None:
            self.progress.total = total
            self.progress.refresh()

    def __call__(self, step: str) -> None:
        """Count one finished step."""
        self.done += 1
        if hasattr(self.progress, "update"):
            self.progress.set_description(step)
            self.progress.update(1)
        elif self.progress is not None:
            self.progress(step, self.done, self.total)


def page_html(inputs: ReportInputs, charts: list[ReportChart], svgs: list[str], *, threshold: int,
              boundaries_used: bool) -> str:
    """The report page from rendered charts."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for chart, svg in zip(charts, svgs, strict=True):
        sections.setdefault(chart.section, []).append({
            "slug": chart.slug, "heading": chart.heading,
            "svg": markupsafe.Markup(svg),  # noqa: S704 - rendered by vl-convert from our spec; texts escaped
            "description": description_of(chart.chart),
            "table": figure_table(chart.figures, inputs.wave_titles, inputs.scale)})
    info = inputs.pack_info
    summary = summary_text(inputs.overall, inputs.by_area, inputs.reach, scale=inputs.scale, pack_info=info,
                           wave_id=inputs.wave_id, baseline_title=inputs.title(inputs.baseline_id),
                           threshold=threshold, area_baseline_title=inputs.title(inputs.area_baseline_id)
                           if inputs.area_baseline_id else None)
    reach_sources = sorted({s for s in inputs.reach["expected_source"].to_list() if s and s.startswith("DfE")})
    sources = [survey_source(info), BASELINE_SOURCE, info.children_source, info.census_source,
               *(f"expected shares: {s}" for s in reach_sources),
               *([info.boundaries_source] if boundaries_used else [])]
    return render(
        "report/report.html.j2",
        wave=inputs.title(inputs.wave_id), baseline=inputs.title(inputs.baseline_id), summary=summary,
        sections=sections, threshold=threshold, attribution=attribution_lines(inputs.attribution),
        place=info.place_name, sources=sources, unscored=unscored_label(inputs.scale),
        totals=response_totals(inputs))


def response_totals(inputs: ReportInputs) -> str:
    """The first page's sentence on how many families answered each wave, newest first."""
    parts = []
    for wave_id in reversed(inputs.wave_order):
        if wave_id not in inputs.totals:
            continue
        n = inputs.totals[wave_id]
        family = "family" if n == 1 else "families"
        if wave_id == inputs.baseline_id and (inputs.published_baseline
                                              or wave_id not in inputs.overall["wave_id"].unique().to_list()):
            parts.append(f"{inputs.title(wave_id)}: {n:,} {family} answered question 7 (as published)")
        else:
            parts.append(f"{inputs.title(wave_id)}: about {n:,} {family}")
    if not parts:
        return ""
    return "Responses. " + "; ".join(parts) + ". Counts from this survey are rounded to a multiple of 5."


def report_html(inputs: ReportInputs, *, threshold: int, boundaries: Path | None = None,
                progress: Progress | None = None) -> str:
    """The report page's HTML, for the service to show at /results/{wave_id}."""
    charts = report_charts(inputs, threshold=threshold, boundaries=read_boundaries(boundaries))
    steps = Steps(progress, len(charts) + 1)
    svgs = []
    for chart in charts:
        svgs.append(chart_svg(chart.chart, chart.slug, chart.heading))
        steps(f"chart {chart.slug}")
    html = page_html(inputs, charts, svgs, threshold=threshold, boundaries_used=boundaries is not None)
    steps("page")
    return html


def write_report(inputs: ReportInputs, out_dir: Path, *, threshold: int, boundaries: Path | None = None,
                 progress: Progress | None = None) -> Path:
    """Write report.html, charts/*.svg, charts/*.png and figures.csv into out_dir; return the page's path."""
    charts = report_charts(inputs, threshold=threshold, boundaries=read_boundaries(boundaries))
    steps = Steps(progress, len(charts) + 2)
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    svgs = []
    for chart in charts:
        svg = chart_svg(chart.chart, chart.slug, chart.heading)
        (out_dir / "charts" / f"{chart.slug}.svg").write_text(svg, encoding="utf-8")
        (out_dir / "charts" / f"{chart.slug}.png").write_bytes(svg_png(svg))
        svgs.append(svg)
        steps(f"chart {chart.slug}")
    pl.concat([c.figures for c in charts]).write_csv(out_dir / "figures.csv")
    steps("figures.csv")
    page = out_dir / "report.html"
    html = page_html(inputs, charts, svgs, threshold=threshold, boundaries_used=boundaries is not None)
    page.write_text(html, encoding="utf-8")
    steps("report.html")
    return page


PDF_SECONDS = 120


class PdfError(RuntimeError):
    """The PDF could not be printed: the message says why and what to install or set."""


class PdfBusy(PdfError):
    """Every PDF slot is printing (SURVEYAPP_PDF_RENDERS): ask again in `RETRY_SECONDS`."""

    RETRY_SECONDS = 30


@contextlib.contextmanager
def pdf_slot(slots: threading.Semaphore) -> Iterator[None]:
    """Hold one of the process's PDF slots while printing, or raise PdfBusy at once when none is free: Chromium
    is a few processes and up to about 150 MB a PDF, so the service prints only so many at a time."""
    if not slots.acquire(blocking=False):
        raise PdfBusy(f"every PDF slot is printing just now; try again in {PdfBusy.RETRY_SECONDS} seconds "
                      "(SURVEYAPP_PDF_RENDERS sets how many are printed at once)")
    try:
        yield
    finally:
        slots.release()


def print_pdf(page: Path, pdf: Path, *, browser: str | None = None) -> Path:
    """Print the report page to an A4 PDF (the page's print styles: A4, a section per page, no chart split)
    with headless Chromium, the browser that also checks the page in the tests; `browser` or the first of
    CHROMIUMS on PATH. The page asks nothing of the network, so printing needs no connection."""
    found = browser or next((path for name in CHROMIUMS if (path := shutil.which(name))), None)
    if found is None:
        raise PdfError(f"printing the PDF needs Chromium: install it (Debian: apt-get install chromium), "
                       f"or leave out --pdf; looked for {', '.join(CHROMIUMS)}")
    with tempfile.TemporaryDirectory(prefix="surveyapp-pdf-") as profile:
        command = [found, "--headless", "--disable-gpu", "--no-pdf-header-footer", f"--user-data-dir={profile}",
                   *(["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium's sandbox refuses root
                   f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PDF_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not print {page.name} within {PDF_SECONDS} s") from None
        except OSError as exc:
            raise PdfError(f"printing the PDF needs Chromium, and {found} could not be started ({exc.strerror}): "
                           "install it (Debian: apt-get install chromium), or leave out --pdf") from None
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise PdfError(f"Chromium could not print {page.name}: {done.stderr.decode(errors='replace')[-300:]}")
    return pdf
