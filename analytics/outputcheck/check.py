"""The output check: the rules applied in order, complementary suppression until differencing holds, rounding."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics.disclosure import Disclosure
from analytics.outputcheck.frames import Atoms, Entry, Units, atoms, cutoffs_of, entries_of, units
from analytics.outputcheck.linear import model
from analytics.outputcheck.model import (
    REASONS,
    RULES,
    Cell,
    Decision,
    Derived,
    EarlierRelease,
    Microdata,
    Outcome,
    Population,
    RuleReport,
    Rules,
    Stopped,
)
from analytics.outputcheck.protect import Prover, Sensitive, Sub
from analytics.outputcheck.rules import complements, one_answer, primary

_DEBUG = False


class State:
    """What is published of each entry (current and earlier), and so what an attacker knows of its true count."""

    def __init__(self, entries: Sequence[Entry], truth: np.ndarray, rules: Rules) -> None:
        self.entries, self.truth, self.rules = entries, truth, rules
        self.value: dict[int, int] = {}
        self.hidden: dict[int, str] = {}  # current: the rule; earlier: the reason it was published with

    def bounds(self, i: int) -> tuple[float, float]:
        top, base = self.rules.threshold, self.rules.base
        if i in self.hidden:
            reason = REASONS.get(self.hidden[i], self.hidden[i])
            return {"small": (0.0, top - 1.0), "complement": (float(top), np.inf)}.get(reason, (0.0, np.inf))
        if i not in self.value:
            return 0.0, np.inf
        v = self.value[i]
        return (0.0, base - 1.0) if v == 0 else (float(max(top, v - base + 1)), float(v + base - 1))

    def cost(self, i: int) -> float | None:
        """What hiding a shown cell of this release costs (its count), or None when it cannot be hidden."""
        shown = self.entries[i].release is None and i not in self.hidden
        return float(self.truth[i]) if shown and self.truth[i] >= self.rules.threshold else None


@dataclass
class Part:
    """One statement's atoms that occur (or the unit counts'), to count each entry and find which nest."""

    sub: int
    atoms: Atoms
    rows: dict[int, int]


def _subs(microdata: Microdata, entries: Sequence[Entry], cutoffs: Sequence[object]
          ) -> tuple[dict[str, Units], list[Sub], list[Part]]:
    populations: dict[str, Units] = {}
    subs: list[Sub] = []
    parts: list[Part] = []
    populations_in: tuple[Population, ...] = ("responses", "pairs")
    for population in populations_in:
        found = units(microdata, population, entries, cutoffs)
        if found is None:
            continue
        populations[population] = found
        chosen = [i for i, e in enumerate(entries) if e.cell.population == population]
        subs.append(Sub(population, model(found, entries, chosen), {e: r for r, e in enumerate(chosen)}))
        statements: list[str | None] = [*found.statements] or [None]
        for statement in statements:
            mine = [i for i in chosen if entries[i].cell.statement in (None, statement)]
            parts.append(Part(len(subs) - 1, atoms(found, statement, entries, mine),
                              {e: r for r, e in enumerate(mine)}))
    return populations, subs, parts


def _truth(parts: Sequence[Part], size: int) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """Each entry's true count, the fingerprint of its units, and the first part that holds it."""
    truth, fingerprint, home = np.zeros(size, np.int64), np.zeros(size, np.uint64), {}
    for k, part in enumerate(parts):
        sums = part.atoms.matrix @ part.atoms.count
        matrix = part.atoms.matrix
        for row, e in enumerate(part.atoms.entries):
            if e in home:
                continue
            home[e] = k
            truth[e] = round(sums[row])
            members = matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]]
            fingerprint[e] = np.bitwise_xor.reduce(part.atoms.fingerprint[members]) if len(members) else 0
    return truth, fingerprint, home


