"""Read responses out of the store: counted by DuckDB for the analytics, or as rows for exports and tests.

The analytics never need one row per response. `answer_counts`, `lad_cells`, `response_counts` and
`cohort_change_counts` group inside DuckDB and hand Polars frames whose size grows with the number of groups
(waves x areas x statements x answers), not with the number of responses stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import polars as pl

from analytics.areas import ALL, ARRIVAL_LEVELS, NOT_ANSWERED
from surveyapp.store import Store
from surveyapp.store.derived import CODE_BITS, RESPONSE_NUMBER
from surveyapp.store.levels import CONTENT, FIXED_LEVELS, Filters, area_sql, filtered, two_way
from waves.model import Questionnaire, SingleChoice

_RESPONSE_COLUMNS = "response_id, wave_id, postcode_district, lad_code, area_status, cohort_key"


def responses_frame(store: Store, wave_ids: list[str], questionnaire: Questionnaire | None = None) -> pl.DataFrame:
    """One row per response: response_id, wave_id, postcode_district, lad_code, area_status, cohort_key,
    plus one column per single-choice question of the questionnaire (the option id, or null)."""
    base = store.frame(f"SELECT {_RESPONSE_COLUMNS} FROM responses WHERE wave_id IN (SELECT unnest(?)) "
                       "ORDER BY response_id", [wave_ids])
    singles = [q.id for q in questionnaire.questions if isinstance(q, SingleChoice)] if questionnaire else []
    if not singles:
        return base
    chosen = store.frame(
        "SELECT a.response_id, a.question_id, a.option_id FROM answers a JOIN responses r USING (response_id) "
        "WHERE r.wave_id IN (SELECT unnest(?)) AND a.question_id IN (SELECT unnest(?))", [wave_ids, singles])
    wide = chosen.pivot(on="question_id", index="response_id", values="option_id") if chosen.height else \
        pl.DataFrame({"response_id": []}, schema={"response_id": pl.String})
    for question_id in singles:
        if question_id not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(question_id))
    return base.join(wide.select("response_id", *singles), on="response_id", how="left")


def likert_frame(store: Store, wave_ids: list[str], question_id: str = "q7") -> pl.DataFrame:
    """One row per answered statement: response_id, wave_id, statement_id, answer_id."""
    return store.frame(
        "SELECT a.response_id, r.wave_id, a.statement_id, a.option_id AS answer_id "
        "FROM answers a JOIN responses r USING (response_id) "
        "WHERE r.wave_id IN (SELECT unnest(?)) AND a.question_id = ? ORDER BY a.response_id, a.statement_id",
        [wave_ids, question_id])


def aggregate_counts(store: Store, wave_id: str) -> pl.DataFrame:
    """Counts of an aggregate-only wave: wave_id, question_id, statement_id, answer_id, area_level, area_code, n."""
    return store.frame("SELECT * FROM aggregate_counts WHERE wave_id = ?", [wave_id])


# --- counted in DuckDB ------------------------------------------------------------------------------------

def answer_counts(
    store: Store,
    wave_ids: Sequence[str],
    *,
    question_id: str,
    by: str,
    groups: Mapping[str, str] | None = None,
    per_lad: bool = False,
    filters: Filters = (),
) -> pl.DataFrame:
    """Answers to the Likert question `question_id` counted per wave, area at level `by` (see `area_sql`),
    statement and answer: wave_id, question_id, statement_id, answer_id, area_level, area_code,
    parent_code, n (`analytics.compare.COUNTS_SCHEMA`).

    With `per_lad`, also per the response's LAD (lad_code; null unless the response is in the area with a
    known LAD), so that per-(wave, LAD) weights can be applied to the counts.

    At all, LAD and postcode district level the counts are the writer's `likert_tallies` added up: no answer
    row is read. By a question's answers, each wave's answer rows are joined to its responses (see
    `_wave_answer_counts`), and so they are with `filters` (then with `content`, see CONTENT). By a multiple
    choice question, a response counts under every option it chose.
    """
    places = ["area_code", "parent_code", *(["lad_code"] if per_lad else [])]
    content = [CONTENT] if filters else []
    if by in FIXED_LEVELS and not filters:
        store.settle()  # the writer adds derived rows off the commit path: bring them up to date first
        counted = _tallied_counts(store, wave_ids, question_id, by, per_lad)
    else:
        frames = [_wave_answer_counts(store, wave, question_id, by, groups, per_lad, filters)
                  for wave in dict.fromkeys(wave_ids)]
        schema = {"wave_id": pl.String, "statement_id": pl.String, "answer_id": pl.String,
                  **dict.fromkeys(places, pl.String), "n": pl.Int64, **dict.fromkeys(content, pl.UInt64)}
        counted = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    return counted.with_columns(question_id=pl.lit(question_id, pl.String), area_level=pl.lit(by, pl.String)).select(
        "wave_id", "question_id", "statement_id", "answer_id", "area_level", *places, "n", *content)


def _tallied_counts(store: Store, wave_ids: Sequence[str], question_id: str, by: str, per_lad: bool) -> pl.DataFrame:
    """`answer_counts` at a fixed level, from `likert_tallies` (one row per wave, place, statement, answer)."""
    area, parent, _, params = area_sql(by, None)
    lad = ", CASE WHEN r.area_status = 'in_area' THEN r.lad_code END AS lad_code" if per_lad else ""
    sql = f"""
        SELECT r.wave_id, r.statement_id, r.option_id AS answer_id, {area} AS area_code, {parent} AS parent_code{lad},
            sum(r.n) AS n
        FROM (SELECT wave_id, statement_id, option_id, nullif(postcode_district, '') AS postcode_district,
                  nullif(lad_code, '') AS lad_code, area_status, n
              FROM likert_tallies WHERE wave_id IN (SELECT unnest($waves)) AND question_id = $question) r
        GROUP BY ALL
    """
    keys = ["area_code", "parent_code", *(["lad_code"] if per_lad else [])]
    return store.frame(sql, {**params, "waves": list(wave_ids), "question": question_id}).cast(
        {"wave_id": pl.String, "statement_id": pl.String, "answer_id": pl.String, **dict.fromkeys(keys, pl.String),
         "n": pl.Int64})


def _places(store: Store, wave: str, by: str, groups: Mapping[str, str] | None, per_lad: bool) -> pl.DataFrame:
    """Every area_code and parent_code (and lad_code) a response of the wave can have by the question `by`
    (see `area_sql`), numbered (place): the question's stored options (a superset: an option only other waves
    used simply gets no counts), crossed with the wave's LADs for `per_lad`. At a fixed level (all, lad,
    district) or by source or channel: the places the wave's responses have. Two-way: every pair of the two
    levels' places."""
    levels = two_way(by)
    if levels is not None:
        first, second = (_places(store, wave, level, groups if level.endswith("_broad") else None, False)
                         .select("area_code") for level in levels)
        frame = first.join(second, how="cross", suffix="_2").select(
            area_code=pl.concat_str("area_code", "area_code_2", separator="|"), parent_code=pl.lit(ALL, pl.String))
        if per_lad:
            lads = store.frame("SELECT DISTINCT CASE WHEN area_status = 'in_area' THEN lad_code END AS lad_code "
                               "FROM responses WHERE wave_id = ?", [wave]).cast({"lad_code": pl.String})
            frame = frame.join(lads, how="cross")
        return frame.with_row_index("place")
    if by in FIXED_LEVELS or by in ARRIVAL_LEVELS:
        area, parent, _, params = area_sql(by, None)
        lad = ", CASE WHEN r.area_status = 'in_area' THEN r.lad_code END AS lad_code" if per_lad else ""
        found = store.frame(f"SELECT DISTINCT {area} AS area_code, {parent} AS parent_code{lad} FROM responses r "
                            "WHERE r.wave_id = $wave ORDER BY ALL", {**params, "wave": wave})
        return found.cast({c: pl.String for c in found.columns}).with_row_index("place")
    options = [r[0] for r in store.rows("SELECT DISTINCT option_id FROM answers WHERE question_id = ?",
                                        [by.removesuffix("_broad") if groups is not None else by])]
    chosen = {*(options if groups is None else (groups.get(o) for o in options))} - {None}
    codes = [*sorted(str(c) for c in chosen), NOT_ANSWERED]
    frame = pl.DataFrame({"area_code": codes, "parent_code": [ALL] * len(codes)},
                         schema={"area_code": pl.String, "parent_code": pl.String}).unique(maintain_order=True)
    if per_lad:
        lads = store.frame("SELECT DISTINCT CASE WHEN area_status = 'in_area' THEN lad_code END AS lad_code "
                           "FROM responses WHERE wave_id = ?", [wave]).cast({"lad_code": pl.String})
        frame = frame.join(lads, how="cross")
    return frame.with_row_index("place")


