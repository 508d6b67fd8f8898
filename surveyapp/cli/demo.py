"""`surveyapp demo` (`make demo`): a realistic, invented data set in a data folder of its own, then served.

Beside the 2019 baseline (published counts) it loads two waves of the repeat survey, spring 2026 and autumn
2026, a few hundred families each, through the service's own API (in process, with a clock set inside each
wave): some areas and communities reached less than their share, families who answer both waves with their
return code (and a few for a second child), responses through outreach sources, paper and phone entries by
staff, and free-text comments that say they are invented. The service then runs with SURVEYAPP_DEMO set, so
every page and file says "demo data". The data folder (default data/demo) is never the service's own ./data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from surveyapp.settings import Settings

DEMO_DIR = Path("data/demo")
LOADED = ".demo-loaded"  # written once the data set is complete: a half-loaded folder is loaded again
SPRING = {"wave_id": "2026-spring", "questionnaire_id": "send-repeat", "questionnaire_version": 1,
          "title": {"en": "Your voice: spring 2026 (demo data)"}, "opens_on": "2026-04-01", "closes_on": "2026-06-30"}
AUTUMN = "2026-autumn"  # the shipped wave (waves/definitions/waves.toml)
# Areas and communities the demo reaches less than their share, so that reach has something to show. The test
# of under-reach is conservative (exact, on rounded counts, Holm-adjusted over 13 districts), so with a few hundred
# families a district must get well under half its share to be shown as under-reached: at 0.35 to 0.5 none was.
UNDER_REACHED_LADS = {"E07000113": 0.15, "E07000114": 0.2, "E07000109": 0.2}  # Swale, Thanet, Gravesham
# Census option ids start with these (ethnic_group's asian_*, black_*, mixed_*, white_gypsy_irish_traveller).
UNDER_REACHED_GROUPS = {"asian": 0.3, "black": 0.25, "mixed": 0.5, "white_gypsy_irish_traveller": 0.2}
SOURCES = ["Invented: Oakfield School SENCO", "Invented: parent carer forum newsletter",
           "Invented: Riverside children's centre", "Invented: community paediatrics clinic"]
COMMENTS = [
    "[Invented for the demo] We waited months for the assessment and heard nothing in between.",
    "[Invented for the demo] The new SENCO has made a real difference this term.",
    "[Invented for the demo] The Local Offer pages are hard to find on a phone.",
    "[Invented for the demo] Speech therapy stopped when my son moved school.",
    "[Invented for the demo] Nobody explained what happens after the plan is agreed.",
    "[Invented for the demo] Short breaks have been a lifeline for our family.",
    "[Invented for the demo] We were listened to at the annual review for the first time.",
    "[Invented for the demo] Still waiting for a CAMHS appointment after a year.",
]


@dataclass
class _Clock:
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class _Family:
    """One invented family: where it lives and who it is, kept from one wave to the next."""

    postcode: str | None
    answers: dict[str, Any]
    mood: float
    code: str | None = None


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Invent:
    """Families and their answers, drawn from the questionnaire, the area pack and the census."""

    def __init__(self, rng: random.Random) -> None:
        from waves.areas.pack import load_area_pack
        from waves.loader import load_catalogue
        from waves.model import Likert, MultipleChoice, SingleChoice

        self.rng = rng
        questionnaire = load_catalogue().questionnaire("send-repeat", 1)
        self.singles = {q.id: [o.id for o in q.options] for q in questionnaire.questions if isinstance(q, SingleChoice)}
        self.multiples = {q.id: ([o.id for o in q.options if o.id != q.exclusive], q.exclusive)
                          for q in questionnaire.questions if isinstance(q, MultipleChoice)}
        likert = next(q for q in questionnaire.questions if isinstance(q, Likert))
        self.statements = [s.id for s in likert.statements]
        self.scored = [a.id for a in likert.answers if a.score is not None]  # strongly agree first
        self.unscored = [a.id for a in likert.answers if a.score is None]
        self.effect = {s: rng.gauss(-0.4, 0.5) for s in self.statements}
        pack = load_area_pack()
        inside = pack.districts.filter(pack.districts["in_area"])
        self.districts = {d: c * UNDER_REACHED_LADS.get(lad, 1.0) for d, lad, c in
                          inside.select("postcode_district", "lad_code", "children_0_17").iter_rows() if c}
        self.outside = pack.districts.filter(~pack.districts["in_area"])["postcode_district"].to_list()
        shares = pack.census.select("variable", "option_id", "share").rows()
        self.census = {variable: {o: s * self._under(o) for v, o, s in shares if v == variable}
                       for variable in ("ethnic_group", "religion")}

    @staticmethod
    def _under(option_id: str) -> float:
        return next((share for prefix, share in UNDER_REACHED_GROUPS.items() if option_id.startswith(prefix)), 1.0)

    def _postcode(self) -> str | None:
        draw = self.rng.random()
        if draw < 0.06:
            return None
        return self.rng.choice(self.outside) if draw < 0.1 else _weighted(self.rng, self.districts)

    def _single(self, question_id: str) -> str | None:
        if self.rng.random() < 0.07:
            return None
        shares = self.census.get(question_id)
        return _weighted(self.rng, shares) if shares else self.rng.choice(self.singles[question_id])

    def family(self) -> _Family:
        answers: dict[str, Any] = {q: a for q in self.singles if (a := self._single(q)) is not None}
        if self.rng.random() < 0.8:
            answers["respondent_role"] = _weighted(self.rng, {"parent_carer": 80, "young_person": 6,
                                                              "family_member": 6, "professional": 4, "other": 2})
        for question_id, (options, exclusive) in self.multiples.items():
            if self.rng.random() < 0.85:
                chosen = self.rng.sample(options, self.rng.choice([1, 1, 2, 2, 3]))
                answers[question_id] = [exclusive] if exclusive and self.rng.random() < 0.12 else chosen
        return _Family(self._postcode(), answers, self.rng.gauss(0, 1))

    def q7(self, family: _Family, shift: float) -> dict[str, str]:
        """Each statement answered ~88% of the time; "Don't know" ~9%; else a score from the family's mood."""
        answers = {}
        for statement in self.statements:
            draw = self.rng.random()
            if draw < 0.12:
                continue
            if draw < 0.21:
                answers[statement] = self.rng.choice(self.unscored)
                continue
            latent = family.mood + self.effect[statement] + shift + self.rng.gauss(0, 0.9)
            score = min(5, max(1, round(3 + 1.2 * latent)))
            answers[statement] = self.scored[len(self.scored) - score]
        return answers or {self.statements[0]: self.scored[-1]}


