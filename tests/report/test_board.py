"""The board pack end to end: the CLI writes it (through the running service), analysts see it at /results."""

from __future__ import annotations

import struct
from pathlib import Path

import polars as pl
import pytest


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.slow
def test_cli_report_writes_page_charts_and_figures_through_the_service(seeded_live, cli, tmp_path: Path) -> None:
    out = tmp_path / "board"
    result = cli(seeded_live.settings.data_dir, "report", "--wave", "2027-spring", "--out", str(out),
                 url=seeded_live.url)
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr  # the progress bar ran to the end
    page = (out / "report.html").read_text()
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "Thanet" in page and "Autumn 2026" in page
    for png in (out / "charts").glob("*.png"):
        width, height = _png_size(png)
        assert width >= 1200 and height / width < 1.5  # fits an A4 page
    figures = pl.read_csv(out / "figures.csv")
    from_population = ["Expected share", "Expected responses"]  # not from the responses: never hidden
    dover = figures.filter((pl.col("area_or_group") == "Dover") & ~pl.col("measure").is_in(from_population))
    assert dover.height > 0 and dover["value"].is_null().all()  # 3 families: below the threshold, no figure
    responses = figures.filter((pl.col("chart") == "reach-lad") & (pl.col("measure") == "Responses"))
    assert 3 not in responses["value"].to_list()


@pytest.mark.slow  # the service renders the whole report
def test_results_page_is_for_analysts_and_allows_only_its_own_style(seeded_service, seeded_analyst) -> None:
    with seeded_service.client() as http:
        assert http.get("/results/2027-spring").status_code == 401
    r = seeded_analyst.get("/results/2027-spring")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "How the same families" in r.text and "Reach by ethnic group" in r.text
    # Internal figures: the banner is the body's first element and the title says so
    assert r.text.index('id="internal-figures"') < r.text.index("How the same families")
    assert "<title>Internal: not for publication: " in r.text
    assert seeded_analyst.get("/results/baseline-2019").status_code == 400
