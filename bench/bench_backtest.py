"""Backtest speed and recording cost, on the devnet with its default market (2 s blocks).

Two paper sessions of the same length and seed, one after the other: one plain, one recording (``run
--record``). The recording's cost is its session's median decision latency (and median time to handle
a block) over the plain one's (goal: ≤ 1.05). Then the recording is replayed: chain seconds covered
per wall second (goal: ≥ 100× real time, i.e. an hour of 2 s blocks in ≤ 36 s), blocks per second,
and the CPU a replayed block costs (the engine's process and its anvil). On a shared machine the wall
figures move with its load (the load average is printed beside them); the CPU per block much less.

    python -m bench backtest                         # a short run (1 minute per session)
    python -m bench backtest --minutes 60            # the issue's figure (two hour-long sessions)
    python -m bench backtest --minutes 60 --keep F   # ... keeping the recording in F
    python -m bench backtest --recording F           # replay figures only, of a kept recording
    python -m bench backtest --recording F --trials N  # ... and N optuna trials on it (goal: 30 in 15 min)"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dexbot.cli.run_cmd import _services
from dexbot.core.config import Config, parse_config
from dexbot.engine.api.events import EngineStateChanged
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import run_backtest
from dexbot.engine.host.engine_host import EngineHost

DEFAULT_MINUTES = 1.0
HOUR_BLOCKS = 1800  # an hour of the devnet's 2 s blocks
# The replay before its speed work (main at 88c0787, 2026-12-03), on an hour-long recording of the
# default market on this machine under a load average of ~7: chain seconds per wall second (178 s for
# 1800 blocks; ~30x was measured on short runs). The ratio is against it.
BASELINE_X = 20.2


def _config(data: Path) -> Config:
    return parse_config(
        {"store": {"data_dir": str(data)}, "metrics": {"enabled": False}, "devnet": {"history_blocks": 0}},
        source=str(data / "config.toml"),
    )


async def _session(cfg: Config, minutes: float, record: Path | None) -> tuple[list[float], list[float]]:
    """A paper session of ``minutes``; every decision's latency and every block's handling time (ms)."""
    host = EngineHost(cfg, services=_services(cfg), record=record)
    queue = host.bus.subscribe()
    run = asyncio.create_task(host.run())
    while True:
        ev = await queue.get()
        if isinstance(ev, EngineStateChanged) and ev.state == "running":
            break
    host.bus.unsubscribe(queue)
    svc = host.service
    assert svc is not None
    blocks = max(1, round(minutes * 60 / cfg.devnet.block_time_s))
    await svc.processed(svc.start_block + blocks)
    await host.stop()
    await run
    return list(svc.decision_ms), list(svc.block_ms)


def _cpu_s() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the replay's anvil, once stopped)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def replay_figures(recording: Path, data: Path) -> list[dict[str, Any]]:
    """Replay ``recording`` once with the default config: its speed against real time and the baseline,
    blocks per second, what an hour of 2 s blocks would take, and CPU per block."""
    rec = read_recording(recording)
    load = os.getloadavg()[0]
    cpu0, kids0 = _cpu_s()
    started = time.perf_counter()
    result = asyncio.run(run_backtest(recording, _config(data)))
    replay_s = time.perf_counter() - started
    cpu1, kids1 = _cpu_s()
    blocks = result.blocks_replayed
    first_ts = next(b.timestamp for b in rec.blocks if b.number == result.first_block)
    span_s = result.equity[-1].timestamp - first_ts + rec.header.block_time_s if result.equity else 0
    speed = span_s / replay_s if replay_s else 0.0
    per_s = blocks / replay_s if replay_s else 0.0
    hour_s = HOUR_BLOCKS / per_s if per_s else None
    where = f"{blocks} blocks, {span_s:.0f} chain s, load {load:.1f}"
    return [
        {
            "name": f"backtest replay speed ({where})",
            "value": round(speed, 1),
            "unit": "x real time",
            "baseline": BASELINE_X,
            "ratio": round(speed / BASELINE_X, 2),
            "goal": ">= 100x",
            "met": speed >= 100,
        },
        {"name": f"replayed blocks per second ({where})", "value": round(per_s, 1), "unit": "blocks/s"},
        {
            "name": f"an hour of 2 s blocks ({HOUR_BLOCKS}) at that pace",
            "value": round(hour_s, 1) if hour_s else None,
            "unit": "s",
            "goal": "<= 36 s",
            "met": hour_s is not None and hour_s <= 36,
        },
        {
            "name": f"CPU per replayed block (engine process + its anvil; {blocks} blocks)",
            "value": round((cpu1 - cpu0 + kids1 - kids0) * 1000 / max(blocks, 1), 1),
            "unit": "ms",
            "goal": None,
        },
    ]


# What the optimisation figure tunes: the intel level and two exit rules, as a user's first study would.
BENCH_SPACE = {
    "intel": {"level": {"low": 1, "high": 9}},
    "exits": {"take_profit_pct": {"low": 5.0, "high": 60.0}, "stop_loss_pct": {"low": -40.0, "high": -5.0}},
}
TRIALS_GOAL = 30
TRIALS_GOAL_S = 15 * 60


def optimise_figure(recording: Path, data: Path, trials: int) -> dict[str, Any]:
    """``trials`` walk-forward trials (``dexbot optimise``'s path, optuna storage in SQLite) on the
    recording; the wall time, scaled to 30 trials when fewer ran (pruning makes later trials cheaper,
    so the scaled figure leans high)."""
    from dexbot.cli.optimise_run import run_optimise
    from dexbot.engine.backtest.space import parse_space

    base = _config(data)
    space = parse_space(BENCH_SPACE, base, "bench space")
    started = time.perf_counter()
    asyncio.run(
        run_optimise(
            run_backtest, recording, space, base, url=f"sqlite:///{data / 'studies.db'}",
            study_name="bench", trials=trials, objective="return", holdout=0.3, seed=1,
        )
    )  # fmt: skip
    took = time.perf_counter() - started
    scaled = took * TRIALS_GOAL / trials
    return {
        "name": f"optimise: {TRIALS_GOAL} trials on the recording ({trials} ran, scaled; "
        f"load {os.getloadavg()[0]:.1f})",
        "value": round(scaled / 60, 1),
        "unit": "min",
        "goal": "<= 15 min",
        "met": scaled <= TRIALS_GOAL_S,
    }


def measure(minutes: float, keep: Path | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        root = Path(tmp)
        plain, plain_blocks = asyncio.run(_session(_config(root / "plain"), minutes, None))
        recording = root / "session.jsonl.gz"
        recorded, recorded_blocks = asyncio.run(_session(_config(root / "rec"), minutes, recording))
        if keep is not None:
            shutil.copyfile(recording, keep)
        replay = replay_figures(recording, root / "replay")
        size = recording.stat().st_size
    base = statistics.median(plain) if plain else 0.0
    with_rec = statistics.median(recorded) if recorded else 0.0
    block_base = statistics.median(plain_blocks) if plain_blocks else 0.0
    block_rec = statistics.median(recorded_blocks) if recorded_blocks else 0.0
    block_ratio = block_rec / block_base if block_base else None
    overhead = with_rec / base if base else None
    return [
        *replay,
        {
            "name": f"decision latency with --record ({len(recorded)} vs {len(plain)} decisions)",
            "value": round(with_rec, 2),
            "unit": "ms median",
            "baseline": round(base, 2),
            "ratio": round(overhead, 3) if overhead else None,
            "goal": "<= 1.05",
            "met": overhead is not None and overhead <= 1.05,
        },
        {
            "name": f"block handling with --record ({len(recorded_blocks)} vs {len(plain_blocks)} blocks)",
            "value": round(block_rec, 2),
            "unit": "ms median",
            "baseline": round(block_base, 2),
            "ratio": round(block_ratio, 3) if block_ratio else None,
            "goal": "<= 1.05",
            "met": block_ratio is not None and block_ratio <= 1.05,
        },
        {"name": "recording size", "value": size // 1024, "unit": "KiB", "goal": None},
    ]


def run() -> list[dict[str, Any]]:
    return measure(DEFAULT_MINUTES)


USAGE = "usage: python -m bench backtest [--minutes M] [--keep FILE] | --recording FILE [--trials N]"


def main(argv: list[str]) -> int:
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    if len(argv) % 2 or set(opts) - {"--minutes", "--keep", "--recording", "--trials"}:
        print(USAGE, file=sys.stderr)
        return 2
    if "--recording" in opts:
        if set(opts) - {"--recording", "--trials"}:
            print(f"--recording replays a kept recording: no session to time ({USAGE})", file=sys.stderr)
            return 2
        trials = opts.get("--trials", "0")
        if not trials.isdigit():
            print(f"--trials: {trials!r} is not a whole number", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
            entries = replay_figures(Path(opts["--recording"]), Path(tmp) / "replay")
            if int(trials):
                data = Path(tmp) / "optimise"
                data.mkdir()
                entries.append(optimise_figure(Path(opts["--recording"]), data, int(trials)))
    elif "--trials" in opts:
        print(f"--trials needs --recording ({USAGE})", file=sys.stderr)
        return 2
    else:
        try:
            minutes = float(opts.get("--minutes", DEFAULT_MINUTES))
        except ValueError:
            print(f"--minutes: {opts['--minutes']!r} is not a number", file=sys.stderr)
            return 2
        keep = Path(opts["--keep"]) if "--keep" in opts else None
        entries = measure(minutes, keep)
    for entry in entries:
        print(
            f"{entry['name']}: {entry['value']} {entry['unit']} (baseline {entry.get('baseline')}, "
            f"ratio {entry.get('ratio')}, goal {entry.get('goal')}, met {entry.get('met')})"
        )
    return 0
