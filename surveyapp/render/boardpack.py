"""The board pack made from a release: one page to print on A4 (and its charts, their figures and the PDF), every
figure read from the release document's tables, never from the stored responses, with the council's
"You said, we did" entries beside their statements.

Page 1 carries the summary and its headline chart (Kent families against the Kent-wide 2019 figure, Medway
apart); then one chart of change by area, who was heard (by area and by each equality question), the statements
one by one with what the council did, and what the figures are. Each heading is kept with its chart
(`break-inside: avoid` on the block), chart text is at least 9 pt printed, and the blocks are sized so that no
page but the last is left less than a third full (tests/report/test_board_pack_release.py reads the PDF back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import markupsafe
import polars as pl

from analytics.charts.boardpack import (
    HIDDEN_SO,
    area_change_chart,
    area_change_points,
    headline_chart,
    headline_points,
    reach_bars,
    reach_rows,
    theme_points,
    themes_chart,
)
from analytics.charts.boardpack_families import (
    same_families_chart,
    same_families_finding,
    same_family_rows,
    source_bars,
    source_rows,
)
from analytics.charts.common import description_of, title_text_of
from analytics.charts.tables import attribution_lines
from analytics.scale import Scale
from surveyapp.actions.schemas_quotes import PublicQuote
from surveyapp.actions.schemas_said_did import SaidDidOut
from surveyapp.domain.release import ReleaseDocument, Status
from surveyapp.render import boardpack_words as words
from surveyapp.render.report import chart_svg, svg_png
from surveyapp.render.templating import render
from waves.areas.pack import PackInfo

GROUP_WORDS = {"ethnic_group_broad": "ethnic group", "ethnic_group": "detailed ethnic group",
               "religion": "religion", "send_status": "SEND support", "age_band": "age"}


@dataclass(frozen=True, kw_only=True)
class PackInputs:
    """A release document and what the pack says beside it: the questionnaire's scale (labels and phrases,
    never figures), the published "You said, we did" entries, and the area pack's place name and sources."""

    document: ReleaseDocument
    status: Status  # a draft's pack says so on every page
    scale: Scale
    entries: Sequence[SaidDidOut]
    pack_info: PackInfo
    attribution: str
    threshold: int
    content_sha256: str | None = None
    notice: str = ""  # a withdrawn release's public notice
    titles: dict[str, str] | None = None  # wave id -> short title ("2019", "Autumn 2026")
    quotes: Sequence[PublicQuote] = ()  # what families wrote, each approved by a second person
    themes: Sequence[tuple[str, pl.DataFrame]] = ()  # (wave title, its released themes-all rows), oldest first

    def title(self, wave_id: str | None) -> str:
        if wave_id is None:
            return ""
        return (self.titles or {}).get(wave_id, wave_id)


@dataclass(frozen=True)
class PackChart:
    slug: str
    heading: str
    intro: str
    chart: alt.TopLevelMixin
    figures: pl.DataFrame


def _headline(inputs: PackInputs, tables: words.PackTables, apart: Sequence[str]) -> PackChart | None:
    frame = tables.headline
    if frame is None:
        return None
    doc, info = inputs.document, inputs.pack_info
    now = doc.wave_title
    if tables.headline_against == "baseline":
        then, scope = inputs.title(doc.baseline_id), info.baseline_scope
        covered = words.names_of(frame, apart, inside=True)
        outside = words.names_of(frame, apart, inside=False)
        title = f"{covered} families, {now}, against the {scope} {then} figure"
        subtitle = [f"Share of families agreeing with each statement. {covered} families are compared with the "
                    f"{scope} {then} figure (like with like);"]
        if outside:
            subtitle.append(f"{outside} is shown apart, with no {then} figure: the {then} survey did not cover it.")
    else:
        then, scope = inputs.title(doc.previous_wave_id), "All families,"
        title = f"All families, {now}, against {then}"
        subtitle = ["Share of families agreeing with each statement, now and in the wave before."]
    points = headline_points(frame, scale=inputs.scale, now=now, then=then, scope=scope, apart=apart)
    chart = headline_chart(points, scale=inputs.scale, title=title, subtitle=subtitle)
    return PackChart("headline", f"Compared with {then}", "", chart,
                     points.with_columns(chart=pl.lit("headline")))


