"""The output checker on worked examples: each rule seen doing what it says, on tables small enough to check by hand.

Most examples use `base=1` (no rounding) so that the arithmetic an attacker would do is exact and the check's
answer is the only one; the rounding examples use the service's base of 5.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.disclosure import Disclosure
from analytics.outputcheck import Cell, Derived, EarlierRelease, Microdata, Published, Rules, check

SCORED = ("strongly_agree", "tend_to_agree", "neither", "tend_to_disagree", "strongly_disagree")
KEY = b"worked-examples"
EXACT = Rules(base=1)
AUTUMN = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def _responses(groups: dict[str, int], *, answers: dict[str, list[str | None]] | None = None,
               start: int = 0, hours: int = 0) -> list[dict[str, object]]:
    """`n` responses per LAD; `answers[lad]` their answers to s1 in turn (default: strongly agree)."""
    rows = []
    for lad, n in groups.items():
        given = (answers or {}).get(lad, ["strongly_agree"])
        for j in range(n):
            i = start + len(rows)
            rows.append({"response_id": f"r{i}", "stored_at": AUTUMN + dt.timedelta(hours=hours, minutes=i),
                         "lad": lad, "s1": given[j % len(given)]})
    return rows


def _data(rows: list[dict[str, object]]) -> Microdata:
    return Microdata(pl.DataFrame(rows, schema={"response_id": pl.String, "stored_at": pl.Datetime("us", "UTC"),
                                                "lad": pl.String, "s1": pl.String}))


def _reach(lads: list[str], *, total: bool = True, table: str = "reach") -> list[Cell]:
    cells = [Cell(table, {"area": lad}, "responses", where={"lad": lad}) for lad in lads]
    return cells + ([Cell(table, {"area": "all"}, "responses")] if total else [])


def _hidden(outcome, table: str = "reach") -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {dict(ref[1])["area"]: d.rule for ref, d in outcome.decisions.items() if ref[0] == table and not d.shown}


def test_a_count_pinned_by_its_margin_is_protected_by_a_second_suppression():
    # 40 + 30 + 6 = 76: with the total shown, hiding C alone hides nothing (76 - 40 - 30 = 6).
    data = _data(_responses({"A": 40, "B": 30, "C": 6}))
    outcome = check(data, _reach(["A", "B", "C"]), key=KEY, rules=EXACT)
    assert _hidden(outcome) == {"C": "threshold", "B": "differencing"}  # B: the cheaper of the two to hide
    assert outcome.passed
    assert outcome.value("reach", {"area": "all"}, "responses") == 76
    differencing = next(r for r in outcome.rules if r.rule == "differencing")
    assert [(s.row, s.how) for s in differencing.stopped] == [({"area": "B"}, "suppressed")]


def test_two_small_counts_that_add_up_to_more_than_the_band_need_a_third():
    data = _data(_responses({"A": 40, "B": 5, "C": 6}))
    outcome = check(data, _reach(["A", "B", "C"]), key=KEY, rules=EXACT)
    # 51 - 40 = 11 = B + C, so B could be 2 to 9 but never 0 (C would be 11): B's band is not spanned, and A goes.
    assert _hidden(outcome) == {"B": "threshold", "C": "threshold", "A": "differencing"}
    assert outcome.passed


def test_a_small_count_is_hidden_and_zero_alike():
    data = _data(_responses({"A": 40, "B": 3}, answers={"A": list(SCORED[:4])}))
    cells = [Cell("compare", {"area": "A"}, a, where={"lad": "A"}, statement="s1", answers=(a,))
             for a in SCORED]
    outcome = check(data, cells, key=KEY, rules=EXACT)
    rules = {dict(ref[1])["area"] + "/" + ref[2]: d.rule for ref, d in outcome.decisions.items() if not d.shown}
    assert rules == {"A/strongly_disagree": "zeros"}
    shown_zero = check(data, cells, key=KEY, rules=Rules(base=1, zeros_disclosive=False))
    assert shown_zero.value("compare", {"area": "A"}, "strongly_disagree") == 0


def test_a_group_that_all_gave_one_answer_is_not_shown():
    data = _data(_responses({"A": 30, "B": 15}, answers={"A": list(SCORED), "B": ["tend_to_agree"]}))
    cells = [Cell("compare", {"area": lad}, a, where={"lad": lad}, statement="s1", answers=(a,))
             for lad in ("A", "B") for a in SCORED]
    outcome = check(data, cells, key=KEY, rules=EXACT)
    b_row = {ref[2]: d for ref, d in outcome.decisions.items() if dict(ref[1])["area"] == "B"}
    assert not any(d.shown for d in b_row.values())
    assert b_row["tend_to_agree"].rule == "one_answer"  # 15: not small, but it would say what all 15 said
    assert {d.rule for k, d in b_row.items() if k != "tend_to_agree"} == {"zeros"}
    one_answer = next(r for r in outcome.rules if r.rule == "one_answer")
    assert [(s.row, s.column) for s in one_answer.stopped] == [({"area": "B"}, "tend_to_agree")]


def test_all_agreeing_counts_as_one_answer_too():
    data = _data(_responses({"A": 24}, answers={"A": ["strongly_agree", "tend_to_agree"]}))
    cells = [Cell("compare", {"area": "A"}, a, where={"lad": "A"}, statement="s1", answers=(a,)) for a in SCORED]
    outcome = check(data, cells, key=KEY, rules=EXACT)
    assert not any(d.shown for d in outcome.decisions.values())
    relaxed = check(data, cells, key=KEY, rules=Rules(base=1, one_answer_below=10))  # only groups under 10
    assert relaxed.value("compare", {"area": "A"}, "strongly_agree") == 12


def test_an_all_but_a_group_complement_is_protected():
    # 50 responses in A, 46 of them answered: responses minus the base would say 4 did not.
    rows = _responses({"A": 50}, answers={"A": [*SCORED, "tend_to_agree"] * 7 + [None] * 4 + [*SCORED] * 0})
    data = _data(rows)
    cells = [Cell("reach", {"area": "A"}, "responses", where={"lad": "A"}),
             Cell("compare", {"area": "A"}, "n_valid", where={"lad": "A"}, statement="s1", answers=SCORED)]
    outcome = check(data, cells, key=KEY, rules=EXACT)
    hidden = [d for d in outcome.decisions.values() if not d.shown]
    assert [d.rule for d in hidden] == ["complement"]
    assert outcome.passed


def test_an_interim_and_a_final_release_do_not_difference_to_a_small_count():
    first = _responses({"A": 40, "B": 30})
    later = _responses({"A": 3}, start=len(first), hours=48)  # 3 more in A after the interim's cutoff
    cutoff = AUTUMN + dt.timedelta(hours=24)
    interim_cells = _reach(["A", "B"])
    interim = check(_data(first), interim_cells, key=KEY, rules=EXACT)
    assert interim.passed and not _hidden(interim)
    published = EarlierRelease("interim", cutoff, [Published(c, interim.decisions[c.ref].value) for c in interim_cells])
    final = check(_data(first + later), _reach(["A", "B"]), key=KEY, rules=EXACT, earlier=[published])
    assert final.passed
    assert final.checked_against == ["interim"]
    # 43 - 40 and 73 - 70 would each say that 3 answered in A since the interim: neither may be shown again
    hidden = _hidden(final)
    assert {"A", "all"} <= set(hidden) and {hidden["A"], hidden["all"]} == {"complement"}


def test_an_earlier_release_that_already_pins_a_count_fails_the_check():
    rows = _responses({"A": 40, "B": 30, "C": 6})
    cells = _reach(["A", "B", "C"])
    leaked = EarlierRelease("careless", AUTUMN + dt.timedelta(days=1), [
        Published(cells[0], 40), Published(cells[1], 30), Published(cells[2], None, "small"), Published(cells[3], 76)])
    outcome = check(_data(rows), _reach(["A", "B"], total=False, table="again"), key=KEY, rules=EXACT,
                    earlier=[leaked])
    assert not outcome.passed
    differencing = next(r for r in outcome.rules if r.rule == "differencing")
    assert not differencing.passed and "careless" in differencing.detail


def test_the_same_units_get_the_same_rounded_value_in_every_table():
    data = _data(_responses({"A": 37, "B": 23}, answers={"A": ["strongly_agree", "neither"]}))
    cells = [*_reach(["A", "B"]), Cell("other", {"area": "A"}, "n", where={"lad": ("A",)}),
             Cell("answers", {"area": "A"}, "n", where={"lad": "A"}, statement="s1", answers=SCORED)]
    outcome = check(data, cells, key=KEY)
    values = [outcome.value("reach", {"area": "A"}, "responses"), outcome.value("other", {"area": "A"}, "n"),
              outcome.value("answers", {"area": "A"}, "n")]
    assert len(set(values)) == 1 and values[0] % 5 == 0 and abs(values[0] - 37) < 5
    # the cell key is analytics.disclosure's: the same service key, the same draw
    assert outcome.value("reach", {"area": "all"}, "responses") in (60,)
    rounded = next(r for r in outcome.rules if r.rule == "consistent_rounding")
    assert {s.how for s in rounded.stopped} == {"rounded"} and len(rounded.stopped) >= 3


def test_rounding_draws_come_from_the_key():
    data = _data(_responses({"A": 37, "B": 23}))
    draws = {check(data, _reach(["A", "B"]), key=bytes([k])).value("reach", {"area": "A"}, "responses")
             for k in range(12)}
    assert draws == {35, 40}  # 37 goes down to 35 or up to 40, by the key
    disclosure = Disclosure(secret=b"x")
    assert disclosure.round_value("any", 40) == 40


def test_a_derived_figure_is_hidden_with_its_cells():
    data = _data(_responses({"A": 40, "B": 4}))
    cells = _reach(["A", "B"], total=False)
    share = Derived("reach", {"area": "B"}, "response_share", made_of=(cells[1].ref,))
    shown = Derived("reach", {"area": "A"}, "response_share", made_of=(cells[0].ref,))
    outcome = check(data, cells, key=KEY, rules=EXACT, derived=[share, shown])
    assert outcome.decisions[share.ref].shown is False and outcome.decisions[share.ref].rule == "threshold"
    assert outcome.decisions[shown.ref].shown is True


def test_same_family_pairs_are_checked_as_their_own_population():
    pairs = pl.DataFrame({"pair_id": [f"p{i}" for i in range(30)],
                          "stored_at": [AUTUMN] * 30, "statement_id": ["s1"] * 30,
                          "change": ["improved"] * 14 + ["same"] * 12 + ["worse"] * 4})
    data = Microdata(pl.DataFrame(schema={"response_id": pl.String, "stored_at": pl.Datetime("us", "UTC")}), pairs)
    cells = [Cell("cohort", {"statement_id": "s1"}, c, population="pairs", statement="s1", answers=(c,))
             for c in ("improved", "same", "worse")]
    cells.append(Cell("cohort", {"statement_id": "s1"}, "n_pairs", population="pairs", statement="s1",
                      answers=("improved", "same", "worse")))
    outcome = check(data, cells, key=KEY, rules=EXACT)
    hidden = {ref[2]: d.rule for ref, d in outcome.decisions.items() if not d.shown}
    # n_pairs - improved - same = worse: one more must go; but a hidden "same" is known to be at least 10, which
    # leaves worse at most 30 - 14 - 10 = 6, short of the band's 9: so "improved" goes too.
    assert hidden == {"worse": "threshold", "same": "differencing", "improved": "differencing"}
    assert outcome.passed


def test_a_cell_must_name_what_it_counts():
    with pytest.raises(ValueError, match="names the answers"):
        Cell("t", {}, "n", statement="s1")
    with pytest.raises(ValueError, match="no column religion"):
        check(_data(_responses({"A": 12})), [Cell("t", {}, "n", where={"religion": "sikh"})], key=KEY)


def _counties(rows: list[dict[str, object]]) -> Microdata:
    county = {"A": "K", "B": "K", "C": "K", "D": "M"}
    frame = pl.DataFrame(rows, schema={"response_id": pl.String, "stored_at": pl.Datetime("us", "UTC"),
                                       "lad": pl.String, "s1": pl.String})
    religion = [("christian", "none", "sikh")[0 if i % 7 else 1] for i in range(frame.height)]
    return Microdata(frame.with_columns(pl.col("lad").replace_strict(county).alias("utla"),
                                        pl.Series("religion", religion)))


def test_districts_are_checked_with_their_county_though_no_table_crosses_them():
    # K = A + B + C = 40 + 30 + 6: with K shown, hiding C alone hides nothing. No cell names district and county
    # together, and no total ties them; that a district lies in one county is public (the data show it), so the
    # check links them.
    data = _counties(_responses({"A": 40, "B": 30, "C": 6, "D": 50}))
    cells = [Cell("reach", {"area": lad}, "responses", where={"lad": lad}) for lad in "ABCD"]
    cells += [Cell("reach-county", {"area": "K"}, "responses", where={"utla": "K"})]  # no grand total
    outcome = check(data, cells, key=KEY, rules=EXACT)
    assert _hidden(outcome) == {"C": "threshold", "B": "differencing"}
    assert outcome.passed


def test_a_margin_no_table_crosses_with_areas_is_checked_on_its_own_and_with_the_total():
    # Religion is never crossed with district: the sikh count (1 of 126) is pinned only by the other religions
    # and the total, and hiding one district's count does nothing for it.
    rows = _responses({"A": 40, "B": 30, "C": 6, "D": 50})
    rows[0]["religion"] = "sikh"
    frame = _counties(rows).responses.with_columns(
        pl.when(pl.col("response_id") == "r0").then(pl.lit("sikh")).otherwise(pl.col("religion")).alias("religion"))
    cells = [Cell("reach", {"area": lad}, "responses", where={"lad": lad}) for lad in "ABCD"]
    cells += [Cell("reach", {"area": "all"}, "responses")]
    cells += [Cell("reach-religion", {"religion": r}, "responses", where={"religion": r})
              for r in ("christian", "none", "sikh")]
    outcome = check(Microdata(frame), cells, key=KEY, rules=EXACT)
    hidden = {dict(ref[1])["religion"]: d.rule for ref, d in outcome.decisions.items()
              if ref[0] == "reach-religion" and not d.shown}
    assert hidden["sikh"] == "threshold"
    assert len(hidden) >= 2  # another religion hidden with it, so the total minus the rest no longer pins it
    assert outcome.passed
