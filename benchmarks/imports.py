"""What importing scraper's parts costs, each in a fresh interpreter: time, memory, and
which heavy libraries come along.

An extraction process (a crawl's pool, reextract's, a cluster worker) imports
``scraper.extraction`` and nothing else it needs; the command line imports more. Run::

    python -m benchmarks.imports              # best and median of 7 runs each
    python -m benchmarks.imports --runs 21 scraper.extraction

Wall time is measured around the whole interpreter (``python -c "import X"``), so the
interpreter's own start-up is in it; ``python -c pass`` is shown as the floor.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

MODULES = ["scraper.extraction", "scraper", "scraper.pipeline", "scraper.archive", "scraper.fetching", "scraper.cli"]
HEAVY = ["requests", "urllib3", "sqlite_utils", "sqlite3", "pandas", "numpy", "dask", "distributed", "click",
         "scraper.archive", "scraper.fetching"]

_PROBE = """
import json, resource, sys
{statement}
print(json.dumps({{"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def measure(module: str | None, runs: int) -> dict[str, object]:
    """Best and median wall time of a fresh interpreter importing ``module`` (None: nothing)."""
    statement = f"import {module}" if module else "pass"
    code = _PROBE.format(statement=statement, heavy=HEAVY)
    times = []
    info: dict[str, object] = {}
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - started)
        info = json.loads(done.stdout)
    return {"module": module or "(python -c pass)", "best_s": min(times), "median_s": statistics.median(times),
            **info}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=MODULES)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="one JSON object per module")
    args = parser.parse_args(argv)
    rows = [measure(None, args.runs)] + [measure(m, args.runs) for m in args.modules]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    print(f"{'import':<22} {'best':>7} {'median':>7} {'peak RSS':>9}  heavy modules loaded")
    for row in rows:
        loaded = ", ".join(row["loaded"]) or "-"  # type: ignore[arg-type]
        print(f"{row['module']:<22} {row['best_s']:>6.3f}s {row['median_s']:>6.3f}s {row['rss_mb']:>7.1f}MB  {loaded}")


if __name__ == "__main__":
    main()
