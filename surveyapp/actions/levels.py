"""Levels of breakdown and filters: what `by` and `filter` may name; `by` parsed once into a `Breakdown` of one
or two typed `Level`s that know their every group, labels, parents and notes; the result every analysis returns,
and the error that names a wrong parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from analytics.areas import ARRIVAL_LEVELS
from surveyapp.domain.services import Services
from surveyapp.domain.waves import Wave
from waves.model import MultipleChoice, SingleChoice

if TYPE_CHECKING:
    from collections.abc import Sequence

FIXED_LEVELS = ("all", "lad", "district")
ARRIVAL = ARRIVAL_LEVELS  # how a response arrived: the outreach source it came through, and its channel


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
    classification: str | None = None  # "Internal: not for publication" on internal figures (every file says so)


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


def response_wave(services: Services, wave_id: str, field: str) -> Wave:
    wave = services.waves.get(wave_id)
    if wave is None:
        raise AnalysisError(field, f"there is no wave {wave_id!r}")
    if wave.kind != "responses":
        raise AnalysisError(field, f"{wave_id} holds aggregate counts only; choose a wave with responses")
    return wave


def short_title(wave: Wave) -> str:
    """A title that reads well inside a sentence or on an axis ("Autumn 2026"; "2019" for the baseline, so
    titles say "than in 2019")."""
    if wave.kind == "aggregate":
        year = re.search(r"\d{4}", wave.wave_id)
        return year.group(0) if year else "the baseline"
    match = re.fullmatch(r"(\d{4})-([a-z]+)", wave.wave_id)
    return f"{match.group(2).title()} {match.group(1)}" if match else wave.title["en"]


# --- levels of breakdown -----------------------------------------------------------------------------------

LevelKind = Literal["all", "area", "question", "arrival"]
# What a level is within its kind: area lad, utla (reach only) or district; question single, multiple (a response
# in every option it chose) or broad (a single-choice question's option groups); arrival source or channel.
Detail = Literal["all", "lad", "utla", "district", "single", "multiple", "broad", "source", "channel"]
REACH_ONLY = "utla"  # reach's own level: the upper-tier authority (Kent, Medway)


@dataclass(frozen=True)
class Level:
    """One level of breakdown as `by` names it (`lad`, `ethnic_group_broad`, `source`...), parsed once against the
    wave and the area pack. The store and the analytics still take its `name`; the actions ask it what they
    would otherwise work out from the string."""

    name: str
    kind: LevelKind
    detail: Detail
    labels: Mapping[str, str]  # code -> display name (the question's options, Census labels, sources...)
    codes: tuple[str, ...] | None  # every code a row can have, answered or not; None when they cannot be listed
    groups: Mapping[str, str] | None = None  # broad: option -> its group (itself when none); utla: LAD -> UTLA
    parents: Mapping[str, str] | None = None  # district: every district of the pack -> the LAD it is shown under

    @property
    def overlap_note(self) -> list[str]:
        """The note a breakdown by a multiple-choice question needs: its rows overlap."""
        if self.detail != "multiple":
            return []
        return [f"{self.name} is multiple choice: a response counts in every option it chose, so the rows overlap "
                "and do not add up to the total; compare each row with the others, not with their sum."]

    @property
    def arrival_note(self) -> list[str]:
        """The note a breakdown by how responses arrived needs: there is no population to compare with."""
        if self.kind != "arrival":
            return []
        what = "outreach source" if self.detail == "source" else "channel"
        return [f"By {what}: there is no population figure for how families hear of the survey or send it, so "
                "each row shows its responses and its share of all the wave's responses only (reach_status \"no "
                "population figure\")." + (" no_source: the plain link, the API without a source, or a retired "
                                            "source's link." if self.detail == "source" else "")]

    @property
    def rounds_as(self) -> str:
        """The level whose cells hold this level's in-area total and its out-of-area and unknown rows: by
        district and by upper-tier authority they are the responses they are by LAD, so they are rounded as
        those cells are (once), not afresh."""
        return "lad" if self.detail in ("district", "utla") else self.name


@dataclass(frozen=True)
class Breakdown:
    """`by` parsed once: one level, or two for a two-way table (`lad,ethnic_group_broad`, rows `code|code`)."""

    by: str
    levels: tuple[Level, ...]
    labels: Mapping[str, str]  # the labels of the whole table's codes (a two-way table names its rows itself)

    @classmethod
    def parse(cls, services: Services, wave: Wave, by: str, *, utla: bool = False) -> Breakdown:
        """The breakdown `by` names for the wave (AnalysisError names `by`); `utla`: reach's own level, the
        upper-tier authority, is allowed too when the area pack has it."""
        if utla and by == REACH_ONLY:
            if "utla_code" not in services.areas.lads.columns:
                raise AnalysisError("by", "the area pack gives no upper-tier authority per LAD (lads.csv utla_code)")
        else:
            _check(wave, by)
        levels = tuple(_level(services, wave, name) for name in by.split(","))
        labels = levels[0].labels if len(levels) == 1 else labels_of(services, wave, by)
        return cls(by, levels, labels)

    @property
    def two_way(self) -> bool:
        return len(self.levels) == 2

    def is_one(self, detail: Detail) -> bool:
        """A breakdown by one level, of this detail (`is_one("all")`: no breakdown at all)."""
        return len(self.levels) == 1 and self.levels[0].detail == detail

    @property
    def groups(self) -> Mapping[str, str] | None:
        """What the store groups codes by: the `_broad` level's option groups (a two-way table has one at most),
        or the upper-tier authority of each LAD."""
        return next((level.groups for level in self.levels if level.groups is not None), None)

    @property
    def parents(self) -> Mapping[str, str] | None:
        """By postcode district alone: every district of the pack -> the LAD compare shows it under."""
        return self.levels[0].parents if len(self.levels) == 1 else None

    @property
    def place(self) -> Level | None:
        """The first level that is a place an aggregate baseline may not cover (LAD or postcode district)."""
        return next((level for level in self.levels if level.detail in ("lad", "district")), None)

    @property
    def every(self) -> list[str]:
        """The codes of every row a table by this breakdown shows, answered or not, so that a hidden row's
        presence never says "at least one" (a pair's code, `lad|religion`, for a two-way table); none for `all`,
        or for a pair with postcode districts (a district beyond the pack is shown as itself: its pairs cannot
        all be listed)."""
        if self.two_way and any(level.detail == "district" for level in self.levels):
            return []
        codes = [level.codes for level in self.levels]
        if any(c is None for c in codes):
            return []
        listed = [c for c in codes if c is not None]  # none is None (checked above): for the type checker
        if len(listed) == 1:
            return list(listed[0])
        first, second = listed
        return [f"{a}|{b}" for a in first for b in second]

    @property
    def overlap_notes(self) -> list[str]:
        return [note for level in self.levels for note in level.overlap_note]

    def one(self, message: str) -> Level:
        """The one level of a breakdown by one (not `all`), else AnalysisError names `by` with `message`."""
        if self.two_way or self.is_one("all"):
            raise AnalysisError("by", message)
        return self.levels[0]

    def with_level_columns(self, frame: pl.DataFrame, lads: pl.DataFrame) -> pl.DataFrame:
        """A two-way table's rows with a column per level (named after it) holding its code, after area_code,
        and area_name "Thanet, White"; other tables as they are."""
        from analytics.areas import area_names

        if not self.two_way or "area_code" not in frame.columns:
            return frame
        names = [level.name for level in self.levels]
        codes = pl.col("area_code").str.split_exact("|", 1)
        split = frame.with_columns(codes.struct.field("field_0").alias(names[0]),
                                   codes.struct.field("field_1").alias(names[1]))
        shown = [area_names(pl.col(level.name), level.name, lads=lads, labels=level.labels) for level in self.levels]
        order = list(frame.columns)
        at = order.index("area_code") + 1
        return split.with_columns(area_name=pl.concat_str(shown, separator=", ")).select(
            [*order[:at], *names, *order[at:]])


def levels_of(wave: Wave) -> list[str]:
    """Every level `by` may name for the wave (two of them, but not `all`, make a two-way table)."""
    singles = [q for q in wave.questionnaire.questions if isinstance(q, SingleChoice)]
    broad = [f"{q.id}_broad" for q in singles if any(o.group for o in q.options)]
    multiples = [q.id for q in wave.questionnaire.questions if isinstance(q, MultipleChoice)]
    return [*FIXED_LEVELS, *ARRIVAL, *(q.id for q in singles), *broad, *multiples]


def _check(wave: Wave, by: str) -> None:
    levels = by.split(",")
    if len(levels) == 2 and levels[0] != levels[1] and "all" not in levels and \
            sum(level.endswith("_broad") for level in levels) < 2 and all(lv in levels_of(wave) for lv in levels):
        return
    if by not in levels_of(wave):
        raise AnalysisError("by", f"use one of {', '.join(levels_of(wave))}, or two of them for a two-way table, "
                                  "e.g. by=lad,ethnic_group_broad")


def _level(services: Services, wave: Wave, name: str) -> Level:
    """One level, checked already (`_check`), with everything the actions ask of it."""
    from analytics.areas import NOT_ANSWERED
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    labels = labels_of(services, wave, name)
    lads = services.areas.lads
    if name == "all":
        return Level(name, "all", "all", labels, None)
    if name == "lad":
        return Level(name, "area", "lad", labels, (*lads["lad_code"].to_list(), OUT_OF_AREA, UNKNOWN))
    if name == REACH_ONLY:
        return Level(name, "area", "utla", labels, None,
                     groups=dict(zip(lads["lad_code"], lads["utla_code"], strict=True)))
    if name == "district":
        parents = district_parents(services)
        return Level(name, "area", "district", labels, tuple(parents), parents=parents)
    if name in ARRIVAL:
        return Level(name, "arrival", "source" if name == "source" else "channel", labels,
                     tuple(arrival_codes(services, name, [wave.wave_id])))
    question = wave.questionnaire.question(name)
    if isinstance(question, MultipleChoice | SingleChoice):
        return Level(name, "question", "multiple" if isinstance(question, MultipleChoice) else "single", labels,
                     (*(o.id for o in question.options), NOT_ANSWERED))
    broad = wave.questionnaire.question(name.removesuffix("_broad"))
    if not name.endswith("_broad") or not isinstance(broad, SingleChoice):
        raise AnalysisError("by", f"{name} is not a level of {wave.wave_id}")  # _check lets none through
    groups = {o.id: o.group or o.id for o in broad.options}
    return Level(name, "question", "broad", labels, (*sorted(set(groups.values())), NOT_ANSWERED), groups=groups)


def labels_of(services: Services, wave: Wave, by: str) -> dict[str, str]:
    """Each code's display name at level `by`: a source's name, a channel's, an upper-tier authority's, a
    question's option's (Census labels where the area pack has them)."""
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


def district_parents(services: Services) -> dict[str, str]:
    """Every postcode district of the area pack (those around the area too) with the LAD compare shows it under
    (out_of_area for one outside the area), and unknown (no postcode)."""
    from waves.areas.pack import OUT_OF_AREA, UNKNOWN

    districts = services.areas.districts
    parents = {d: (lad if inside else OUT_OF_AREA) for d, lad, inside in
               zip(districts["postcode_district"], districts["lad_code"], districts["in_area"], strict=True)}
    return {**parents, UNKNOWN: UNKNOWN}


def arrival_codes(services: Services, by: str, waves: Sequence[str]) -> list[str]:
    """Every row by source or channel shows, with responses or not: the waves' sources (retired ones too) and
    no_source; or every channel."""
    from analytics.areas import CHANNEL_NAMES, NO_SOURCE

    if by == "channel":
        return list(CHANNEL_NAMES)
    return [*(s.source_id for w in waves for s in services.sources.of_wave(w)), NO_SOURCE]