def _wave_answer_counts(store: Store, wave: str, question_id: str, by: str, groups: Mapping[str, str] | None,
                        per_lad: bool, filters: Filters = ()) -> pl.DataFrame:
    area, parent, joins, params = area_sql(by, groups)
    kept, kept_params = filtered(filters)
    content = f", bit_xor(hash(a.response_id)) AS {CONTENT}" if filters else ""
    places = _places(store, wave, by, groups, per_lad)
    keys = places.columns[1:]
    lad = "CASE WHEN r.area_status = 'in_area' THEN r.lad_code END"
    match = f"p.area_code = {area} AND p.parent_code = {parent}" + (
        f" AND p.lad_code IS NOT DISTINCT FROM {lad}" if per_lad else "")
    # The responses' places first (materialised when they need the question's answers: else the planner
    # may join the Likert answers to the responses before the question's), then one integer per answer row.
    materialized = "MATERIALIZED" if joins or filters else ""
    sql = f"""
        WITH p AS (
            SELECT unnest($places) AS place, unnest($areas)::VARCHAR AS area_code,
                unnest($parents)::VARCHAR AS parent_code{", unnest($lads)::VARCHAR AS lad_code" if per_lad else ""}
        ),
        placed AS {materialized} (
            SELECT r.response_id, p.place FROM responses r {joins} JOIN p ON {match} WHERE r.wave_id = $wave{kept}
        )
        SELECT placed.place, a.statement_id, a.option_id AS answer_id, count(*) AS n{content}
        FROM answers a JOIN placed USING (response_id)
        WHERE a.question_id = $question
        GROUP BY ALL
    """
    values = {**params, **kept_params, "wave": wave, "question": question_id,
              "places": places["place"].cast(pl.Int64).to_list(),
              "areas": places["area_code"].to_list(), "parents": places["parent_code"].to_list(),
              **({"lads": places["lad_code"].to_list()} if per_lad else {})}
    counted = store.frame(sql, values).cast({"place": pl.UInt32, "n": pl.Int64})
    return counted.join(places, on="place", how="inner").drop("place").with_columns(
        wave_id=pl.lit(wave, pl.String)).cast({"statement_id": pl.String, "answer_id": pl.String,
                                               **dict.fromkeys(keys, pl.String)})