def _areas(inputs: PackInputs, tables: words.PackTables, apart: Sequence[str]) -> PackChart | None:
    frame = tables.areas
    if frame is None:
        return None
    doc = inputs.document
    other = doc.previous_wave_id if tables.areas_against == "previous" else doc.baseline_id
    then = inputs.title(other)
    points = area_change_points(frame, scale=inputs.scale,
                                apart=apart if tables.areas_against == "baseline" else ())
    against = f"each area against itself in {then}" if tables.areas_against == "previous" else \
        f"each area against the {inputs.pack_info.baseline_scope} {then} figure"
    n = len(inputs.scale.statements)
    chart = area_change_chart(points, title=f"Change by area since {then}",
                              subtitle=[f"Average change in the share agreeing over the {n} statements, {against};",
                                        "'clearly' means unlikely to be chance, after allowing for the many "
                                        "comparisons."])
    return PackChart("areas", "Change by area", "", chart, points.with_columns(chart=pl.lit("areas")))


def _reach(inputs: PackInputs, tables: words.PackTables) -> list[PackChart]:
    charts = []
    found = [("places", "area", tables.reach_places)] if tables.reach_places is not None else []
    found += [(level, GROUP_WORDS.get(level, level.replace("_", " ")), frame) for level, frame in tables.reach_groups]
    for slug, what, frame in found:
        rows = reach_rows(frame, threshold=inputs.threshold)
        if rows.is_empty():
            continue
        chart = reach_bars(rows, title=f"Who answered, by {what}",
                           subtitle=[f"Responses from each {what} for every one its share of the population would "
                                     "give (1 = as many as expected);",
                                     "'under-reached': clearly fewer, after allowing for chance and the many "
                                     "comparisons."])
        charts.append(PackChart(f"reach-{slug.replace('_', '-')}", f"Who answered: each {what}", "", chart,
                                rows.with_columns(chart=pl.lit(f"reach-{slug}"))))
    return charts


def _same_families(inputs: PackInputs, tables: words.PackTables) -> PackChart | None:
    """The families who answered both this wave and the one before: did their answers move towards agreeing?"""
    if tables.cohort is None:
        return None
    rows = same_family_rows(tables.cohort, scale=inputs.scale)
    if rows.is_empty():
        return None
    doc = inputs.document
    then = tables.cohort_then or inputs.title(doc.previous_wave_id)
    chart = same_families_chart(
        rows, title=[f"Families who answered both {then} and {doc.wave_title}:", same_families_finding(rows)],
        subtitle=["Each family's answer about the same child (the same return code) in both waves: moved towards "
                  "agreeing (improved), stayed the same, or moved away (worse); families counted to the nearest 5;",
                  "'clearly': unlikely to be chance (a sign test), after allowing for the many comparisons."])
    return PackChart("same-families", "The same families, then and now", "", chart,
                     rows.with_columns(chart=pl.lit("same-families")))


def _sources(inputs: PackInputs, tables: words.PackTables) -> PackChart | None:
    """Responses by outreach source: which partners' links and posters brought families."""
    if tables.sources is None:
        return None
    rows = source_rows(tables.sources, threshold=inputs.threshold)
    if rows.is_empty():
        return None
    hidden = " 'not shown': hidden so that a smaller count cannot be worked out." if \
        (rows["words"] == HIDDEN_SO).any() else ""
    chart = source_bars(rows, title=f"Responses by outreach source, {inputs.document.wave_title}",
                        subtitle=["Families who answered through each partner's own link, QR code or poster. A "
                                  "source has no population to compare with: this says who brought families, not "
                                  "who was under-heard;",
                                  f"'fewer than {inputs.threshold}': too few to show.{hidden}"])
    return PackChart("sources", "Where families came from", "", chart, rows.with_columns(chart=pl.lit("sources")))


def _themes(inputs: PackInputs) -> PackChart | None:
    points = theme_points(inputs.themes)
    if points.is_empty():
        return None
    chart = themes_chart(points, title="What families wrote about",
                         subtitle=["Each theme's share of the comments read and coded (a comment can raise several);",
                                   "a missing bar: too few comments to show."])
    return PackChart("themes", "What families wrote about", "", chart, points.with_columns(chart=pl.lit("themes")))


def pack_charts(inputs: PackInputs) -> list[PackChart]:
    """Every chart of the pack, in page order: the headline, change by area, the same families then and now, who
    answered (and the outreach sources that brought them), what families wrote."""
    tables = words.PackTables.of(inputs.document)
    apart = words.apart_codes(tables.headline, inputs.pack_info.baseline_excludes)
    found = [_headline(inputs, tables, apart), _areas(inputs, tables, apart), _same_families(inputs, tables),
             *_reach(inputs, tables), _sources(inputs, tables), _themes(inputs)]
    return [c for c in found if c is not None]


