"""The rules of a quote (issue 26 item 4): it starts from the masked comment, and an edit may only shorten it or mask
more of it; a second person checks it; it names no area smaller than its local authority."""

from __future__ import annotations

import re

# A labelled placeholder as masking writes it ("[name]", "[school]", "[phone]"), and the marks of a cut.
PLACEHOLDER = re.compile(r"\[[a-z][a-z ]{0,30}\]", re.IGNORECASE)
CUT = re.compile(r"\.\.\.|\u2026|\[\.\.\.\]|\[\u2026\]")
_GAP = re.compile(rf"{PLACEHOLDER.pattern}|{CUT.pattern}")
MAX_LENGTH = 600


def _pieces(text: str) -> list[str]:
    """The words a quote keeps, between its placeholders and cut marks, each trimmed (empty ones dropped)."""
    return [p.strip() for p in _GAP.split(text) if p.strip()]


def cut_from(new: str, old: str) -> str | None:
    """Why `new` is not `old` shortened or masked further (None when it is): every stretch of `new` between its
    placeholders and cut marks must appear in `old` as whole words, in the same order, without overlapping;
    whatever `new` leaves out is cut or masked. Placeholders already in `old` may be kept or cut, never filled back
    in; a new one is one of the labels masking writes (`PLACEHOLDERS`)."""
    if not new.strip():
        return "a quote needs some words"
    if len(new) > MAX_LENGTH:
        return f"a quote is at most {MAX_LENGTH} characters: cut it"
    at = 0
    for piece in _pieces(new):
        found = _whole(old, piece, at)
        if found < 0:
            return (f"{piece[:40]!r} is not in the masked comment as whole words (in that order): a quote may only "
                    "be cut or masked further, never reworded")
        at = found + len(piece)
    allowed = {p.lower() for p in (*PLACEHOLDERS, *(m.group(0) for m in PLACEHOLDER.finditer(old)))}
    unknown = [m.group(0) for m in PLACEHOLDER.finditer(new) if m.group(0).lower() not in allowed]
    if unknown:
        return f"{unknown[0]} is not a placeholder masking writes: use one of {', '.join(PLACEHOLDERS)}"
    return None


def _whole(text: str, piece: str, start: int) -> int:
    """Where `piece` first stands in `text` from `start` without cutting a word in two; -1 when nowhere."""
    found = text.find(piece, start)
    while found >= 0:
        before = text[found - 1] if found > 0 else " "
        after = text[found + len(piece)] if found + len(piece) < len(text) else " "
        if not (piece[0].isalnum() and before.isalnum()) and not (piece[-1].isalnum() and after.isalnum()):
            return found
        found = text.find(piece, found + 1)
    return -1


PLACEHOLDERS = ("[name]", "[school]", "[place]", "[address]", "[postcode]", "[phone]", "[email]",
                "[NHS number]", "[date]", "[date of birth]", "[detail]", "[...]")
