"""`make bench`: every benchmark in bench/ in turn, each printing its own figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

FIRST = ("analytics", "report", "load", "crash")  # then any other module of bench/ that has a main()
NOT_BENCHMARKS = {"__main__", "harness", "generate", "scale"}  # scale: its own target, `make bench-scale`


def benchmarks() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])} - NOT_BENCHMARKS
    return [name for name in FIRST if name in found] + sorted(found - set(FIRST))


def main() -> int:
    failed = []
    for name in benchmarks():
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"\n== bench.{name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        started, argv = time.monotonic(), sys.argv
        sys.argv = [f"bench.{name}"]  # each main() reads its own defaults, not `make bench`'s arguments
        try:
            run()
        except (Exception, SystemExit) as exc:  # one failing benchmark must not hide the others' figures
            if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
                traceback.print_exc()
                failed.append(name)
        finally:
            sys.argv = argv
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