def _body(invent: _Invent, family: _Family, shift: float, sources: list[str]) -> dict[str, Any]:
    rng = invent.rng
    answers = {**family.answers, "q7": invent.q7(family, shift)}
    if rng.random() < 0.3:
        answers["q7a"] = rng.choice(COMMENTS)
    body: dict[str, Any] = {"answers": answers, "language": "en-easy" if rng.random() < 0.08 else "en"}
    if family.postcode:
        body["postcode"] = family.postcode
    if family.code:
        body["return_code"] = family.code
    if sources and rng.random() < 0.45:
        body["source"] = rng.choice(sources)
    draw = rng.random()
    if draw < 0.09:
        body["channel"] = "paper" if draw < 0.06 else "phone"
    return body


Post = Callable[[str, dict[str, Any], str | None], dict[str, Any]]


def _wave(post: Post, clock: _Clock, invent: _Invent, wave: tuple[str, dt.datetime, int], families: list[_Family],
          shift: float) -> None:
    """Sources for the wave, then its families' responses spread over its weeks (paper and phone by staff)."""
    wave_id, start, days = wave
    clock.now = start
    sources = [post(f"/api/v1/waves/{wave_id}/sources", {"name": name}, "admin")["source_id"]
               for name in SOURCES]
    for i, family in enumerate(families):
        clock.now = start + dt.timedelta(days=days * i / len(families), hours=invent.rng.randint(0, 10))
        body = _body(invent, family, shift, sources)
        sent = post(f"/api/v1/waves/{wave_id}/responses", body, "staff" if "channel" in body else None)
        family.code = family.code or sent.get("return_code")
        if family.code and invent.rng.random() < 0.04:  # a second child's answers, on the same code
            second = {**_body(invent, family, shift, sources), "child": "2", "return_code": family.code}
            post(f"/api/v1/waves/{wave_id}/responses", second, "staff" if "channel" in second else None)


