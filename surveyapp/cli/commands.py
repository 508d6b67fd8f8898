"""The CLI's data commands: waves, sources, export, backup, the analyses, tracker and report, each a request to
the API (`surveyapp.cli.client`); and restore, which works on the file itself with the service stopped."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from surveyapp.actions.schemas import BackupOut, SourceIn, SourceOut, WaveIn, WaveOut
from surveyapp.cli.accounts import add_accounts
from surveyapp.cli.audit import add_audit
from surveyapp.cli.client import open_client, segment
from surveyapp.cli.releases import add_release
from surveyapp.cli.restore import add_restore
from surveyapp.cli.themes import add_themes
from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any


_OPTIONS = {"opens_on": "--opens", "closes_on": "--closes", "questionnaire_id": "--questionnaire",
            "questionnaire_version": "--questionnaire-version", "title": "--title"}


def _new_wave(args: argparse.Namespace) -> WaveIn:
    """The admin API's body, checked here by its own schema first: a bad date or id names its option."""
    try:
        return msgspec.convert({"wave_id": args.wave_id, "questionnaire_id": args.questionnaire,
                                "questionnaire_version": args.questionnaire_version, "title": {"en": args.title},
                                "opens_on": args.opens, "closes_on": args.closes}, WaveIn)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        field = where.rstrip("`").split(".")[0]
        raise ValueError(f"{_OPTIONS.get(field, field)}: {message}") from None


def _waves(args: argparse.Namespace, settings: Settings) -> int:
    new = msgspec.to_builtins(_new_wave(args)) if args.action == "create" else None  # checked before connecting
    with open_client(settings) as api:
        if args.action == "list":
            rows = api.decode(list[WaveOut], "GET", "/api/v1/waves")
            print(f"{'wave':<20} {'status':<10} {'opens':<11} {'closes':<11} title")
            for w in rows:
                print(f"{w.wave_id:<20} {w.status:<10} {w.opens_on!s:<11} {w.closes_on!s:<11} {w.title}")
        elif args.action == "create":
            wave = api.decode(WaveOut, "POST", "/api/v1/admin/waves", "admin", json=new)
            print(f"created {wave.wave_id}: {wave.status}")
        else:  # open or close
            wave = api.decode(WaveOut, "POST", f"/api/v1/admin/waves/{segment(args.wave_id)}/{args.action}", "admin")
            print(f"{wave.wave_id} is now {wave.status}")
    return 0


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    sources = f"/api/v1/waves/{segment(args.wave)}/sources"
    one = f"{sources}/{segment(args.source_id)}" if hasattr(args, "source_id") else sources
    with open_client(settings) as api:
        if args.action == "list":
            print(f"{'source':<9} {'status':<8} {'responses':<14} {'name':<40} link")
            for s in api.decode(list[SourceOut], "GET", sources, "admin"):
                print(f"{s.source_id:<9} {s.status:<8} {s.responses_band:<14} {s.name:<40} {s.url}")
            return 0
        if args.action in ("qr", "poster"):
            suffix = args.out.suffix.lower()
            kind = ("qr.svg" if suffix == ".svg" else "qr.png") if args.action == "qr" else \
                ("poster.pdf" if suffix == ".pdf" else "poster")
            _write(api.request("GET", f"{one}/{kind}", "admin").content, args.out)
            return 0
        named = msgspec.to_builtins(SourceIn(name=args.name)) if args.action in ("create", "rename") else None
        source = (api.decode(SourceOut, "POST", sources, "admin", json=named) if args.action == "create" else
                  api.decode(SourceOut, "PATCH", one, "admin", json=named) if args.action == "rename" else
                  api.decode(SourceOut, "POST", f"{one}/retire", "admin"))
    print(f"{source.source_id} {source.status}: {source.name} {source.url}")
    if source.note:
        print(source.note)
    return 0


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        print(f"wrote {out} ({len(data):,} bytes)", file=sys.stderr)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    waves = args.waves or args.wave
    params = [("waves", waves), ("format", args.format), *(("filter", f) for f in args.filter or ())]
    with open_client(settings) as api:
        _write(api.request("GET", "/api/v1/export", "analyst", params=params).content, args.out)
        if args.out is not None and args.format in ("csv", "sav", "dta"):
            dictionary = api.request("GET", "/api/v1/export/dictionary", "analyst",
                                     params={"waves": waves, "format": "csv"})
            _write(dictionary.content, args.out.with_name(args.out.stem + "-dictionary.csv"))
    return 0


