"""`surveyapp restore`: a backup back in place of the database (the service stopped), or with `--check` into a
scratch folder only, compared with the backup's manifest."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from surveyapp.settings import Settings

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from surveyapp.store import restore

    if args.check:
        return _restore_check(args)
    restore(args.backup, settings.database_path, settings.secret_key_path)
    # Who: the command line's user (the service is stopped: no role signs a restore in).
    logging.getLogger("surveyapp.audit").info("restore by %s (command line): %s", getpass.getuser(), args.backup.name,
                                               extra={"action": "restore", "role": "command line",
                                                      "who": getpass.getuser()})
    print(f"restored {args.backup} to {settings.database_path}, with its return-code key")
    return 0


def _restore_check(args: argparse.Namespace) -> int:
    """`surveyapp restore --check FILE`: restored into a scratch folder and compared with its manifest."""
    from surveyapp.store.restorecheck import check_restore

    found = check_restore(args.backup, key=args.key, scratch=args.scratch)
    for table, figures in found.tables.items():
        print(f"{table}: {figures['rows']} rows")
    for note in found.notes:
        print(f"note: {note}")
    if found.upgraded:
        print(f"this release would upgrade it with {', '.join(found.upgraded)}")
    if found.problems:
        print(f"{args.backup} does NOT restore as it was made:", *found.problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{args.backup} restores as it was made: its SHA-256 and every table's rows and checksum match its "
          "manifest (the live database was not touched)")
    return 0


def add_restore(sub: SubParsers) -> None:
    """`surveyapp restore`."""
    restore = sub.add_parser("restore", help="replace the database with a backup (stop the service first)")
    restore.add_argument("backup", type=Path)
    restore.add_argument("--check", action="store_true",
                         help="only restore into a scratch folder and compare rows and checksums with the backup's "
                              "manifest; the live data are not touched (the service may run)")
    restore.add_argument("--key", type=Path, help="with --check: the backup's return-code key, when it is not "
                                                  "beside the backup")
    restore.add_argument("--scratch", type=Path, help="with --check: where to make the scratch folder (default: "
                                                      "the system's temporary folder)")
    restore.set_defaults(run=_restore)