def _publish(state: State, earlier: Sequence[EarlierRelease], fingerprint: np.ndarray, key: bytes) -> None:
    """Round every count of this release by the keyed cell key; take the earlier releases' as published."""
    disclosure = Disclosure(secret=key, threshold=state.rules.threshold, base=state.rules.base)
    for i, entry in enumerate(state.entries):
        if entry.release is None:
            name = f"{entry.cell.population}|{int(fingerprint[i]):016x}"
            state.value[i] = disclosure.round_value(name, int(state.truth[i]))
    i = sum(1 for e in state.entries if e.release is None)
    for release in earlier:
        for published in release.cells:
            if published.value is None:
                state.hidden[i] = published.reason or "unknown"
            else:
                state.value[i] = published.value
            i += 1


def _shape(sub: Sub, entries: Sequence[int]) -> bytes:
    """What a cell (or a difference of two) is made of in the program: two with the same shape are one constraint,
    whatever their counts (a count of zero has a shape too)."""
    matrix = sub.model.matrix
    rows = [matrix[sub.rows[e]] for e in entries]
    row = (rows[0] - rows[1]) if len(rows) == 2 else rows[0]
    row = row.tocsr()
    row.sum_duplicates()
    row.eliminate_zeros()
    return bytes(row.indices.tobytes() + b"|" + row.data.astype(np.int8).tobytes())


def _sensitive(state: State, subs: Sequence[Sub], parts: Sequence[Part], home: dict[int, int]) -> list[Sensitive]:
    """Hidden small counts (now or earlier) and small complements of two shown cells, one per shape."""
    out: dict[tuple[int, bytes], Sensitive] = {}
    for i in sorted(state.hidden):
        if state.truth[i] < state.rules.threshold and i in home:
            k = parts[home[i]].sub
            out.setdefault((k, _shape(subs[k], [i])), Sensitive("threshold", (i,), k))
    for part in parts:
        for a, b in complements(part.atoms.matrix, part.atoms.count, state.rules.threshold):
            ea, eb = part.atoms.entries[a], part.atoms.entries[b]
            shown = ea not in state.hidden and eb not in state.hidden
            if shown and (state.entries[ea].release is None or state.entries[eb].release is None):
                # a complement must be able to be threshold - 1 or more, so that no reader can tell the group left
                # out is small; that it is at least 1 (there is such a group) tells nothing
                key = (part.sub, _shape(subs[part.sub], [ea, eb]))
                out.setdefault(key, Sensitive("complement", (ea, eb), part.sub, low_ok=True))
    return list(out.values())


def _twins(subs: Sequence[Sub], state: State) -> dict[int, list[int]]:
    """This release's cells of the same shape (the same cell in two tables), which are hidden together."""
    groups: dict[tuple[int, bytes], list[int]] = {}
    for k, sub in enumerate(subs):
        for e in sub.model.entries:
            if state.entries[e].release is None:
                groups.setdefault((k, _shape(sub, [e])), []).append(e)
    return {e: members for members in groups.values() for e in members}


def _protect(prover: Prover, state: State, sums: Sequence[Sensitive], twins: dict[int, list[int]],
             rounds: int) -> list[Sensitive]:
    """Prove every sum, suppressing more where a proof fails, until all hold or nothing more helps."""
    for _ in range(rounds):
        for s in sums:  # a complement whose two cells are both hidden is no longer published
            if s.rule == "complement" and all(e in state.hidden for e in s.entries):
                s.low_ok = s.high_ok = True
        pending = [s for s in sums if not (s.low_ok and s.high_ok)]
        for k in sorted({s.sub for s in pending}):
            prover.prove(k, [s for s in pending if s.sub == k])
        failed = [s for s in pending if not (s.low_ok and s.high_ok)]
        hide = {c: s.rule for s in failed if (c := prover.candidate(s, state.cost)) is not None}
        if _DEBUG:
            print("round", _, "pending", len(pending), "failed", len(failed), "hide", len(hide), prover.stats)
        if not hide:
            return failed
        for c, rule in hide.items():
            for twin in twins.get(c, [c]):
                if state.cost(twin) is not None:
                    state.hidden[twin] = "complement" if rule == "complement" else "differencing"
    return [s for s in sums if not (s.low_ok and s.high_ok)]


