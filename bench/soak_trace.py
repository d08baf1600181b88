"""`python -m bench soak --tracemalloc DIR` runs dexbot through this module: tracemalloc on from the first
import, a snapshot written to DIR every ``DEXBOT_SOAK_TRACE_EVERY_S`` seconds, then the CLI as usual.
``top_growth`` compares two snapshots, so a soak can say *which lines* hold the memory that kept coming
after the warm-up instead of only that RSS rose. Tracing slows dexbot down; use it to find a leak, not
to measure the slope."""

from __future__ import annotations

import os
import runpy
import sys
import threading
import tracemalloc
from pathlib import Path

FRAMES = 6


def _dump_every(out: Path, every_s: float) -> None:
    stop = threading.Event()
    n = 0
    while not stop.wait(every_s):
        tracemalloc.take_snapshot().dump(str(out / f"snap{n:03d}.tracemalloc"))
        n += 1


def top_growth(before: Path, after: Path, limit: int = 15) -> list[str]:
    """The ``limit`` allocation sites that grew most from ``before`` to ``after`` (by traceback)."""
    old = tracemalloc.Snapshot.load(str(before))
    new = tracemalloc.Snapshot.load(str(after))
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    stats = new.filter_traces(ignore).compare_to(old.filter_traces(ignore), "traceback")
    lines = []
    for stat in stats[:limit]:
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback][-3:]
        lines.append(
            f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  {' < '.join(reversed(frames))}"
        )
    return lines


def main() -> None:
    out = Path(os.environ["DEXBOT_SOAK_TRACE_DIR"])
    every_s = float(os.environ.get("DEXBOT_SOAK_TRACE_EVERY_S", "60"))
    tracemalloc.start(FRAMES)
    threading.Thread(target=_dump_every, args=(out, every_s), daemon=True).start()
    sys.argv = ["dexbot", *sys.argv[1:]]
    runpy.run_module("dexbot.cli.main", run_name="__main__")


if __name__ == "__main__":
    main()
