"""Disclosure control for every published figure: one layer between the database's counts and the statistics.

The method (docs/analysts/methods/disclosure.md) is the one Statistics New Zealand and Statistics Canada use for
their census tables, with the cell key of the ABS and ONS cell-key method so that it is consistent across tables:

1. **Consistent random rounding to base 5.** Every count the statistics are made from (answers per wave, area,
   statement and answer; responses per wave and area or group; same-family pairs per statement and change;
   the in-area responses per LAD that weights are made of) is rounded to a multiple of 5 before anything is
   computed from it. A count x = 5q + r goes up to 5(q+1) with probability r/5 and down to 5q otherwise
   (unbiased: its expected value is x), so a published 15 may come from any true count from 11 to 19. The
   direction is not drawn afresh each time: it comes from a keyed hash (HMAC-SHA256 under the service's own
   secret) of the cell's name and its true count, so the same cell gets the same rounding in every table and
   every request, and asking again (or in another table) does not average the noise away.
2. **Totals are cells of their own**, rounded independently (the `all` rows are counted, not summed), so a
   total minus the published parts is the hidden part plus noise, never the hidden part.
3. **Every figure comes from the rounded counts**: shares, means, intervals, p-values, weights and weighted
   shares alike, so nothing published carries more information about a true count than its rounded value.
4. **Small bases are suppressed** (primary suppression only; rounding makes complementary suppression
   unnecessary): a row whose *true* base is under the threshold (10) shows no figure, only the band
   "fewer than 10". So does a row where every member gave the same answer (or all agree, or all disagree;
   for same-family change, all improved, all stayed the same or all got worse): publishing it would tell
   each member's answer.

Filtered tables (`filter=`) name each cell by the responses in it rather than by the filter: the counts come
with `content`, a fingerprint of their responses (the XOR of a hash of each), and the cell key is made of that.
So the same responses reached through different filters (or the same filter spelt another way) are always the
same cell with the same rounding, and asking many filters cannot average the noise away.

`Disclosure` carries the key and the two numbers (threshold, base); `round_cells` is the one function that
rounds a frame of counts. The analytics (`compare_waves`, `reach_from_counts`, `cohort_table`) read a
`<count>_true` column beside each rounded count for the suppression decisions alone and never publish it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

TRUE_SUFFIX = "_true"
CONTENT = "content"  # a filtered count's fingerprint of its responses (surveyapp.store.frames.CONTENT)
SMALL_BAND = "fewer than 10"
PROTECTED = "every member gave the same answer"
PUBLICATION_SAFE = ("Publication-safe: every count is randomly rounded to a multiple of 5 (consistently, by a "
                    "keyed cell key), shares and statistics are computed from the rounded counts, and rows on "
                    "fewer than 10 responses, or where everyone gave the same answer, are suppressed.")
NOT_PUBLICATION_SAFE = ("Not publication-safe: response-level data with exact values. For the analyst's own "
                        "work; publish only figures from the analyses (compare, reach, cohort, the report).")
INTERNAL = "Internal: not for publication"
INTERNAL_FIGURES = (f"{INTERNAL}. Exact counts, and every statistic computed from them, for signed-in analysts and "
                    "admins. A row a release could not show on its own has publishable false and publishable_rule "
                    "saying which rule it fails (fewer than 10 responses, zero alike; everyone gave the same "
                    "answer; the complement of such a row); nothing is rounded or hidden. Publish only from a "
                    "checked release.")
_CONTEXT = b"surveyapp/disclosure/cell-key/v1"


@dataclass(frozen=True)
class Disclosure:
    """The disclosure rules of one service: its secret (for the cell key), the threshold and rounding base."""

    secret: bytes
    threshold: int = 10
    base: int = 5
    # Exact counts, no rounding, and the analytics' exact-count suppression (primary and complementary within
    # each table): only for checking the service's counting against an independent one (tests, benchmarks).
    # Not publication-safe across tables; the service never builds it.
    exact: bool = False

    @property
    def _key(self) -> bytes:
        return hmac.new(self.secret, _CONTEXT, hashlib.sha256).digest()

    def round_value(self, cell: str, value: int) -> int:
        """One count rounded: `value` itself when it is a multiple of `base`, else up with probability
        (value mod base) / base, the draw being the keyed hash of `cell` and `value`."""
        return value if self.exact else _round(self._key, self.base, cell, value)

    def round_cells(self, frame: pl.DataFrame, *, count: str, cell: Sequence[str], table: str) -> pl.DataFrame:
        """`frame` with `count` rounded (see `round_value`) and the exact count kept as `<count>_true`, for
        the suppression decisions of the analytics (never published).

        A cell is named by `table` (what is counted: "answers", "responses", "pairs") and the values of the
        `cell` columns, so the same cell is rounded the same way in every table that shows it.
        """
        if self.exact:
            return frame
        key = self._key
        names = frame.select(pl.concat_str([pl.lit(table), *(pl.col(c).cast(pl.String).fill_null("~")
                                                              for c in cell)], separator="|")).to_series()
        values = frame[count].cast(pl.Int64).to_list()
        rounded = [_round(key, self.base, name, int(v)) for name, v in zip(names.to_list(), values, strict=True)]
        return frame.with_columns(
            pl.col(count).cast(pl.Int64).alias(count + TRUE_SUFFIX),
            pl.Series(count, rounded, dtype=pl.Int64),
        )


def _round(key: bytes, base: int, cell: str, value: int) -> int:
    rest = value % base
    if rest == 0:
        return value
    digest = hmac.new(key, f"{cell}\x1f{value}".encode(), hashlib.sha256).digest()
    draw = int.from_bytes(digest[:8], "big") / 2.0**64
    return value - rest + (base if draw < rest / base else 0)


def answer_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (answer counts: wave_id, question_id, statement_id, answer_id, area_level, area_code,
    parent_code and optionally lad_code) with `_cell_*` columns naming each cell by the responses it holds,
    whatever the table: an `all` count per LAD is the same cell as that LAD's count by LAD, and a LAD or
    district count carries no separate LAD."""
    level, area = pl.col("area_level"), pl.col("area_code")
    has_lad = "lad_code" in frame.columns
    lad = pl.col("lad_code") if has_lad else pl.lit(None, pl.String)
    per_lad_all = (level == "all") & lad.is_not_null()
    return frame.with_columns(
        _cell_level=pl.when(per_lad_all).then(pl.lit("lad")).otherwise(level),
        _cell_area=pl.when(per_lad_all).then(lad).otherwise(area),
        _cell_lad=pl.when(level.is_in(["all", "lad", "district"])).then(pl.lit(None, pl.String)).otherwise(lad),
    )


