"""`make bench`: run every bench/bench_*.py, print a table, write bench/results.json.
`python -m bench soak [--minutes M]` runs the memory soak instead (bench/soak.py), `python -m bench
instances [--minutes M]` several instances on one PostgreSQL (bench/instances_report.py), `python -m
bench backtest [--minutes M]` the recording and replay figures (bench/bench_backtest.py), `python -m
bench crash [--kills N] [--seed S]` the kill -9 crash matrix for live trades (bench/crash.py)."""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
FIELDS = ("name", "value", "unit", "baseline", "ratio", "goal", "met")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str]) -> int:
    if argv[:1] == ["soak"]:
        from bench.soak import main as soak

        return soak(argv[1:])
    if argv[:1] == ["backtest"] and argv[1:]:
        from bench.bench_backtest import main as backtest

        return backtest(argv[1:])
    if argv[:1] == ["crash"]:
        from bench.crash import main as crash

        return crash(argv[1:])
    if argv[:1] == ["instances"]:
        from bench.instances_report import main as instances

        return instances(argv[1:])
    only = set(argv)
    results: list[dict[str, Any]] = []
    failed = False
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only and path.stem.removeprefix("bench_") not in only:
            continue
        started = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench.{path.stem}")
            entries = mod.run()
        except Exception:
            failed = True
            traceback.print_exc()
            results.append({"name": path.stem, "error": traceback.format_exc(limit=3)})
            continue
        for entry in entries:
            entry.setdefault("baseline", None)
            entry.setdefault("ratio", None)
            entry.setdefault("met", None)
            entry["module"] = path.stem
            entry["seconds"] = round(time.perf_counter() - started, 3)
            results.append(entry)
    table = Table(title="dexbot benchmarks")
    for f in FIELDS:
        table.add_column(f, justify="right" if f in ("value", "baseline", "ratio") else "left")
    for r in results:
        if "error" in r:
            table.add_row(r["name"], "[red]error[/]", "", "", "", "", "")
        else:
            table.add_row(*(_fmt(r.get(f)) for f in FIELDS))
    Console(width=max(140, Console().width)).print(table)
    path = HERE / "results.json"
    if only and path.exists():  # a partial run updates its own entries and keeps the others
        ran = {r.get("module") for r in results} | {r["name"] for r in results if "error" in r}
        try:
            kept = [r for r in json.loads(path.read_text()) if r.get("module") not in ran]
        except (ValueError, OSError):
            kept = []
        results = kept + results
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
