"""Levels of breakdown and filters: what `by` and `filter` may name, every group a level shows, its labels;
the result every analysis returns, and the error that names a wrong parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from analytics.areas import ARRIVAL_LEVELS
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from waves.model import MultipleChoice, SingleChoice

if TYPE_CHECKING:
    from collections.abc import Sequence



FIXED_LEVELS = ("all", "lad", "district")
ARRIVAL = ARRIVAL_LEVELS  # how a response arrived: the outreach source it came through, and its channel
DISTRICT_SOURCE = "Census 2021 usual residents by postcode district, all ages"
DISTRICT_CHILDREN_SOURCE = ("area pack: children aged 0-17 by postcode district, estimated (each LAD's children "
                            "0-17 x the district's share of the LAD's residents)")


class AnalysisError(ValueError):
    """A request for an analysis that cannot be made; names the parameter and how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass
class Result:
    kind: str
    frame: pl.DataFrame
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # further tables (the tracker's daily series)


def levels_of(wave: Wave) -> list[str]:
    singles = [q for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    broad = [f"{q.id}_broad" for q in singles if any(o.group for o in q.options)]
    multiples = [q.id for q in wave.questionnaire.questions if isinstance(q, MultipleChoice)]
    return [*FIXED_LEVELS, *ARRIVAL, *(q.id for q in singles), *broad, *multiples]


def overlap_note(wave: Wave, by: str) -> list[str]:
    """The note a breakdown by a multiple-choice question needs: its rows overlap."""
    if not isinstance(wave.questionnaire.question(by), MultipleChoice):
        return []
    return [f"{by} is multiple choice: a response counts in every option it chose, so the rows overlap and do "
            "not add up to the total; compare each row with the others, not with their sum."]


Filters = list[tuple[str, tuple[str, ...]]]


def parse_filters(wave: Wave, filters: Sequence[str]) -> Filters:
    """`<question>:<option>[,<option>]` filters checked against the wave's questions (AnalysisError names
    `filter`), in one order, each option once."""
    if not filters:
        return []
    from surveyapp.render.exports import ExportError, columns_of, parse_filter

    columns = columns_of([wave.questionnaire])
    try:
        parsed = [parse_filter(f, columns) for f in filters]
    except ExportError as exc:
        raise AnalysisError(exc.field, exc.message) from exc
    return sorted({(f.question_id, tuple(sorted(f.option_ids))) for f in parsed})


def filter_text(filters: Filters) -> list[str]:
    return [f"{question}:{','.join(options)}" for question, options in filters]


def filter_note(filters: Filters) -> list[str]:
    if not filters:
        return []
    said = "; and ".join(f"{question} is {' or '.join(options)}" for question, options in filters)
    return [f"Filtered: only responses where {said} (for a multiple-choice question: chose at least one of "
            "them). Filtered counts are cells of their own, rounded by the responses in them."]


def check_level(wave: Wave, by: str) -> None:
    levels = by.split(",")
    if len(levels) == 2 and levels[0] != levels[1] and "all" not in levels and \
            sum(level.endswith("_broad") for level in levels) < 2 and all(lv in levels_of(wave) for lv in levels):
        return
    if by not in levels_of(wave):
        raise AnalysisError("by", f"use one of {', '.join(levels_of(wave))}, or two of them for a two-way table, "
                                  "e.g. by=lad,ethnic_group_broad")


def two_way(services: Services, wave: Wave, frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """A two-way table's rows with a column per level (named after it) holding its code, after area_code, and
    area_name "Thanet, White"; other tables as they are."""
    from analytics.areas import area_names

    levels = by.split(",")
    if len(levels) != 2 or "area_code" not in frame.columns:
        return frame
    codes = pl.col("area_code").str.split_exact("|", 1)
    split = frame.with_columns(codes.struct.field("field_0").alias(levels[0]),
                               codes.struct.field("field_1").alias(levels[1]))
    names = [area_names(pl.col(level), level, lads=services.areas.lads, labels=labels_of(services, wave, level))
             for level in levels]
    order = list(frame.columns)
    at = order.index("area_code") + 1
    return split.with_columns(area_name=pl.concat_str(names, separator=", ")).select(
        [*order[:at], *levels, *order[at:]])


def groups_of(wave: Wave, by: str) -> dict[str, str] | None:
    """For `<question>_broad`, each option of the question -> its group (itself when it has none); for a
    two-way level, those of its `_broad` level."""
    if "," in by:
        return next((found for level in by.split(",") if (found := groups_of(wave, level)) is not None), None)
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    if not by.endswith("_broad") or wave.questionnaire.question(by) is not None or \
            not isinstance(question, SingleChoice):
        return None
    return {o.id: o.group or o.id for o in question.options}


def district_parents(services: Services) -> dict[str, str]:
    """Every postcode district of the area pack (those around the area too) with the LAD compare shows it under
    (out_of_area for one outside the area), and unknown (no postcode)."""
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    districts = services.areas.districts
    parents = {d: (lad if inside else OUT_OF_AREA) for d, lad, inside in
               zip(districts["postcode_district"], districts["lad_code"], districts["in_area"], strict=True)}
    return {**parents, UNKNOWN: UNKNOWN}


def codes_of(services: Services, wave: Wave, level: str) -> list[str] | None:
    """Every code a compare row of this level can have, or None when they cannot all be listed (two-way tables
    with postcode districts). By district: every district of the area pack; a district beyond it (SW1A) is still
    shown only when answered from."""
    from analytics.areas import NOT_ANSWERED
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    if level == "lad":
        return [*services.areas.lads["lad_code"].to_list(), OUT_OF_AREA, UNKNOWN]
    if level == "district":
        return list(district_parents(services))
    if level in ARRIVAL:
        return arrival_codes(services, level, [wave.wave_id])
    question = wave.questionnaire.question(level.removesuffix("_broad"))
    groups = groups_of(wave, level)
    if groups is not None:
        return [*sorted(set(groups.values())), NOT_ANSWERED]
    if isinstance(question, SingleChoice | MultipleChoice):
        return [*(o.id for o in question.options), NOT_ANSWERED]
    return None


def every_group(services: Services, wave: Wave, by: str) -> list[str]:
    """The codes of every row compare shows by `by`, answered or not, so that a hidden row's presence never says
    "at least one" (a pair's code, `lad|religion`, for a two-way table); none for `all` or postcode districts."""
    if by == "all":
        return []
    if "," in by and "district" in by.split(","):
        return []  # a district beyond the pack is shown as itself: its pairs cannot all be listed
    levels = [codes_of(services, wave, level) for level in by.split(",")]
    if any(codes is None for codes in levels):
        return []
    codes = [c for c in levels if c is not None]  # none is None (checked above): for the type checker
    if len(codes) == 1:
        return codes[0]
    first, second = codes
    return [f"{a}|{b}" for a in first for b in second]


def labels_of(services: Services, wave: Wave, by: str) -> dict[str, str]:
    from analytics.areas import CHANNEL_NAMES

    if by in ARRIVAL:
        return services.sources.names() if by == "source" else dict(CHANNEL_NAMES)
    if by == "utla":
        lads = services.areas.lads
        return dict(zip(lads["utla_code"].to_list(), lads["utla_name"].to_list(), strict=True))
    question = wave.questionnaire.question(by.removesuffix("_broad"))
    labels = {}
    if isinstance(question, SingleChoice | MultipleChoice):
        labels = {o.id: o.text["en"] for o in question.options}
    census = services.areas.census.filter(pl.col("variable") == by)
    labels.update(zip(census["option_id"].to_list(), census["census_label"].to_list(), strict=True))
    return labels


def response_wave(services: Services, wave_id: str, field: str) -> Wave:
    wave = services.waves.get(wave_id)
    if wave is None:
        raise AnalysisError(field, f"there is no wave {wave_id!r}")
    if wave.kind != "responses":
        raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose a wave with responses")
    return wave




def arrival_codes(services: Services, by: str, waves: Sequence[str]) -> list[str]:
    """Every row reach by source or channel shows, with responses or not: the waves' sources (retired ones too)
    and no_source; or every channel."""
    from analytics.areas import CHANNEL_NAMES, NO_SOURCE

    if by == "channel":
        return list(CHANNEL_NAMES)
    return [*(s.source_id for w in waves for s in services.sources.of_wave(w)), NO_SOURCE]


def arrival_note(by: str) -> list[str]:
    if by not in ARRIVAL:
        return []
    what = "outreach source" if by == "source" else "channel"
    return [f"By {what}: there is no population figure for how families hear of the survey or send it, so each "
            "row shows its responses and its share of all the wave's responses only (reach_status \"no population "
            "figure\")." + (" no_source: the plain link, the API without a source, or a retired source's link."
                             if by == "source" else "")]


def short_title(wave: Wave) -> str:
    """A title that reads well inside a sentence or on an axis ("Autumn 2026"; "2019" for the baseline, so
    titles say "than in 2019")."""
    if wave.kind == "aggregate":
        year = re.search(r"\d{4}", wave.wave_id)
        return year.group(0) if year else "the baseline"
    match = re.fullmatch(r"(\d{4})-([a-z]+)", wave.wave_id)
    return f"{match.group(2).title()} {match.group(1)}" if match else wave.title["en"]
