"""`python -m bench instances [--minutes M]`: three instances (alpha live, beta and gamma paper) trade one
devnet into one throwaway PostgreSQL for M minutes (2 by default). Halfway, alpha is killed with SIGKILL
and delta takes over its wallet. It prints the rows each instance wrote per table, the rows crossing
instances (a position or trade whose instance is not its account's: must be 0), whether each instance
stored exactly the trades it announced, and the lock checks (a second engine on a wallet, or of a paper
instance, refused with the holder named; the wallet free again after the kill). Not part of `make bench`;
it writes bench/instances_results.json. Exit 1 when a check fails."""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.instances import DEV1, TABLES, Fleet, Proc, fleet, instance_refusal, printed_ids, refusal, rows

HERE = Path(__file__).resolve().parent


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or max(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), default=None)
    if found is None:
        raise SystemExit(f"{name} not found: install the PostgreSQL server (make system-deps)")
    return found


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on loopback (as the test suite starts one), its URL."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if root else []
    base = Path(tempfile.mkdtemp(prefix="dexbot-bench-pg-"))
    if root:
        shutil.chown(base, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    data = base / "data"
    subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "dexbot", "--no-sync"], check=True,
                   capture_output=True)  # fmt: skip
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://dexbot@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _check(checks: list[tuple[str, bool, str]], name: str, ok: bool, detail: str = "") -> None:
    checks.append((name, ok, detail))
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def _refusals(f: Fleet, alpha: Proc, beta: Proc, checks: list[tuple[str, bool, str]]) -> None:
    code, _, err = f.refused("delta", "live")
    want = refusal("alpha", alpha.pid, f"wallet {DEV1}")
    _check(
        checks,
        "second engine on alpha's wallet refused (exit 2)",
        (code, err.strip()) == (2, want),
        err.strip(),
    )
    code, _, err = f.refused("beta")
    want = instance_refusal("beta", beta.pid)
    _check(checks, "second engine of instance beta refused (exit 2)", (code, err.strip()) == (2, want))


def run(minutes: float, root: Path, db_url: str) -> dict[str, Any]:
    checks: list[tuple[str, bool, str]] = []
    with fleet(root, db_url) as f:
        alpha, beta, gamma = f.start("alpha", "live"), f.start("beta"), f.start("gamma")
        for proc in (alpha, beta, gamma):
            proc.running()
        began = time.monotonic()
        _refusals(f, alpha, beta, checks)
        time.sleep(max(0.0, began + minutes * 30 - time.monotonic()))  # the first half of the run
        killed_at = max(proc.last_block() for proc in (beta, gamma))
        alpha.kill9()
        killed = time.monotonic()
        delta = f.start("delta", "live")
        delta.running()
        takeover_s = time.monotonic() - killed
        _check(
            checks,
            "after kill -9 of alpha, delta trades its wallet",
            True,
            f"running {takeover_s:.1f} s later",
        )
        after = {p.name: p.thought_after(killed_at) for p in (beta, gamma)}
        _check(checks, "beta and gamma keep deciding after the kill", True, f"blocks {after} > #{killed_at}")
        time.sleep(max(0.0, began + minutes * 60 - time.monotonic()))
        codes = {p.name: p.stop() for p in (beta, gamma, delta)}
        _check(checks, "beta, gamma and delta stop cleanly", set(codes.values()) == {0}, str(codes))
        got = rows(db_url)
    _check(checks, "rows crossing instances", not any(got.crossing.values()), str(got.crossing))
    for proc in (beta, gamma, delta):
        same = printed_ids(proc, "TradeFilled", "trade_id") == got.trade_ids.get(proc.name, set())
        _check(checks, f"{proc.name} stored exactly the trades it announced", same)
    partial = printed_ids(alpha, "TradeFilled", "trade_id") <= got.trade_ids.get("alpha", set())
    _check(checks, "alpha (killed) stored every trade it announced", partial)
    return {
        "minutes": minutes,
        "rows": got.per_instance,
        "crossing": got.crossing,
        "takeover_s": round(takeover_s, 2),
        "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in checks],
    }


def report(result: dict[str, Any]) -> None:
    table = Table(title=f"instances: {result['minutes']:g} min on one PostgreSQL (alpha killed halfway)")
    table.add_column("instance")
    for t in TABLES:
        table.add_column(t, justify="right")
    for inst, counts in sorted(result["rows"].items()):
        table.add_row(inst, *(str(counts[t]) for t in TABLES))
    console = Console(width=max(140, Console().width))
    console.print(table)
    console.print(f"rows crossing instances: {sum(result['crossing'].values())}")
    failed = [c["check"] for c in result["checks"] if not c["ok"]]
    console.print(f"[bold]{'PASS' if not failed else 'FAIL: ' + '; '.join(failed)}[/]")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench instances", description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0, help="how long to run (default 2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dexbot-instances-") as tmp, postgres() as url:
        result = run(args.minutes, Path(tmp), url)
    report(result)
    (HERE / "instances_results.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if all(c["ok"] for c in result["checks"]) else 1
