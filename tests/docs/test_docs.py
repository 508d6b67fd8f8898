"""The docs stay true: the README is short and starts with the two commands; every setting, make target and CLI
command is documented; the settings and CLI references are what the code generates (cog) today."""

from __future__ import annotations

import io
import re
from pathlib import Path

import msgspec
import pytest
from cogapp import Cog

from surveyapp.cli.main import build_parser
from surveyapp.settings import DESCRIPTIONS, Settings, variables

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
GENERATED = ("operations/settings.md", "analysts/cli.md")  # `make docs-cog` writes them from the code


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("variable", variables())
def test_every_setting_is_in_the_settings_reference(variable: str) -> None:
    assert f"`{variable}`" in page("operations/settings.md")


def test_every_setting_says_what_it_means() -> None:
    fields = [field.name for field in msgspec.structs.fields(Settings)]
    assert sorted(DESCRIPTIONS) == sorted(fields)
    assert all(len(DESCRIPTIONS[name]) > 20 for name in fields)


def test_every_make_target_is_documented() -> None:
    targets = re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert {"run", "test", "docs", "docs-cog"} <= set(targets)
    for target in targets:
        assert f"`make {target}" in page("operations/index.md"), target


def test_every_cli_command_is_documented_as_it_is_run() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert commands
    for name in commands:
        assert f'make cli ARGS="{name}' in page("analysts/cli.md"), name


@pytest.mark.parametrize("name", GENERATED)
def test_the_generated_references_match_the_code(name: str) -> None:
    """`cog --check`: a setting or a command changed without `make docs-cog` fails here, with the diff."""
    out, err = io.StringIO(), io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=err)
    status = cog.main(["cog", "--check", "--diff", str(DOCS / name)])
    assert status == 0, f"docs/{name} is out of date: run `make docs-cog`\n{out.getvalue()}{err.getvalue()}"


def test_the_generated_references_hold_what_the_code_says() -> None:
    """Not an empty block that cog would happily check: the defaults, and every command's own usage line."""
    settings = page("operations/settings.md")
    assert "| `SURVEYAPP_PORT` | `8000` |" in settings
    assert "| `SURVEYAPP_DEFINITIONS_DIR` | `waves/definitions` |" in settings
    assert f"| `SURVEYAPP_SESSION_HOURS` | `{Settings().session_hours}` |" in settings
    cli = page("analysts/cli.md")
    for name in build_parser()._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        assert f"usage: surveyapp {name} [-h]" in cli, name


def test_commands_in_the_docs_run_as_written() -> None:
    """Shell lines never start with a bare `surveyapp` (it is in .venv/bin/, not on the PATH): `make cli`."""
    texts = [README, *(path.read_text(encoding="utf-8") for path in pages())]
    blocks = [block for text in texts for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)]
    assert blocks
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    assert not [line for line in lines if line.startswith("surveyapp ")]
    assert 'make cli ARGS="export --waves all --format sav' in page("analysts/index.md")


def test_the_first_commands_are_make_run_and_make_test() -> None:
    first_block = README.split("```", 2)[1].split("\n", 1)[1]  # after the language tag
    assert first_block.strip().splitlines()[0].startswith("make run")
    assert "make test" in first_block


def test_the_readme_is_short_and_points_to_the_docs() -> None:
    assert len(README.splitlines()) < 150
    assert "make docs" in README
    assert "docs/" in README


def test_pictures_the_readme_shows_exist() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert pictures
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture


@pytest.mark.parametrize("path", pages(), ids=lambda path: str(path.relative_to(DOCS)))
def test_pictures_the_docs_show_exist(path: Path) -> None:
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", path.read_text(encoding="utf-8")):
        assert (path.parent / picture).resolve().is_file(), f"{path.relative_to(DOCS)}: {picture}"
