"""The board pack's words and what it does with what a release holds: ratios and shares said as people say
them, an interim release (local authorities only, no 2019 table) making a pack that shows what it has, and the
same families and the outreach sources shown only when the release has their rows."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from analytics.charts.words import in_ten, ratio_words, responses_said
from surveyapp.render.boardpack import PackInputs, pack_charts, pack_html, summary_lines
from tests.release_doc import planted_entries, planted_release, scale
from waves.areas.pack import load_area_pack


@pytest.mark.parametrize(("ratio", "said"), [
    (0.02, "almost none of the responses we would expect"), (0.11, "about a tenth of the responses we would expect"),
    (0.34, "about a third of the responses we would expect"), (0.5, "about half the responses we would expect"),
    (0.97, "about as many responses as we would expect"), (1.04, "about as many responses as we would expect"),
    (2.1, "about twice the responses we would expect"), (7.0, "more than four times the responses we would expect"),
])
def test_a_ratio_is_said_as_the_nearest_fraction_people_use(ratio: float, said: str) -> None:
    assert responses_said(ratio) == said


def test_fractions_are_near_on_a_ratio_scale_so_half_and_twice_mirror_each_other() -> None:
    assert (ratio_words(0.5), ratio_words(2.0)) == ("about half", "about twice")
    assert (ratio_words(0.69), ratio_words(0.73)) == ("about two thirds of", "about three quarters of")


@pytest.mark.parametrize(("share", "said"), [(0.04, "fewer than 1 in 10"), (0.14, "1 in 10"), (0.41, "4 in 10"),
                                             (0.97, "nearly all"), (1.0, "10 in 10")])
def test_a_share_is_said_in_tens(share: float, said: str) -> None:
    assert in_ten(share) == said


@pytest.fixture(scope="module")
def interim() -> Any:
    """What an interim release holds: all families against the wave before, and reach by local authority."""
    full = planted_release()
    kept = [t for t in full.tables if t.spec.table_id in ("compare-all-vs-previous", "reach-utla")]
    return msgspec.structs.replace(full, stage="interim", tables=kept, baseline_id=None)


def test_an_interim_pack_shows_what_the_release_holds_and_says_what_waits(interim: Any) -> None:
    pack = load_area_pack()
    inputs = PackInputs(document=interim, status="published", scale=scale(), entries=planted_entries(),
                        pack_info=pack.info, attribution=pack.attribution, threshold=10,
                        titles={"2026-autumn": "Autumn 2026"})
    charts = pack_charts(inputs)
    assert [c.slug for c in charts] == ["headline", "reach-places"]
    assert charts[0].chart.to_dict()["title"]["text"] == "All families, Spring 2027, against Autumn 2026"
    assert set(charts[0].figures["series"]) == {"All families, Spring 2027", "All families, Autumn 2026"}
    summary = " ".join(summary_lines(inputs))
    assert "figures by district, equality group and outreach source come with the final release" in summary
    assert "Kent-wide" not in summary
    assert set(charts[1].figures["group"]) == {"Kent", "Medway"}
    page = pack_html(inputs, charts, ["<svg></svg>"] * len(charts))
    assert re.search(r"\d+ in 10 All families agree \(\d+%\); in Autumn 2026: \d+%\.", page)


def _inputs(document: Any) -> PackInputs:
    pack = load_area_pack()
    return PackInputs(document=document, status="published", scale=scale(), entries=planted_entries(),
                      pack_info=pack.info, attribution=pack.attribution, threshold=10,
                      titles={"2026-autumn": "Autumn 2026", "baseline-2019": "2019"})


def test_the_same_families_and_the_sources_show_only_when_the_release_has_their_rows() -> None:
    full = planted_release()
    held = msgspec.structs.replace(full, tables=[
        msgspec.structs.replace(t, rows=[]) if t.spec.kind in ("cohort", "tracker") else t for t in full.tables])
    slugs = [c.slug for c in pack_charts(_inputs(held))]
    assert "same-families" not in slugs and "sources" not in slugs and "areas" in slugs
    summary = " ".join(summary_lines(_inputs(held)))
    assert "same families" not in summary and "outreach partners" not in summary
    assert {"same-families", "sources"} <= {c.slug for c in pack_charts(_inputs(full))}


def test_when_too_few_answered_both_waves_the_pack_says_so_with_no_figure() -> None:
    full = planted_release()
    hidden = [{"statement_id": r["statement_id"], "hidden": "small"} for r in full.table("cohort-all-vs-previous").rows]
    document = msgspec.structs.replace(full, tables=[
        msgspec.structs.replace(t, rows=hidden) if t.spec.kind == "cohort" else t for t in full.tables])
    summary = summary_lines(_inputs(document))
    assert "Too few families answered both Autumn 2026 and Spring 2027 to show how their answers moved." in summary
    same = next(c for c in pack_charts(_inputs(document)) if c.slug == "same-families")
    assert set(same.figures["words"]) == {"too few families who answered both to show"}
    assert same.figures.select("families", "worse", "same", "improved").null_count().row(0) == (8, 8, 8, 8)
    assert not re.search(r"\d", same.chart.to_dict()["description"].replace("2026", "").replace("2027", ""))


def test_a_group_hidden_to_protect_another_is_not_said_to_be_small() -> None:
    import polars as pl

    from analytics.charts.boardpack import reach_rows

    table = pl.DataFrame({
        "area_code": ["a", "b", "c"], "area_name": ["Ashford", "Dover", "Thanet"], "responses": [120, None, None],
        "expected_responses": [118.0, None, None], "expected_share": [0.2, 0.1, 0.3],
        "representation_ratio": [1.02, None, None], "reach_status": ["not under-reached", None, None],
        "hidden": [None, "small", "complement"]})
    said = dict(reach_rows(table, threshold=10).select("group", "words").iter_rows())
    assert said == {"Ashford": "about as many as expected", "Dover": "fewer than 10 answered",
                    "Thanet": "not shown, to protect another group"}