def lad_cells(store: Store, wave_ids: Sequence[str], filters: Filters = ()) -> pl.DataFrame:
    """In-area responses with a known LAD per wave and LAD: wave_id, lad_code, n (what weights are made of);
    with `filters`, of the responses that pass them (and `content`)."""
    kept, params = filtered(filters)
    content = f", bit_xor(hash(r.response_id)) AS {CONTENT}" if filters else ""
    return store.frame(
        f"SELECT r.wave_id, r.lad_code, count(*) AS n{content} FROM responses r WHERE r.wave_id IN "
        f"(SELECT unnest($waves)) AND r.area_status = 'in_area' AND r.lad_code IS NOT NULL{kept} GROUP BY ALL",
        {"waves": list(wave_ids), **params},
    ).cast({"wave_id": pl.String, "lad_code": pl.String, "n": pl.Int64})


def response_counts(store: Store, wave_ids: Sequence[str], *, by: str,
                    groups: Mapping[str, str] | None = None, filters: Filters = ()) -> pl.DataFrame:
    """Responses per wave and area or group at level `by` (see `area_sql`): wave_id, area_code, responses; by a
    multiple-choice question, a response counts under every option it chose. With `filters`, of the responses
    that pass them (and `content`, see CONTENT)."""
    area, _, joins, params = area_sql(by, groups)
    kept, kept_params = filtered(filters)
    content = f", bit_xor(hash(r.response_id)) AS {CONTENT}" if filters else ""
    sql = (f"SELECT r.wave_id, {area} AS area_code, count(*) AS responses{content} FROM responses r {joins} "
           f"WHERE r.wave_id IN (SELECT unnest($waves)){kept} GROUP BY ALL")
    return store.frame(sql, {**params, **kept_params, "waves": list(wave_ids)}).cast(
        {"wave_id": pl.String, "area_code": pl.String, "responses": pl.Int64})


