"""The planted set (planted.txt): invented comments with the details masking must catch, marked as
[[kind|as written]], and the admin's list of schools and the area pack's places that go with them."""

from __future__ import annotations

import re
from pathlib import Path

PLANTED = Path(__file__).with_name("planted.txt")
MARK = re.compile(r"\[\[(\w+)\|([^\]]+)\]\]")
SETTINGS = ["Hillview School", "Little Acorns Nursery", "Oakwood Academy", "Orchard Centre", "Brook View Academy"]
PLACES = ["Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone", "Medway",
          "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"]


def planted() -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Each comment as written, with its planted details' (start, end, kind)."""
    out = []
    for line in PLANTED.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        text, spans, at = "", [], 0
        for m in MARK.finditer(line):
            text += line[at:m.start()]
            spans.append((len(text), len(text) + len(m.group(2)), m.group(1)))
            text += m.group(2)
            at = m.end()
        out.append((text + line[at:], spans))
    return out
