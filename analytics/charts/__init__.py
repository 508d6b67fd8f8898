"""Altair chart builders for the board report: a result frame in, a chart out, never saved here.

Questionnaire facts come from a `Scale` (analytics.scale), area facts from the active area pack.
"""

from analytics.charts.cohort import cohort_chart, cohort_segments
from analytics.charts.common import description_of
from analytics.charts.figures import (
    FIGURE_COLUMNS,
    cohort_figures,
    likert_figures,
    map_figures,
    reach_figures,
    shift_figures,
    trend_figures,
)
from analytics.charts.likert import likert_chart, likert_segments
from analytics.charts.map import map_chart, map_values
from analytics.charts.reach import reach_chart, reach_points
from analytics.charts.shift import shift_chart, shift_points
from analytics.charts.summary import summary_text
from analytics.charts.trend import trend_chart, trend_points

__all__ = [
    "FIGURE_COLUMNS",
    "cohort_chart",
    "cohort_figures",
    "cohort_segments",
    "description_of",
    "likert_chart",
    "likert_figures",
    "likert_segments",
    "map_chart",
    "map_figures",
    "map_values",
    "reach_chart",
    "reach_figures",
    "reach_points",
    "shift_chart",
    "shift_figures",
    "shift_points",
    "summary_text",
    "trend_chart",
    "trend_figures",
    "trend_points",
]