def _baseline(args: argparse.Namespace, settings: Settings) -> int:
    with open_client(settings) as api:
        _write(api.request("GET", "/api/v1/export/baseline", "analyst", params={"format": args.format}).content,
               args.out)
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    with open_client(settings) as api:
        made = api.decode(BackupOut, "POST", "/api/v1/admin/backup", "admin")
    path = Path(made.path)
    if args.out is not None:  # the service runs on this machine: move its copy where asked, the key beside it
        import shutil

        from surveyapp.store import backup_key_path

        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, args.out)
        if backup_key_path(path).exists():
            shutil.move(backup_key_path(path), backup_key_path(args.out))
        path = args.out
    print(f"backup written to {path}")
    return 0


TABLE_COLUMNS = {  # what fits a terminal; every column is in --format csv, json, parquet and xlsx
    "compare": ["area_name", "statement_id", "n_valid", "share_agree", "share_agree_ci_low", "share_agree_ci_high",
                "baseline_share_agree", "delta_share_agree", "q_value", "publishable"],
    "cohort": ["area_name", "statement_id", "n_pairs", "share_improved", "share_same", "share_worse", "mean_change",
               "p_value", "publishable"],
    "reach": ["wave_id", "area_name", "responses", "response_share", "expected_share", "representation_ratio",
              "ratio_ci_low", "ratio_ci_high", "under_reached", "publishable"],
}


def _analysis(args: argparse.Namespace, settings: Settings) -> int:
    import polars as pl

    from surveyapp.actions.analyses import AnalysisRequest

    request = AnalysisRequest(kind=args.kind, wave=args.wave, baseline=getattr(args, "baseline", None),
                              by=getattr(args, "by", None), weighted=bool(getattr(args, "weighted", False)),
                              targets=getattr(args, "targets", None) or "children",
                              against=getattr(args, "against", None), pooled=int(getattr(args, "pooled", 1)),
                              filters=tuple(args.filter or ()))
    path = f"/api/v1/waves/{segment(request.wave)}/{request.kind}"
    with open_client(settings) as api:
        if args.format != "table":
            _write(api.request("GET", path, "analyst", params=[*request.query(), ("format", args.format)]).content,
                   args.out)
            return 0
        frame = api.frame(path, "analyst", request.query())
    frame = frame.select(c for c in TABLE_COLUMNS[args.kind] if c in frame.columns)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, float_precision=3, tbl_hide_dataframe_shape=True,
                   fmt_str_lengths=40, tbl_hide_column_data_types=True):
        print(frame)
    return 0


TRACKER_COLUMNS = ["area_name", "responses_band", "expected_responses", "shortfall", "reach_status"]


def _tracker(args: argparse.Namespace, settings: Settings) -> int:
    import polars as pl

    path, params = f"/api/v1/waves/{segment(args.wave)}/tracker", {"by": args.by, "table": args.table}
    with open_client(settings) as api:
        if args.format != "table":
            _write(api.request("GET", path, "analyst", params={**params, "format": args.format}).content, args.out)
            return 0
        frame = api.frame(path, "analyst", params)
    from analytics.tracker import tracker_headline

    if args.table == "daily":  # per channel, then per source: a day per row (newest first), a column each
        tables = [(f"Responses per UK day by {part}", frame.filter(pl.col("breakdown") == part).pivot(
            on="name", index="date", values="responses_band").sort("date", descending=True))
            for part in ("channel", "source")]
    else:
        tables = [(tracker_headline(frame, by=args.by),
                   frame.select(c for c in TRACKER_COLUMNS if c in frame.columns))]
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True, fmt_str_lengths=40,
                   tbl_hide_column_data_types=True):
        for heading, table in tables:
            print(heading)
            print(table)
    return 0


