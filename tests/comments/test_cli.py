"""`surveyapp comments`, `surveyapp codebook` and `surveyapp schools` as an analyst or admin types them: each a
request to the API (the app in process here), answering in words."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from surveyapp.cli.main import main
from tests.support import ADMIN_TOKEN, ANALYST_TOKEN


@pytest.mark.slow  # starts the app in process for each command
def test_the_cli_lists_samples_edits_the_codebook_and_keeps_the_schools_list(  # type: ignore[no-untyped-def]
        commented_data: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    data = tmp_path / "data"
    shutil.copytree(commented_data, data)
    for name in [k for k in os.environ if k.startswith("SURVEYAPP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SURVEYAPP_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("SURVEYAPP_ANALYST_TOKEN", ANALYST_TOKEN)
    base = ["--data-dir", str(data)]
    assert main([*base, "comments", "list", "2026-autumn"]) == 0
    masked = capsys.readouterr().out
    assert "[phone]" in masked and "07911 123456" not in masked and "not coded" in masked
    assert main([*base, "comments", "list", "--unmasked", "2026-autumn"]) == 0
    assert "07911 123456" in capsys.readouterr().out
    assert main([*base, "comments", "sample", "2026-autumn", "--size", "5", "--seed", "1"]) == 0
    assert "5 comments drawn with seed 1" in capsys.readouterr().out
    assert main([*base, "comments", "agreement", "2026-autumn"]) == 0
    assert "coded twice" in capsys.readouterr().out
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"themes": [{"id": "transport", "label": "Transport", "description": "Taxis."}],
                                "note": "a trial"}))
    assert main([*base, "codebook", "edit", "--file", str(book)]) == 0
    assert "version 2" in capsys.readouterr().out
    book.write_text(json.dumps({"themes": [{"id": "Bad Id", "label": "x", "description": "y"}], "note": "n"}))
    assert main([*base, "codebook", "edit", "--file", str(book)]) == 1
    assert "--file" in capsys.readouterr().err
    assert main([*base, "codebook", "history"]) == 0
    history = capsys.readouterr().out
    assert history.index("version 1") < history.index("version 2 (Analyst")
    assert main([*base, "schools", "add", "Summerfield Academy"]) == 0
    assert "Summerfield Academy" in capsys.readouterr().out
    assert main([*base, "schools", "remove", "Summerfield Academy"]) == 0
    assert main([*base, "schools", "list"]) == 0
    assert capsys.readouterr().out.split("\n")[-2] == "Oakwood Academy"