def check(microdata: Microdata, cells: Sequence[Cell], *, key: bytes, rules: Rules | None = None,
          earlier: Sequence[EarlierRelease] = (), derived: Sequence[Derived] = ()) -> Outcome:
    """Check every cell a draft release would publish, with every earlier release of the same waves.

    The rules, in order: threshold and zeros (each count under `rules.threshold`, zero alike, is hidden);
    one answer (a group whose valid answers are all one answer, or all in one answer group, has its row
    hidden); complement (of two shown cells where one's units hold the other's, a difference under the
    threshold hides the part); differencing (an integer program over every published figure, now and earlier,
    must let each hidden small count, and each small complement, take both ends of its band 0..threshold-1;
    where not, the shown cell that costs least is hidden too, and the check runs again); consistent rounding
    (each shown count rounded to `rules.base` by `analytics.disclosure`'s keyed cell key, named by the
    population and a fingerprint of the units counted: the same units, the same value, in every table and
    release). `key` is the service's secret. Derived figures are hidden when any cell they are made of is.
    """
    started = time.perf_counter()
    rules = rules or Rules()
    entries = entries_of(cells, earlier)
    populations, subs, parts = _subs(microdata, entries, cutoffs_of(earlier))
    truth, fingerprint, home = _truth(parts, len(entries))
    state = State(entries, truth, rules)
    _publish(state, earlier, fingerprint, key)
    state.hidden.update(primary(entries, truth, rules))
    for i in one_answer(entries, populations, rules):
        state.hidden.setdefault(i, "one_answer")
    sums = _sensitive(state, subs, parts, home)
    twins = _twins(subs, state)
    prover = Prover(subs, state.bounds, rules.threshold - 1, rules.solve_seconds)
    failed = _protect(prover, state, sums, twins, rules.max_rounds)
    decisions = _decisions(state, derived)
    report = _report(state, decisions, sums, failed, prover)
    return Outcome(decisions, report, [r.release_id for r in earlier], time.perf_counter() - started)


def _decisions(state: State, derived: Sequence[Derived]) -> dict[tuple, Decision]:  # type: ignore[type-arg]
    out = {}
    for i, entry in enumerate(state.entries):
        if entry.release is not None:
            continue
        ref = entry.cell.ref
        if i in state.hidden:
            out[ref] = Decision(ref, False, None, "suppressed", state.hidden[i])
        else:
            value = state.value[i]
            out[ref] = Decision(ref, True, value, "rounded" if value != state.truth[i] else None, None)
    for figure in derived:
        stopped = [out[r] for r in figure.made_of if not out[r].shown]
        out[figure.ref] = (Decision(figure.ref, False, None, "suppressed", stopped[0].rule) if stopped
                           else Decision(figure.ref, True, None, None, None))
    return out


def _report(state: State, decisions: dict[tuple, Decision], sums: Sequence[Sensitive],  # type: ignore[type-arg]
            failed: Sequence[Sensitive], prover: Prover) -> list[RuleReport]:
    reports = {rule: RuleReport(rule, text, True) for rule, text in RULES.items()}
    for decision in decisions.values():
        if decision.how is None:
            continue
        table_id, row, column = decision.ref
        rule = decision.rule or "consistent_rounding"
        reports[rule].stopped.append(Stopped(table_id, dict(row), column, decision.how, rule))
    for rule in ("complement", "differencing"):
        stuck = [s for s in failed if (s.rule == "complement") == (rule == "complement")]
        reports[rule].passed = not stuck
        if stuck:
            reports[rule].detail = "not protected: " + "; ".join(_name(state, s) for s in stuck[:10])
    stats = prover.stats
    reports["differencing"].detail = (f"{len(sums)} hidden sums, {stats.solves} LPs, {stats.integer_programs} "
                                      f"integer programs, {stats.seconds:.1f} s "
                                      "solving. " + reports["differencing"].detail).strip()
    reports["dominance"].detail = "Not applicable: every table counts responses or pairs."
    return list(reports.values())


def _name(state: State, sens: Sensitive) -> str:
    cells = [state.entries[e].cell for e in sens.entries]
    release = state.entries[sens.entries[0]].release
    text = " minus ".join(f"{c.table_id} {c.row_dict} {c.column}" for c in cells)
    return f"{text} (release {release})" if release else text
