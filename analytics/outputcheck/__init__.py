"""The output checker: a release's tables checked as a whole, with earlier releases, before anything goes out."""

from analytics.outputcheck.check import check
from analytics.outputcheck.model import (
    CHANGE,
    PAIR_ID,
    REASONS,
    RESPONSE_ID,
    RULES,
    STATEMENT_ID,
    STORED_AT,
    Answer,
    Cell,
    CellRef,
    Decision,
    Derived,
    EarlierRelease,
    How,
    Microdata,
    Outcome,
    Population,
    Published,
    RuleReport,
    Rules,
    Stopped,
)

__all__ = [
    "CHANGE", "PAIR_ID", "REASONS", "RESPONSE_ID", "RULES", "STATEMENT_ID", "STORED_AT", "Answer", "Cell", "CellRef",
    "Decision", "Derived", "EarlierRelease", "How", "Microdata", "Outcome", "Population", "Published", "RuleReport",
    "Rules", "Stopped", "check",
]