def _add_analysis(sub: SubParsers, kind: str, help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(kind, help=help_text)
    parser.add_argument("--wave", required=True)
    parser.add_argument("--format", choices=["table", "csv", "json", "parquet", "xlsx"], default="table")
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--filter", action="append", metavar="QUESTION:OPTION[,OPTION]",
                        help="keep responses that chose one of these options, e.g. "
                             "respondent_role:parent_carer,young_person; repeat for more (all must hold)")
    parser.set_defaults(run=_analysis, kind=kind)
    return parser


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    params = {"pdf": "true" if args.pdf else "false", **({"baseline": args.baseline} if args.baseline else {})}
    with open_client(settings) as api, tqdm(unit="step", desc="report", file=sys.stderr) as bar:
        bar.set_description("the service is writing the report")
        pack = api.request("GET", f"/api/v1/waves/{segment(args.wave)}/report.zip", "analyst", params=params)
        page = _unpack(pack.content, args.out, bar)
    print(f"report written to {page}")
    if args.pdf:
        from surveyapp.render.report import PdfError, print_pdf

        if page.with_suffix(".pdf").exists():  # the service printed it into the pack it sent
            print(f"PDF written to {page.with_suffix('.pdf')}")
            return 0
        try:
            print(f"PDF written to {print_pdf(page, page.with_suffix('.pdf'))}")
        except PdfError as exc:
            print(f"pdf: {exc}", file=sys.stderr)
            return 1
    return 0


def _unpack(pack: bytes, out_dir: Path, bar: Any) -> Path:
    """The board pack the API made (report.html, charts, figures.csv, report.pdf if asked and printed), written
    into out_dir, replacing an earlier run's report.pdf."""
    import io
    import zipfile

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.pdf").unlink(missing_ok=True)  # an earlier run's: report.pdf is this pack's, if any
    with zipfile.ZipFile(io.BytesIO(pack)) as files:
        names = files.namelist()
        for name in names:
            if not (out_dir / name).resolve().is_relative_to(out_dir.resolve()):
                raise ValueError(f"the report pack holds an unexpected path {name!r}")
        files.extractall(out_dir)
    bar.total = len(names)
    bar.update(len(names))
    return out_dir / "report.html"


def _add_waves(sub: SubParsers) -> None:
    """`surveyapp waves list|create|open|close`."""
    waves = sub.add_parser("waves", help="list, create, open or close waves")
    actions = waves.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every wave with its status")
    for verb in ("open", "close"):
        p = actions.add_parser(verb, help=f"{verb} a wave now, whatever its dates say")
        p.add_argument("wave_id")
    create = actions.add_parser("create", help="create a responses wave")
    create.add_argument("wave_id")
    create.add_argument("--title", required=True)
    create.add_argument("--opens", required=True, help="YYYY-MM-DD")
    create.add_argument("--closes", required=True, help="YYYY-MM-DD")
    create.add_argument("--questionnaire", default="send-repeat")
    create.add_argument("--questionnaire-version", type=int, default=1)
    waves.set_defaults(run=_waves)


def _add_sources(sub: SubParsers) -> None:
    """`surveyapp sources list|create|rename|retire|qr|poster`."""
    sources = sub.add_parser("sources", help="outreach sources: the partners who pass a wave's survey on")
    verbs = sources.add_subparsers(dest="action", required=True)
    for verb, what in (("list", "the wave's sources, their links and responses so far (rounded)"),
                       ("create", "register a partner; prints its link"), ("rename", "give a source a new name"),
                       ("retire", "its link still opens the form, but responses are then stored without it"),
                       ("qr", "its QR code: --out FILE.svg or FILE.png"),
                       ("poster", "its A4 poster: --out FILE.html or FILE.pdf (Chromium prints the PDF)")):
        p = verbs.add_parser(verb, help=what)
        p.add_argument("--wave", required=True)
        if verb != "list" and verb != "create":
            p.add_argument("source_id")
        if verb in ("create", "rename"):
            p.add_argument("name", help="1 to 80 characters, unique in the wave, e.g. 'Oakfield School SENCO'")
        if verb in ("qr", "poster"):
            p.add_argument("--out", type=Path, required=True)
    sources.set_defaults(run=_sources)


def _add_export(sub: SubParsers) -> None:
    """`surveyapp export`."""
    export = sub.add_parser("export", help="export responses, one row per response, one wave or several stacked")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--waves", help="all, or wave ids separated by commas (stacked, with wave_id)")
    which.add_argument("--wave", help="one wave (the same as --waves with one id)")
    export.add_argument("--format", choices=["csv", "parquet", "xlsx", "sav", "dta"], default="csv",
                        help="sav: SPSS, dta: Stata, both with variable and value labels")
    export.add_argument("--filter", action="append", metavar="QUESTION:OPTION[,OPTION]",
                        help="keep responses that chose one of these options, e.g. "
                             "respondent_role:parent_carer,young_person; repeat for more (all must hold)")
    export.add_argument("--out", type=Path, help="file to write (default: standard output); CSV, SPSS and Stata "
                                                 "also write <name>-dictionary.csv beside it")
    export.set_defaults(run=_export)


