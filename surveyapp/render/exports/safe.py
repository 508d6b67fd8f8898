"""Text that a spreadsheet would run as a formula, neutralised (OWASP's CSV injection guidance), and labels cut
to a file format's limits."""

from __future__ import annotations

import polars as pl

# OWASP's CSV injection guidance: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Text is text: never a formula or a link, whatever it starts with.
XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
_RISKY = "^[" + "".join(FORMULA_STARTS).replace("-", "\\-") + "]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would run as a formula, prefixed with a single quote (OWASP).

    The quote shows in the cell, so what the family typed is still there to read, but nothing runs."""
    risky = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_RISKY)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in risky)


def neutral(text: str) -> str:
    """One text (a label) as `neutralise` leaves a cell."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cut(text: str, *, chars: int | None = None, utf8_bytes: int | None = None) -> str:
    """A label within a file format's limit, cut at a character and ending in '…' when cut."""
    if chars is not None and len(text) > chars:
        text = text[: chars - 1] + "…"
    if utf8_bytes is not None and len(text.encode()) > utf8_bytes:
        while len((text + "…").encode()) > utf8_bytes:
            text = text[:-1]
        text += "…"
    return text