def responses_inside(store: Store, wave_ids: Sequence[str], *, by: str, outside: Sequence[str],
                     groups: Mapping[str, str] | None = None, filters: Filters = ()) -> tuple[int, int]:
    """How many responses (passing `filters`) have a place at level `by` other than the `outside` ones, each
    counted once however many options it chose, and the XOR of their hashes (see CONTENT)."""
    area, _, joins, params = area_sql(by, groups)
    kept, kept_params = filtered(filters)
    sql = (f"SELECT count(*), coalesce(bit_xor(hash(response_id)), 0) FROM (SELECT DISTINCT r.response_id "
           f"FROM responses r {joins} WHERE r.wave_id IN (SELECT unnest($waves)) AND NOT list_contains($outside, "
           f"{area}){kept})")
    row = store.rows(sql, {**params, **kept_params, "waves": list(wave_ids), "outside": list(outside)})[0]
    return int(row[0]), int(row[1])


def wave_sizes(store: Store, wave_ids: Sequence[str]) -> dict[str, int]:
    """Responses stored per wave (0 for a wave without any)."""
    rows = store.rows("SELECT wave_id, count(*) FROM responses WHERE wave_id IN (SELECT unnest(?)) GROUP BY ALL",
                      [list(wave_ids)])
    return {wave: 0 for wave in wave_ids} | {w: int(n) for w, n in rows}


def responses_stored(store: Store) -> int:
    """How many responses the store holds, of every wave."""
    return int(store.rows("SELECT count(*) FROM responses")[0][0])


def submission_stored(store: Store, wave_id: str, submission_id: str) -> bool:
    """Whether the wave holds a response under this submission id."""
    rows = store.rows("SELECT count(*) FROM responses WHERE wave_id = ? AND submission_id = ?",
                      [wave_id, submission_id])
    return bool(rows[0][0])


# Two sheets with one cohort key (l later, e earlier) are the same child when the code was used once in each wave
# and the child markers do not differ (either may be missing), or when both carry the same child marker and no
# other response under the code has it in either wave (see analytics.cohort.pair_responses, the same rule in Polars).
SINGLE = ("(l.uses = 1 AND e.uses = 1 AND (l.child_number IS NULL OR e.child_number IS NULL "
          "OR l.child_number = e.child_number))")
MARKED = "(l.child_uses = 1 AND e.child_uses = 1 AND l.child_number = e.child_number)"