def _add_baseline(sub: SubParsers) -> None:
    """`surveyapp baseline`."""
    baseline = sub.add_parser("baseline", help="the 2019 baseline's published Q7 counts, one row per statement "
                                               "and answer, to put beside a wave")
    baseline.add_argument("--format", choices=["csv", "parquet", "xlsx"], default="csv")
    baseline.add_argument("--out", type=Path, help="file to write (default: standard output)")
    baseline.set_defaults(run=_baseline)


def _add_backup(sub: SubParsers) -> None:
    """`surveyapp backup`."""
    backup = sub.add_parser("backup", help="write a consistent copy of the database, even while serving")
    backup.add_argument("--out", type=Path, help="file to write (default: <data dir>/backups/surveyapp-<time>.duckdb)")
    backup.set_defaults(run=_backup)


def _add_analyses(sub: SubParsers) -> None:
    """`surveyapp compare, cohort and reach`."""
    compare = _add_analysis(sub, "compare", "Q7 by area or group against the baseline, with intervals")
    compare.add_argument("--baseline", help="wave to compare with (default: the aggregate baseline)")
    compare.add_argument("--by", default="all", help="all, lad, district, or a single or multiple choice "
                                                  "question id, e.g. send_status")
    compare.add_argument("--weighted", action="store_true", help="weight to each LAD's share of children 0-17")
    compare.add_argument("--targets", choices=("children", "ehc_plans"), default="children",
                         help="with --weighted: children 0-17 by LAD, or EHC plans by upper-tier authority")
    cohort = _add_analysis(sub, "cohort", "same-family change since an earlier wave (linked by return code)")
    cohort.add_argument("--against", required=True, help="the earlier wave")
    cohort.add_argument("--by", default="all", help="all, lad, district, or a question id: one table per area or "
                                                    "group (of the later answer)")
    reach = _add_analysis(sub, "reach", "who answered, against the children and Census populations")
    reach.add_argument("--by", default="lad", help="lad, or a question id: ethnic_group, ethnic_group_broad, religion, "
                                                     "send_status")
    reach.add_argument("--pooled", type=int, default=1, help="add up the last N response waves (small groups)")


def _add_tracker(sub: SubParsers) -> None:
    """`surveyapp tracker`."""
    tracker = sub.add_parser("tracker", help="the live tracker: responses so far by area with each one's shortfall, "
                                             "or by source or channel; or responses per day")
    tracker.add_argument("--wave", required=True)
    tracker.add_argument("--by", default="lad", help="lad, district, a question id (e.g. ethnic_group_broad), "
                                                     "source or channel")
    tracker.add_argument("--table", choices=["groups", "daily"], default="groups",
                         help="groups (default) or daily: responses per UK day by channel and source")
    tracker.add_argument("--format", choices=["table", "csv", "json", "parquet", "xlsx"], default="table")
    tracker.add_argument("--out", type=Path, help="file to write (default: standard output)")
    tracker.set_defaults(run=_tracker)


def _add_report(sub: SubParsers) -> None:
    """`surveyapp report`."""
    report = sub.add_parser("report", help="the board pack: report.html, charts (SVG and PNG) and figures.csv")
    report.add_argument("--wave", required=True)
    report.add_argument("--baseline", help="wave to compare with (default: the aggregate baseline)")
    report.add_argument("--out", type=Path, required=True, help="folder to write into")
    report.add_argument("--pdf", action="store_true", help="also print report.pdf (A4) with headless Chromium")
    report.set_defaults(run=_report)


def add_commands(sub: SubParsers) -> None:
    """Register the data commands on the CLI's subparsers, in the order `--help` lists them."""
    for add in (_add_waves, _add_sources, _add_export, _add_baseline, _add_backup, _add_analyses, _add_tracker,
                add_themes, _add_report, add_release, add_accounts, add_restore, add_audit):
        add(sub)
