"""`surveyapp baseline`: the 2019 baseline's published counts from the command line, as the API gives them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from surveyapp.cli import main
from tests.support import ROOT

PUBLISHED = ROOT.parent / "shared" / "spec" / "baseline-2019-q7.csv"


def test_the_baseline_command_writes_the_published_counts(tmp_path: Path) -> None:
    """In process (no service holds the fresh data folder): every count equals the 2019 report's table."""
    out = tmp_path / "baseline.csv"
    assert main(["--data-dir", str(tmp_path / "data"), "baseline", "--format", "csv", "--out", str(out)]) == 0
    got = pl.read_csv(out)
    published = pl.read_csv(PUBLISHED).unpivot(index=["statement_id", "statement"], variable_name="answer_id",
                                                value_name="n")
    joined = published.join(got.select("statement_id", "answer_id", "n"), on=["statement_id", "answer_id"],
                            how="left", suffix="_exported")
    assert joined.height == 48 and got.height == 48
    assert joined["n"].to_list() == joined["n_exported"].to_list()


def test_the_baseline_command_refuses_an_unknown_format(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path / "data"), "baseline", "--format", "sav"])
    assert exit_.value.code == 2
    assert "invalid choice: 'sav'" in capsys.readouterr().err