def load(settings: Settings, families: int, seed: int = 2026) -> None:
    """Fill `settings.data_dir` with the demo data set, through the service's API in process."""
    from litestar.testing import TestClient

    from surveyapp.app import create_app

    clock, rng = _Clock(), random.Random(seed)  # noqa: S311 - invented answers, not secrets
    invent = _Invent(rng)
    tokens = {"admin": settings.admin_token, "staff": settings.staff_token}
    loading = msgspec.structs.replace(settings, rate_limit_per_minute=0, rate_limit_per_hour=0)
    with TestClient(create_app(loading, clock=clock), base_url="http://demo.local") as client:

        def post(path: str, body: dict[str, Any], role: str | None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            sent = client.post(path, json=body, headers=headers)
            if sent.status_code >= 400:
                raise RuntimeError(f"the demo data could not be loaded: {path} answered {sent.text}")
            answer: dict[str, Any] = sent.json()
            return answer

        post("/api/v1/admin/waves", SPRING, "admin")
        spring = [invent.family() for _ in range(families)]
        _wave(post, clock, invent, ("2026-spring", dt.datetime(2026, 4, 2, 8, tzinfo=dt.UTC), 85), spring, 0.0)
        for family in spring:  # about 40% keep their code and answer again in the autumn
            family.code = family.code if rng.random() < 0.4 else None
        autumn = [f for f in spring if f.code] + [invent.family() for _ in range(int(families * 0.8))]
        rng.shuffle(autumn)
        _wave(post, clock, invent, (AUTUMN, dt.datetime(2026, 10, 2, 8, tzinfo=dt.UTC), 60), autumn, 0.25)


def _tokens(data_dir: Path) -> dict[str, str]:
    from surveyapp.auth.tokenfile import make

    data_dir.mkdir(parents=True, exist_ok=True)
    tokens, _ = make(data_dir / "demo.env")
    return tokens


def run(args: argparse.Namespace, settings: Settings) -> int:
    data_dir = args.data_dir or DEMO_DIR
    if args.fresh or (data_dir.exists() and not (data_dir / LOADED).exists()):
        shutil.rmtree(data_dir, ignore_errors=True)
    tokens = _tokens(data_dir)
    settings = msgspec.structs.replace(
        settings, data_dir=data_dir, demo=True, admin_token=tokens["SURVEYAPP_ADMIN_TOKEN"],
        analyst_token=tokens["SURVEYAPP_ANALYST_TOKEN"], staff_token=tokens["SURVEYAPP_STAFF_TOKEN"])
    if not (data_dir / LOADED).exists():
        print(f"surveyapp demo: loading invented data into {data_dir} (once; --fresh loads it again)", flush=True)
        load(settings, args.families)
        (data_dir / LOADED).write_text("demo data loaded\n", encoding="utf-8")
    address = f"http://{settings.host}:{settings.port}"
    print(f"""surveyapp demo: DEMO DATA, all invented, in {data_dir}
  open {address}/sign-in and paste the analyst token: {tokens['SURVEYAPP_ANALYST_TOKEN']}
  then the board report {address}/results/{AUTUMN}, the tracker {address}/tracker/{AUTUMN}
  (admin and staff tokens: {data_dir / 'demo.env'}; the families' form: {address}/survey/{AUTUMN})""", flush=True)
    if args.no_serve:
        return 0
    from surveyapp.cli.serve import serve_command

    return serve_command(args, settings)


def add_demo(sub: Any) -> None:
    """Register `surveyapp demo`."""
    demo = sub.add_parser("demo", help="load an invented data set into data/demo (once) and serve it as demo data")
    demo.add_argument("--host", help="overrides SURVEYAPP_HOST (default 127.0.0.1)")
    demo.add_argument("--port", type=int, help="overrides SURVEYAPP_PORT (default 8000)")
    demo.add_argument("--families", type=int, default=320, help="families in spring 2026 (autumn: more)")
    demo.add_argument("--fresh", action="store_true", help="delete the demo folder and load it again")
    demo.add_argument("--no-serve", action="store_true", help="load (or keep) the data and print the tokens, then stop")
    demo.set_defaults(run=run)