def summary_lines(inputs: PackInputs) -> list[str]:
    """Page 1's summary: how many answered, the headline against 2019 (like with like), Medway apart, the
    change since the wave before, who was under-heard (ratios said plainly), and what the council did."""
    doc, tables = inputs.document, words.PackTables.of(inputs.document)
    apart = words.apart_codes(tables.headline, inputs.pack_info.baseline_excludes)
    then = inputs.title(doc.baseline_id) if tables.headline_against == "baseline" else inputs.title(
        doc.previous_wave_id)
    lines = [f"About {doc.responses:,} families answered in {doc.wave_title} (counts are rounded to a multiple of "
             "5, as in every published figure)."]
    if tables.headline_against == "baseline":
        lines += [words.headline_sentence(tables, inputs.scale, then=then, scope=inputs.pack_info.baseline_scope,
                                          apart=apart), words.apart_sentence(tables, then=then, apart=apart)]
    if doc.stage == "interim":
        lines.append("This is an interim release, made while the survey is open: figures by district, equality "
                     "group and outreach source come with the final release, once it has closed.")
    lines += [words.overall_sentence(tables, inputs.title(doc.previous_wave_id) or None),
              words.same_families_sentence(tables, inputs.scale, now=doc.wave_title,
                                           then=tables.cohort_then or inputs.title(doc.previous_wave_id)),
              words.reach_sentence(tables, inputs.threshold), words.sources_sentence(tables, inputs.threshold),
              words.said_did_sentence(inputs.entries)]
    return [line for line in lines if line]


def _quotes(inputs: PackInputs) -> list[tuple[str, list[PublicQuote]]]:
    """The approved quotes by what they are beside: each statement's wording (in the release's order), then the
    survey as a whole."""
    wording = inputs.document.statements
    grouped = [(text, [q for q in inputs.quotes if q.statement_id == sid]) for sid, text in wording.items()]
    grouped.append(("The survey as a whole", [q for q in inputs.quotes if q.statement_id not in wording]))
    return [(label, found) for label, found in grouped if found]


def _first_line(title: str | list[str]) -> str:
    """A chart title's first line (a title of several lines is a list)."""
    return title[0] if isinstance(title, list) else title


def pack_html(inputs: PackInputs, charts: Sequence[PackChart], svgs: Sequence[str]) -> str:
    """The pack's page from its rendered charts."""
    doc, info = inputs.document, inputs.pack_info
    tables = words.PackTables.of(doc)
    apart = words.apart_codes(tables.headline, info.baseline_excludes)
    blocks = [{"slug": c.slug, "heading": c.heading, "svg": markupsafe.Markup(svg),  # noqa: S704 - vl-convert's SVG
               "description": description_of(c.chart),
               "title": _first_line(title_text_of(c.chart))}
              for c, svg in zip(charts, svgs, strict=True)]
    then = inputs.title(doc.baseline_id) if tables.headline_against == "baseline" else inputs.title(
        doc.previous_wave_id)
    rows = words.statement_rows(tables, inputs.scale, inputs.entries, wording=doc.statements, then=then,
                                scope=info.baseline_scope if tables.headline_against == "baseline" else "",
                                apart=apart, previous=inputs.title(doc.previous_wave_id) or None)
    return render("boardpack/boardpack.html.j2", doc=doc, status=inputs.status, notice=inputs.notice,
                  place=info.place_name,
                  summary=summary_lines(inputs), headline=blocks[0] if blocks and charts[0].slug == "headline"
                  else None, blocks=[b for b in blocks if b["slug"] != "headline"], statements=rows,
                  quotes=_quotes(inputs),
                  kinds=words.KIND_WORDS, threshold=inputs.threshold, sha=inputs.content_sha256,
                  attribution=attribution_lines(inputs.attribution),
                  sources=[f"{info.place_name} SEND survey, {doc.wave_title} (release {doc.release_id}, "
                           f"{doc.stage}, version {doc.version})", info.children_source, info.census_source])


def write_pack(inputs: PackInputs, out_dir: Path) -> Path:
    """Write board-pack.html, charts/*.svg and *.png and figures/*.csv into out_dir; return the page's path."""
    charts = pack_charts(inputs)
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    svgs = []
    for chart in charts:
        svg = chart_svg(chart.chart, chart.slug, chart.heading)
        (out_dir / "charts" / f"{chart.slug}.svg").write_text(svg, encoding="utf-8")
        (out_dir / "charts" / f"{chart.slug}.png").write_bytes(svg_png(svg))
        chart.figures.write_csv(out_dir / "figures" / f"{chart.slug}.csv")
        svgs.append(svg)
    page = out_dir / "board-pack.html"
    page.write_text(pack_html(inputs, charts, svgs), encoding="utf-8")
    return page


def pack_facts(inputs: PackInputs) -> dict[str, Any]:
    """What the pack is made from, for its zip's headers and the tests."""
    doc = inputs.document
    return {"release_id": doc.release_id, "wave_id": doc.wave_id, "stage": doc.stage, "status": inputs.status,
            "content_sha256": inputs.content_sha256, "tables": [t.spec.table_id for t in doc.tables]}
