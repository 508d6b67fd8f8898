"""A realistic published release built by hand (the findings' tests and bench.findings read it), and a reader
that serves it in place of the releases' actions."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from analytics.compare import columns, default_scale
from analytics.reach import COLUMNS as REACH_COLUMNS
from surveyapp.domain.release import (
    ReleaseCheck,
    ReleaseDocument,
    ReleaseOut,
    ReleaseTable,
    RuleResult,
    TableSpec,
    content_hash,
    encode,
)
from surveyapp.findings.source import Reader, SaidDid
from waves.areas.pack import load_area_pack
from waves.loader import load_catalogue

WAVE, BASELINE, PREVIOUS = "2026-autumn", "baseline-2019", "2026-spring"
KENT, MEDWAY = "E10000016", "E06000035"
DOVER, SWALE = "E07000108", "E07000113"  # Dover's rows are hidden (small); Swale is under-heard
WAIT = "assessment_wait"  # 4 in 10 now, 1 in 10 in 2019: a rise the interval is sure of


def _statements() -> dict[str, str]:
    repeat = load_catalogue().questionnaire("send-repeat", 1)
    likert = repeat.question("q7")
    return {s.id: s.text["en"] for s in likert.statements}  # type: ignore[union-attr]


def _compare_row(rng: random.Random, level: str, code: str, name: str, sid: str, against: str, *,
                 hidden: str | None = None) -> dict[str, Any]:
    cols = columns(default_scale())
    row: dict[str, Any] = dict.fromkeys(cols)
    row.update(wave_id=WAVE, baseline_id=against, area_level=level, area_code=code, area_name=name, statement_id=sid,
               baseline_area_code=KENT if level != "lad" else code, suppressed=hidden is not None, hidden=hidden)
    if hidden:
        return row
    n = rng.randint(40, 400)
    share = 0.42 if sid == WAIT else rng.uniform(0.2, 0.6)
    then = 0.12 if sid == WAIT else share + rng.uniform(-0.04, 0.04)
    spread = 0.08 if sid == WAIT else rng.choice((0.05, 0.2))
    delta = share - then
    row.update(n_valid=n, n_dont_know=rng.randint(0, 30), share_agree=round(share, 4),
               share_disagree=round(1 - share, 4),
               share_agree_ci_low=round(share - 0.05, 4), share_agree_ci_high=round(share + 0.05, 4),
               baseline_n_valid=600, baseline_share_agree=round(then, 4), delta_share_agree=round(delta, 4),
               delta_ci_low=round(delta - spread, 4), delta_ci_high=round(delta + spread, 4),
               p_value=0.001 if sid == WAIT else 0.4, q_value=0.01 if sid == WAIT else 0.5)
    if code == MEDWAY and against == BASELINE:  # 2019 did not cover Medway: nothing to compare it with
        row.update(dict.fromkeys(("baseline_area_code", "baseline_n_valid", "baseline_share_agree",
                                  "delta_share_agree", "delta_ci_low", "delta_ci_high", "p_value", "q_value")))
    return row


def _compare(level: str, against: str, title: str, areas: list[tuple[str, str]]) -> ReleaseTable:
    rng = random.Random(f"{level}-{against}")
    spec = TableSpec(f"compare-{level}-vs-{'baseline' if against == BASELINE else 'previous'}", "compare", level,
                     "baseline" if against == BASELINE else "previous",
                     stages=("final",) if level == "lad" else ("interim", "final"))
    rows = [_compare_row(rng, level, code, name, sid, against, hidden="small" if code == DOVER else None)
            for code, name in areas for sid in _statements()]
    return ReleaseTable(spec, f"Question 7 by {level}, against {title}", against, title,
                        [*columns(default_scale()), "hidden"], rows,
                        note="Kent only: the 2019 survey did not cover Medway" if against == BASELINE else "")


def _reach(level: str, groups: list[tuple[str, str, float | None, bool]]) -> ReleaseTable:
    rows = []
    for code, name, ratio, hidden in groups:
        row: dict[str, Any] = dict.fromkeys(REACH_COLUMNS)
        row.update(wave_id=WAVE, area_level=level, area_code=code, area_name=name, suppressed=hidden,
                   hidden="small" if hidden else None)
        if not hidden and ratio is not None:
            row.update(responses=int(60 * ratio), representation_ratio=ratio, ratio_ci_low=ratio - 0.1,
                       ratio_ci_high=ratio + 0.1, p_adjusted=0.001 if ratio < 0.7 else 0.6,
                       under_reached=ratio < 0.7,
                       reach_status="under-reached" if ratio < 0.7 else "not under-reached")
        rows.append(row)
    return ReleaseTable(TableSpec(f"reach-{level}", "reach", level), f"Who answered, by {level}", None, None,
                        [*REACH_COLUMNS, "hidden"], rows)


def sample_document(release_id: str = "2026-autumn-final-1", *, stage: str = "final",
                    headline: str = "all") -> ReleaseDocument:
    """A final release of 2026-autumn: question 7 overall, by UTLA and by LAD against 2019 and spring 2026,
    reach by LAD and by ethnic group. `headline="utla"`: as the releases' default plan has it, no whole-area
    table against 2019, only Kent's and Medway's (Medway with nothing to compare)."""
    lads = load_area_pack().lads
    lad_areas = list(zip(lads["lad_code"].to_list(), lads["lad_name"].to_list(), strict=True))
    tables = [_compare("all", BASELINE, "Your voice 2019 (baseline)", [("all", "Kent and Medway")])]
    if headline != "all":
        tables = []
    tables += [_compare("all", PREVIOUS, "Your voice: spring 2026", [("all", "Kent and Medway")]),
              _compare("utla", BASELINE, "Your voice 2019 (baseline)", [(KENT, "Kent"), (MEDWAY, "Medway")])]
    if stage == "final":
        tables.append(_compare("lad", BASELINE, "Your voice 2019 (baseline)", lad_areas))
    tables += [_reach("lad", [(code, name, 0.5 if code == SWALE else 1.0, code == DOVER) for code, name in lad_areas]),
               _reach("ethnic_group_broad", [("white", "White", 1.05, False), ("asian", "Asian", 0.34, False),
                                             ("other", "Other", None, True)])]
    check = ReleaseCheck(True, [RuleResult("threshold", "no figure rests on fewer than 10 responses", True)], [])
    made = dt.datetime(2027, 4, 2, 9, 0, tzinfo=dt.UTC)
    return ReleaseDocument(release_id, WAVE, "Your voice: autumn 2026", "send-repeat", stage,  # type: ignore[arg-type]
                           1, made, made, 1230, BASELINE, PREVIOUS, tables, check, _statements())


def release_out(document: ReleaseDocument, *, withdrawn: bool = False,
                published_at: dt.datetime | None = None) -> ReleaseOut:
    published = published_at or dt.datetime(2027, 4, 3, 9, 0, tzinfo=dt.UTC)
    return ReleaseOut(document.release_id, document.wave_id, document.stage, document.version,
                      "withdrawn" if withdrawn else "published", content_hash(encode(document)), published,
                      published + dt.timedelta(days=2) if withdrawn else None,
                      "Withdrawn: a table counted some paper answers twice. A corrected release follows." if withdrawn
                      else "", document)


class SampleReader(Reader):
    """Serves the releases and entries it is given, as the actions would."""

    def __init__(self, releases: list[ReleaseOut], entries: list[SaidDid] | None = None) -> None:
        self.releases, self.said = releases, entries or []

    def published(self, services: Any) -> list[ReleaseOut]:
        return list(self.releases)

    def document(self, services: Any, release: ReleaseOut) -> ReleaseDocument:
        return release.document

    def entries(self, services: Any, questionnaire_id: str) -> list[SaidDid]:
        return list(self.said)


ENTRIES = [SaidDid(WAIT, "under_way", "We are adding two assessment teams, so fewer families wait over 20 weeks.",
                   dt.date(2027, 3, 1)),
           SaidDid(None, "changed", "We went to Swale's family hubs and Asian community groups with paper forms.",
                   dt.date(2027, 2, 10))]


def publish(server: Any, releases: list[ReleaseOut], entries: list[SaidDid] | None = None) -> SampleReader:
    """Give the app's findings these releases (newest first) and entries, as the releases' actions would."""
    reader = SampleReader(releases, ENTRIES if entries is None else entries)
    server.app.state.findings.reader = reader
    server.app.state.findings.frozen.clear()
    return reader