ANSWER_CELL = ["wave_id", "question_id", "statement_id", "answer_id", "_cell_level", "_cell_area", "parent_code",
               "_cell_lad"]


def round_answer_counts(disclosure: Disclosure, counts: pl.DataFrame) -> pl.DataFrame:
    """Answer counts (`analytics.compare.COUNTS_SCHEMA`, optionally lad_code) rounded cell by cell, with `n_true`."""
    if CONTENT in counts.columns:  # filtered: named by the responses in the cell
        return disclosure.round_cells(counts, count="n", table="answers",
                                      cell=["question_id", "statement_id", "answer_id", CONTENT]).drop(CONTENT)
    named = answer_cells(counts)
    rounded = disclosure.round_cells(named, count="n", cell=ANSWER_CELL, table="answers")
    return rounded.drop("_cell_level", "_cell_area", "_cell_lad")


def round_response_counts(disclosure: Disclosure, counts: pl.DataFrame, *, by: str,
                          count: str = "responses", code: str = "area_code") -> pl.DataFrame:
    """Responses per wave and area or group at level `by` rounded, with `<count>_true`. The in-area responses
    per LAD that weights are made of are the same cells as reach by LAD."""
    if CONTENT in counts.columns:  # filtered: named by the responses in the cell
        return disclosure.round_cells(counts, count=count, cell=[CONTENT], table="responses").drop(CONTENT)
    return disclosure.round_cells(counts.with_columns(_level=pl.lit(by)), count=count,
                                  cell=["wave_id", "_level", code], table="responses").drop("_level")


def rounded_total(disclosure: Disclosure, wave_id: str, by: str, true_total: int, content: int | None = None) -> int:
    """The responses of a wave inside the shares at level `by`, a cell of its own (rounded independently);
    with `content` (filtered), named by its responses, as a filtered count by them is."""
    if content is not None:
        return disclosure.round_value(f"responses|{content}", true_total)
    return disclosure.round_value(f"responses|{wave_id}|{by}|inside-total", true_total)


def round_pair_counts(disclosure: Disclosure, changes: pl.DataFrame, *, later: str, earlier: str) -> pl.DataFrame:
    """Same-family pairs per statement and score change (statement_id, change, n) rounded, with `n_true`."""
    named = changes.with_columns(_pair=pl.lit(f"{later}|{earlier}"))
    if CONTENT in changes.columns:  # filtered or by area: named by the pairs in the cell
        return disclosure.round_cells(named, count="n", cell=["_pair", "statement_id", "change", CONTENT],
                                      table="pairs").drop("_pair", CONTENT)
    return disclosure.round_cells(named, count="n", cell=["_pair", "statement_id", "change"],
                                  table="pairs").drop("_pair")


def round_exclusions(disclosure: Disclosure, excluded: dict[str, int], *, later: str, earlier: str,
                     contents: dict[str, int] | None = None) -> dict[str, int]:
    """The later wave's responses cohort change could not pair, by reason, each a cell of its own, rounded; with
    `contents` (filtered), named by the responses in it."""
    def name(reason: str) -> str:
        return f"excluded|{contents[reason]}" if contents is not None else f"excluded|{later}|{earlier}|{reason}"

    return {reason: disclosure.round_value(name(reason), n) for reason, n in excluded.items()}