def cohort_exclusions(store: Store, later_id: str, earlier_id: str, *, filters: Filters = ()
                      ) -> tuple[dict[str, int], dict[str, int] | None]:
    """The later wave's responses (passing `filters`) whose cohort key the earlier wave has, that are the same
    child as none of its responses, by reason: n_excluded_other_child (both sides name their children and none
    matches) and n_excluded_ambiguous (responses under one code that no child marker tells apart); and, with
    filters, the XOR of their hashes (see CONTENT)."""
    store.settle()
    kept, params = filtered(filters)
    chosen = (f"SEMI JOIN (SELECT {RESPONSE_NUMBER} AS response_number FROM responses r WHERE r.wave_id = $later"
              f"{kept}) w ON w.response_number = l.response_number" if filters else "")
    sql = f"""
        WITH unpaired AS (
            SELECT l.response_number, bool_and(coalesce(l.child_uses = 1 AND e.child_uses = 1, false)) AS clear
            FROM likert_sheets l {chosen} JOIN likert_sheets e USING (cohort_number)
            WHERE l.wave_id = $later AND e.wave_id = $earlier AND NOT coalesce({SINGLE}, false)
                -- only a code used more than once a wave, or with a child marker, can fail to pair
                AND l.cohort_number IN (SELECT cohort_number FROM likert_sheets WHERE wave_id IN ($later, $earlier)
                                        AND (uses > 1 OR child_number IS NOT NULL))
            GROUP BY l.response_number
            HAVING NOT bool_or(coalesce({MARKED}, false))
        )
        SELECT count(*) FILTER (WHERE NOT clear), count(*) FILTER (WHERE clear),
            coalesce(bit_xor(hash(response_number)) FILTER (WHERE NOT clear), 0),
            coalesce(bit_xor(hash(response_number)) FILTER (WHERE clear), 0)
        FROM unpaired
    """
    row = store.rows(sql, {**params, "later": later_id, "earlier": earlier_id})[0]
    names = ("n_excluded_ambiguous", "n_excluded_other_child")
    return ({name: int(n) for name, n in zip(names, row[:2], strict=True)},
            {name: int(c) for name, c in zip(names, row[2:], strict=True)} if filters else None)


