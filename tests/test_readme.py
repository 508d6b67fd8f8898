"""The README stays true: every setting, make target and CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveyapp.cli.main import build_parser
from surveyapp.settings import variables

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", variables())
def test_every_setting_is_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in README


def test_every_make_target_is_in_the_readme() -> None:
    targets = re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert targets
    for target in targets:
        assert f"make {target}" in README


def test_every_cli_command_is_in_the_readme_as_it_is_run() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f'make cli ARGS="{name}' in README


def test_commands_in_the_readme_run_as_written() -> None:
    """Shell lines never start with a bare `surveyapp` (it is in .venv/bin/, not on the PATH): `make cli`."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    assert blocks
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    assert not [line for line in lines if line.startswith("surveyapp ")]
    assert 'make cli ARGS="export --waves all --format sav' in README


def test_the_first_commands_are_make_run_and_make_test() -> None:
    first_block = README.split("```", 2)[1].split("\n", 1)[1]  # after the language tag
    assert first_block.strip().splitlines()[0].startswith("make run")
    assert "make test" in first_block


def test_pictures_the_readme_shows_exist() -> None:
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / picture).is_file(), picture
