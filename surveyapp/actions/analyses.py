"""Analyses by request: one `AnalysisRequest` names compare, cohort or reach and their parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from surveyapp.actions.cohort import cohort
from surveyapp.actions.compare import compare
from surveyapp.actions.levels import AnalysisError, Result
from surveyapp.actions.reach import reach_of
from surveyapp.domain.services import Services

if TYPE_CHECKING:

    pass


AnalysisKind = Literal["compare", "cohort", "reach"]


class AnalysisRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One analysis as the API's query string or the CLI's options ask for it."""

    kind: AnalysisKind
    wave: str
    baseline: str | None = None  # compare
    by: str | None = None  # compare and cohort (default all), reach (default lad)
    weighted: bool = False  # compare
    targets: str = "children"  # compare, weighted: children (0-17 by LAD) or ehc_plans (EHC plans by authority)
    against: str | None = None  # cohort
    pooled: int = 1  # reach: the last N response waves added up
    filters: tuple[str, ...] = ()  # all: `<question>:<option>[,<option>]`, all must hold

    def query(self) -> list[tuple[str, str]]:
        """The request as the API's query parameters (`filter` repeated)."""
        params = {"baseline": self.baseline, "by": self.by, "against": self.against,
                  "weighted": "true" if self.weighted else None,
                  "targets": self.targets if self.targets != "children" else None,
                  "pooled": str(self.pooled) if self.pooled != 1 else None}
        return [(k, v) for k, v in params.items() if v is not None] + [("filter", f) for f in self.filters]

    def name(self) -> str:
        """A file name stem: `<wave>-<kind>-<by or against>`."""
        what = self.by or ("lad" if self.kind == "reach" else "all")
        if self.kind == "cohort":
            what = f"{self.against}" + ("" if what == "all" else f"-{what}")
        return f"{self.wave}-{self.kind}-{what}"


def analyse(services: Services, request: AnalysisRequest) -> Result:
    """Run the analysis a request names."""
    services.wave(request.wave)
    if request.kind == "compare":
        return compare(services, request.wave, baseline_id=request.baseline, by=request.by or "all",
                       weighted=request.weighted, filters=request.filters, targets=request.targets)
    if request.kind == "cohort":
        if not request.against:
            raise AnalysisError("against", "name the earlier wave to pair the same families with, "
                                           "e.g. against=2026-spring")
        return cohort(services, request.wave, against=request.against, filters=request.filters,
                      by=request.by or "all")
    return reach_of(services, request.wave, by=request.by or "lad", pooled=request.pooled, filters=request.filters)
