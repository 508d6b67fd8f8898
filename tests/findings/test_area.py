""""In your area": a part-postcode or a chosen area, garbage included, and the postcode kept nowhere."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import Harness
from tests.findings.conftest import RELEASE

AREA = f"/findings/{RELEASE}/area"


def words_of(page: httpx.Response) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", page.text).replace("&#39;", "'").split())


@pytest.fixture
def http(findings_app: Harness) -> httpx.Client:
    return findings_app.client()


def test_a_part_postcode_shows_its_districts_figures(http: httpx.Client) -> None:
    page = http.get(AREA, params={"postcode": "ct1"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    words = words_of(page)
    assert "Your area: Canterbury" in words and words.count("families now agree") == 8


def test_a_full_postcode_is_cut_to_its_first_half(http: httpx.Client) -> None:
    assert "Your area: Canterbury" in words_of(http.get(AREA, params={"postcode": "CT1 1AA"}))


def test_an_area_hidden_in_the_release_says_why_and_shows_the_larger_area(http: httpx.Client) -> None:
    words = words_of(http.get(AREA, params={"postcode": "CT17"}))  # Dover: its rows are hidden (small)
    assert "We cannot show Dover on its own: fewer than 10 families answered." in words
    assert "Your area: Kent" in words and words.count("families now agree") == 8


def test_an_area_picked_from_the_list(http: httpx.Client) -> None:
    assert "Your area: Medway" in words_of(http.get(AREA, params={"area": "E06000035"}))


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"postcode": "<script>alert(1)</script>"}, "postcode", "Enter the first half of your postcode, like CT1 or ME14"),
    ({"postcode": "12345"}, "postcode", "Enter the first half of your postcode, like CT1 or ME14"),
    ({"postcode": "SW1A"}, "postcode", "SW1A is not in Kent and Medway."),
    ({"area": "E09000006"}, "area", "Choose an area from the list"),
    ({}, "postcode", "Enter the first half of your postcode, or choose an area"),
])
def test_garbage_gets_a_clear_message_naming_the_field(http: httpx.Client, params: dict[str, str], field: str,
                                                        message: str) -> None:
    page = http.get(AREA, params=params)
    assert page.status_code == 400
    assert "There is a problem" in page.text and f'href="#{field}"' in page.text and message in words_of(page)
    assert "<script>alert" not in page.text  # what was typed comes back escaped


def test_the_postcode_typed_is_never_logged(http: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    # the CLI run in process by another test may have left the access log at WARNING: listen at INFO here
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.INFO, logger="surveyapp.access"):
        http.get(AREA, params={"postcode": "ME14 9ZZ"})
        http.get(AREA, params={"postcode": "QQ99 <b>"})
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("surveyapp"))
    assert "GET /findings/{release_id}/area 200" in logged  # the access line was written, by route template
    assert "ME14" not in logged and "9ZZ" not in logged and "QQ99" not in logged


def test_the_proxy_never_logs_nor_caches_the_area_address() -> None:
    from pathlib import Path

    nginx = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    area = nginx.split("location ~ ^/findings/[^/]+/area$ {")[1].split("}")[0]
    assert "access_log off;" in area and "proxy_cache" not in area
    assert "proxy_cache findings;" in nginx.split("location /findings {")[1].split("}")[0]