def cohort_change_counts(store: Store, later_id: str, earlier_id: str, *, question_id: str,
                         scores: Mapping[str, int], statements: Sequence[str], filters: Filters = (),
                         by: str = ALL, groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Pairs per statement and score change: statement_id, change (later - earlier score), n
    (`analytics.cohort.CHANGES_SCHEMA`).

    Each wave's responses are linked when they are the same child (`SINGLE`, `MARKED`: the same cohort key, used once in
    each wave or told apart by the child key); a pair counts for a statement when both its answers are scored
    (in `scores`). Only the `statements` (the later wave's, in its questionnaire order) can pair. The
    writer's `likert_sheets` hold one row per response with its Likert answers packed into one number, so the
    pairing joins one row per response and only per-statement tallies of the two answers' codes come back.

    With `filters`, only pairs whose later response passes them count; by an area or group level other than
    all (see `area_sql`), the pairs are counted per area_code of the later response. Either way each tally
    comes with `content` (see CONTENT).
    """
    store.settle()
    later_slots, earlier_slots = _slots(store, later_id, question_id), _slots(store, earlier_id, question_id)
    both = [s for s in dict.fromkeys(statements) if s in later_slots and s in earlier_slots]
    narrowed = bool(filters) or by != ALL
    kept, params = filtered(filters)
    area, _, joins, area_params = area_sql(by, groups)
    chosen = (f"JOIN (SELECT {RESPONSE_NUMBER} AS response_number, {area} AS area_code FROM responses r {joins} "
              f"WHERE r.wave_id = $later{kept}) w ON w.response_number = l.response_number" if narrowed else "")
    content = f", bit_xor(hash(p.response_number)) AS {CONTENT}" if narrowed else ""
    place = ", w.area_code" if narrowed else ", NULL AS area_code"
    sql = f"""
        WITH pairs AS (
            SELECT l.pattern AS later, e.pattern AS earlier, l.response_number{place}
            FROM likert_sheets l JOIN likert_sheets e USING (cohort_number) {chosen}
            WHERE l.wave_id = $later AND e.wave_id = $earlier AND {SINGLE}
            UNION ALL  -- the rest of MARKED (an equi-join on the child too: quicker than one join with an OR)
            SELECT l.pattern AS later, e.pattern AS earlier, l.response_number{place}
            FROM likert_sheets l JOIN likert_sheets e USING (cohort_number, child_number) {chosen}
            WHERE l.wave_id = $later AND e.wave_id = $earlier AND l.child_uses = 1 AND e.child_uses = 1
                AND (l.uses > 1 OR e.uses > 1)
        )
        SELECT p.area_code, k.statement,
            ((p.later >> ({CODE_BITS} * k.later_slot)::UHUGEINT) & 15)::INTEGER AS later_code,
            ((p.earlier >> ({CODE_BITS} * k.earlier_slot)::UHUGEINT) & 15)::INTEGER AS earlier_code,
            count(*) AS n{content}
        FROM pairs p, (SELECT unnest($statements) AS statement, unnest($later_slots) AS later_slot,
                           unnest($earlier_slots) AS earlier_slot) k
        WHERE later_code > 0 AND earlier_code > 0
        GROUP BY ALL
    """
    tallies = store.frame(sql, {
        **area_params, **params, "later": later_id, "earlier": earlier_id, "statements": both,
        "later_slots": [later_slots[s] for s in both], "earlier_slots": [earlier_slots[s] for s in both]}).cast(
        {"area_code": pl.String, "statement": pl.String, "later_code": pl.Int64, "earlier_code": pl.Int64,
         "n": pl.Int64})
    return _score_changes(tallies, _code_scores(store, later_id, question_id, scores),
                          _code_scores(store, earlier_id, question_id, scores), by=by, narrowed=narrowed)


def _slots(store: Store, wave: str, question_id: str) -> dict[str, int]:
    """Which slot of the wave's packed Likert pattern holds each statement of the question."""
    rows = store.rows("SELECT statement_id, slot FROM likert_slots WHERE wave_id = ? AND question_id = ?",
                      [wave, question_id])
    return {statement: int(slot) for statement, slot in rows}


def _code_scores(store: Store, wave: str, question_id: str, scores: Mapping[str, int]) -> dict[int, int]:
    """Each packed answer code of the wave's question -> its score (answers without one are left out)."""
    rows = store.rows("SELECT option_id, code FROM likert_codes WHERE wave_id = ? AND question_id = ?",
                      [wave, question_id])
    return {int(code): scores[option] for option, code in rows if option in scores}


def _score_changes(tallies: pl.DataFrame, later_scores: Mapping[int, int], earlier_scores: Mapping[int, int], *,
                   by: str, narrowed: bool) -> pl.DataFrame:
    """Tallies of the two answers' codes per statement (and area) as pairs per score change, both answers
    scored."""
    keys = ["area_code", "statement_id"] if by != ALL else ["statement_id"]
    return tallies.select(
        "area_code",
        statement_id=pl.col("statement"),
        later=pl.col("later_code").replace_strict(later_scores, default=None, return_dtype=pl.Int64),
        earlier=pl.col("earlier_code").replace_strict(earlier_scores, default=None, return_dtype=pl.Int64),
        n=pl.col("n"),
        **({CONTENT: pl.col(CONTENT)} if narrowed else {}),
    ).drop_nulls(["later", "earlier"]).select(*keys, change=pl.col("later") - pl.col("earlier"), n=pl.col("n"),
                                              **({CONTENT: pl.col(CONTENT)} if narrowed else {})).group_by(
        *keys, "change").agg(pl.col("n").sum(), *([pl.col(CONTENT).bitwise_xor()] if narrowed else [])
                             ).sort(*keys, "change")


def answered_statements(store: Store, wave_ids: Sequence[str], *, question_id: str,
                        candidates: Collection[str]) -> set[str]:
    """Which of `candidates` have at least one answer to `question_id` in the waves."""
    if not candidates:
        return set()
    rows = store.rows(
        "SELECT DISTINCT a.statement_id FROM answers a JOIN responses r USING (response_id) "
        "WHERE a.question_id = ? AND a.statement_id IN (SELECT unnest(?)) AND r.wave_id IN (SELECT unnest(?))",
        [question_id, sorted(candidates), list(wave_ids)])
    return {r[0] for r in rows}
