"""A response's area or group at a level of breakdown, in SQL (`area_sql`), and the filters that keep some
responses (`filtered`): the parts every count in `surveyapp.store.frames` is made of.

A level is all, lad, district, utla (with `groups`: LAD -> upper-tier authority), source, channel, a question
id or `<question id>_broad` (with `groups`: option -> group); two of them, `<level>,<level>`, make a two-way
table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analytics.areas import ALL, ARRIVAL_LEVELS, NO_SOURCE, NOT_ANSWERED
from waves.areas.pack import OUT_OF_AREA, UNKNOWN

FIXED_LEVELS = (ALL, "lad", "district")
UTLA = "utla"  # reach by upper-tier local authority (Kent, Medway): `groups` maps each LAD to its own
# Filters: (question id, option ids): keep responses that chose one of the options (all filters must hold).
Filters = Sequence[tuple[str, Sequence[str]]]
# With filters, each count comes with `content`: the XOR of its responses' hashes, so that a cell is named by
# the responses in it (two filters that select the same responses get the same rounding; see
# analytics.disclosure).
CONTENT = "content"


def filtered(filters: Filters, response: str = "r.response_id") -> tuple[str, dict[str, Any]]:
    """SQL conditions (` AND ...`) keeping the responses that pass every filter, and their parameters."""
    sql, params = "", dict[str, Any]()
    for i, (question_id, option_ids) in enumerate(filters):
        sql += (f" AND EXISTS (SELECT 1 FROM answers f WHERE f.response_id = {response} "
                f"AND f.question_id = $filter_question_{i} AND list_contains($filter_options_{i}, f.option_id))")
        params |= {f"filter_question_{i}": question_id, f"filter_options_{i}": list(option_ids)}
    return sql, params


LAD_LEVEL = ("CASE WHEN r.area_status = 'in_area' AND r.lad_code IS NOT NULL THEN r.lad_code "
              "WHEN r.area_status = 'out_of_area' THEN $out_of_area ELSE $unknown END")


def two_way(by: str) -> tuple[str, str] | None:
    """The two levels of a two-way level (`lad,ethnic_group_broad`), else None."""
    first, comma, second = by.partition(",")
    return (first, second) if comma else None


def arrival_code(by: str) -> tuple[str, dict[str, Any]]:
    """The SQL of a response's code by `source` (the outreach source it came through, else no_source) or
    `channel`, for a table aliased r, and its parameters."""
    if by == "source":
        return "coalesce(r.source_id, $no_source)", {"no_source": NO_SOURCE}
    if by == "channel":
        return "r.channel", {}
    raise ValueError(f"an arrival code is by source or channel, not {by!r}")


def area_sql(by: str, groups: Mapping[str, str] | None, tag: str = "") -> tuple[str, str, str, dict[str, Any]]:
    """SQL for a response's area_code and parent_code at level `by` (as `analytics.areas.area_keys` gives
    them), the joins they need on `responses r`, and their parameters.

    `by` is all, lad, district, source (the outreach source, else no_source), channel, a single-choice question
    id (its option, else not_answered), a multiple-choice one (a row per option chosen) or, with `groups`
    (option id -> group), `<question id>_broad` (the option's group, else not_answered). A two-way level
    `<level>,<level>` gives `<code>|<code>` (parent all), `groups` serving its `_broad` level.
    """
    params: dict[str, Any] = {"all": ALL, "out_of_area": OUT_OF_AREA, "unknown": UNKNOWN}
    levels = two_way(by)
    if levels is not None:
        parts = [area_sql(level, groups if level.endswith("_broad") else None, f"{tag}{i}")
                 for i, level in enumerate(levels)]
        return (f"({parts[0][0]}) || '|' || ({parts[1][0]})", "$all", f"{parts[0][2]} {parts[1][2]}",
                params | parts[0][3] | parts[1][3])
    if by == ALL:
        return "$all", "$all", "", params
    if by == "lad":
        return LAD_LEVEL, "$all", "", params
    if by == UTLA:  # the LAD's upper-tier authority (list_position: 1-based, NULL when absent)
        if groups is None:
            raise ValueError("by utla needs groups: LAD code -> upper-tier authority code")
        params |= {"utla_lads": list(groups), "utlas": list(groups.values())}
        return (LAD_LEVEL.replace("THEN r.lad_code", "THEN coalesce(list_extract($utlas, list_position($utla_lads, "
                                   "r.lad_code)), $unknown)"), "$all", "", params)
    if by == "district":
        return "coalesce(r.postcode_district, $unknown)", LAD_LEVEL, "", params
    if by in ARRIVAL_LEVELS:
        code, arrival = arrival_code(by)
        return code, "$all", "", params | arrival
    params |= {"not_answered": NOT_ANSWERED,
               f"choice{tag}": by.removesuffix("_broad") if groups is not None else by}
    joins = (f"LEFT JOIN (SELECT response_id, option_id FROM answers WHERE question_id = $choice{tag}) c{tag} "
             f"ON c{tag}.response_id = r.response_id")
    if groups is None:
        return f"coalesce(c{tag}.option_id, $not_answered)", "$all", joins, params
    params |= {f"options{tag}": list(groups), f"groups{tag}": list(groups.values())}
    joins += (f" LEFT JOIN (SELECT unnest($options{tag}) AS option_id, unnest($groups{tag}) AS group_code) g{tag} "
              f"ON g{tag}.option_id = c{tag}.option_id")
    return f"coalesce(g{tag}.group_code, $not_answered)", "$all", joins, params
