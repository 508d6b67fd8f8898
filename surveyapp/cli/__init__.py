"""The `surveyapp` command: serve, manage waves and sources, export, analyse, back up and restore."""

from surveyapp.cli.main import main

__all__ = ["main"]
