"""`python -m bench soak [--minutes M]`: does memory stay bounded? A headless `dexbot run --no-ui` on the
embedded devnet with its market at 5x the default speed, for 30 minutes by default; the RSS of dexbot
and of its anvil is sampled every 15 s; the report gives start, peak and end RSS and the slope after a
20 % warm-up, and PASS/FAIL against the goals (anvil <= 1 GB and flat, dexbot <= 200 MB and rising less
than 1 MB per 10 minutes). Not part of `make bench`: it takes half an hour and two busy cores.

What anvil's slope is made of (measured with the market alone at 5x speed, `history_blocks` N, issue 13
part 6): ~1.4 MB per 10 minutes per kept state (64 MB per 10 minutes at N = 16, 47 at N = 4), so most
of it does not depend on N. Without launches (swaps only) ~18 MB per 10 minutes: anvil keeps every
block's header, and a block whose transactions the keeper pruned still holds memory (a bare anvil with the
devnet's flags under Cancun rules, 2026-12-05: ~3.5 KB per empty block; ~9 KB per block of 4 transfers, 20 KB
without the keeper). Launches add the rest: each adds ~60 storage slots
and ~2.5 accounts that anvil never deletes, and a V3 pool's own code (immutables: one code per pool).
Freed pages held by anvil's allocator were ~15 % of the slope (`anvil.ALLOCATOR_CONF`).
`--tracemalloc DIR` shows which lines hold dexbot's memory."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.table import Table

from bench.soak_stats import WARMUP_SHARE, Growth, Sample, growth, verdict
from bench.soak_trace import top_growth
from dexbot.core.config import DevnetConfig

HERE = Path(__file__).resolve().parent
DEFAULTS = DevnetConfig()


def soak_config(speed: float, data_dir: Path) -> str:
    """The market's default pace times ``speed``: blocks, swaps and launches all come faster."""
    m = DEFAULTS.market
    return f"""
[devnet]
block_time_s = {DEFAULTS.block_time_s / speed!r}
[devnet.market]
swaps_per_s = {m.swaps_per_s * speed!r}
launch_every_s = {m.launch_every_s / speed!r}
[metrics]
enabled = false
[store]
data_dir = "{data_dir}"
"""


def rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` from /proc (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children_named(parent: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if comm == name and ppid == parent:
            found.append(int(entry.name))
    return found


class Soak:
    """One headless dexbot under observation: ``start()`` returns once its engine runs, ``sample()``
    reads both RSS values, ``stop()`` SIGTERMs it and waits for it (and so its anvil) to exit."""

    def __init__(
        self, speed: float = 5.0, workdir: Path | None = None, trace_dir: Path | None = None
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="dexbot-soak-") if workdir is None else None
        self.workdir = workdir or Path(self._tmp.name if self._tmp else ".")
        self.speed = speed
        self.trace_dir = trace_dir
        self.proc: subprocess.Popen[str] | None = None
        self.anvil_pid = 0
        self.began = 0.0
        self.events: Counter[str] = Counter()
        self._stderr: IO[str] | None = None

    def start(self) -> None:
        (self.workdir / "config.toml").write_text(soak_config(self.speed, self.workdir / "data"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
        entry = ["-m", "dexbot.cli.main"]
        if self.trace_dir is not None:
            self.trace_dir.mkdir(parents=True, exist_ok=True)
            env["DEXBOT_SOAK_TRACE_DIR"] = str(self.trace_dir.resolve())
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
            entry = ["-m", "bench.soak_trace"]
        self._stderr = open(self.workdir / "stderr.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, *entry, "run", "--no-ui", "--log-format", "json"],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # the engine says when it runs; EOF means it died first
            self._count(line)
            if self.events["running"]:
                break
        else:
            raise RuntimeError(f"dexbot exited before its engine ran: {self.stderr_tail()}")
        anvils = children_named(self.proc.pid, "anvil")
        if len(anvils) != 1:
            raise RuntimeError(f"expected one anvil child of dexbot, found {anvils}")
        self.anvil_pid = anvils[0]
        self.began = time.monotonic()
        threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True).start()

    def _count(self, line: str) -> None:
        if not line.startswith("{"):
            return
        try:
            ev = json.loads(line)
        except ValueError:
            return
        name = str(ev.get("event") or "")
        if not name:
            return
        self.events[name] += 1
        if name == "EngineStateChanged" and ev.get("state") == "running":
            self.events["running"] += 1

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self._count(line)

    def sample(self) -> Sample:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"dexbot exited with {self.proc.returncode}: {self.stderr_tail()}")
        rss = {"dexbot": rss_kib(self.proc.pid), "anvil": rss_kib(self.anvil_pid)}
        return Sample(round(time.monotonic() - self.began, 3), rss)

    def stderr_tail(self, lines: int = 5) -> str:
        path = self.workdir / "stderr.log"
        text = path.read_text() if path.exists() else ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> int | None:
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        if self._stderr is not None:
            self._stderr.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        return code


def run_soak(
    minutes: float, interval_s: float, speed: float, trace_dir: Path | None = None
) -> tuple[list[Sample], Counter[str]]:
    soak = Soak(speed, trace_dir=trace_dir)
    samples: list[Sample] = []
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        soak.start()
        end = soak.began + minutes * 60
        while True:
            samples.append(soak.sample())
            print(_progress(samples[-1]), flush=True)
            if time.monotonic() + interval_s > end or stop.wait(interval_s):
                break
    finally:
        soak.stop()
    return samples, soak.events


def _progress(s: Sample) -> str:
    parts = [f"{name} {kib / 1024:7.1f} MB" for name, kib in s.rss_kib.items()]
    return f"  t={s.at_s:7.1f}s  " + "  ".join(parts)


def report(samples: list[Sample], events: Counter[str], minutes: float, speed: float) -> list[Growth]:
    grown = [growth(name, samples) for name in ("dexbot", "anvil")]
    table = Table(title=f"soak: {minutes:g} min at {speed:g}x market speed, warm-up {WARMUP_SHARE:.0%}")
    for col in ("process", "start MB", "peak MB", "end MB", "slope MB/10 min", "goal", "met"):
        table.add_column(col, justify="left" if col in ("process", "goal") else "right")
    for g in grown:
        slope = "—" if g.slope_mb is None else f"{g.slope_mb:+.2f}"
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[g.met]
        mbs = (f"{g.start_mb:.1f}", f"{g.peak_mb:.1f}", f"{g.end_mb:.1f}")
        table.add_row(g.name, *mbs, slope, g.describe_goal(), met)
    console = Console(width=max(120, Console().width))
    console.print(table)
    seen = ", ".join(f"{k} {v}" for k, v in sorted(events.items()) if k != "running")
    console.print(f"events: {seen or 'none'}")
    console.print(f"[bold]{verdict(grown)}[/]")
    return grown


def report_allocations(trace_dir: Path) -> None:
    """What grew in dexbot between the first snapshot after the warm-up and the last one."""
    snaps = sorted(trace_dir.glob("snap*.tracemalloc"))
    if len(snaps) < 2:
        print("tracemalloc: fewer than two snapshots, nothing to compare")
        return
    first = snaps[min(len(snaps) - 2, int(len(snaps) * WARMUP_SHARE))]
    print(f"tracemalloc: growth from {first.name} to {snaps[-1].name}")
    for line in top_growth(first, snaps[-1]):
        print("  " + line)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between samples (15)")
    parser.add_argument("--speed", type=float, default=5.0, help="market speed-up (default 5x)")
    parser.add_argument(
        "--tracemalloc",
        type=Path,
        metavar="DIR",
        help="trace dexbot's allocations into DIR",
    )
    args = parser.parse_args(argv)
    samples, events = run_soak(args.minutes, args.interval, args.speed, args.tracemalloc)
    grown = report(samples, events, args.minutes, args.speed)
    if args.tracemalloc is not None:
        report_allocations(args.tracemalloc)
    out = {
        "minutes": args.minutes,
        "speed": args.speed,
        "verdict": verdict(grown),
        "growth": [g.__dict__ | {"goal": g.describe_goal(), "met": g.met} for g in grown],
        "samples": [{"at_s": s.at_s, **s.rss_kib} for s in samples],
    }
    (HERE / "soak_results.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    return 0 if verdict(grown) == "PASS" else 1
