"""Backtest speed and recording cost, on the devnet with its default market (2 s blocks).

Paper sessions of the same length and seed, plain and recording (``run --record``) in turn (``--pairs``
of them, in the order plain, rec, rec, plain, …: alternating evens out a load that drifts on a shared
machine, and neither kind always runs first). The recording's cost is the recorded sessions' median
decision latency (one candidate judged: assess, size, fill; the engine's
``dexbot_decision_duration_seconds``) over the plain ones', printed as a ratio and as a share of the
plain latency (goal: ≤ 1.05, i.e. ≤ 5 %), and the same for the time to handle a block; and how many
blocks were handled while the recorder worked (the load-independent figure). Then the last recording is
replayed: chain seconds covered per wall second (goal: ≥ 100× real time, i.e. an hour of 2 s blocks in
≤ 36 s), blocks per second, and the CPU a replayed block costs (the engine's process and its anvil). On
a shared machine the wall figures move with its load (the load average is printed beside them); the
CPU per block much less.

    python -m bench backtest                            # a short run (1 minute per session, 1 pair)
    python -m bench backtest --minutes 10 --pairs 2     # the recording overhead with enough decisions
    python -m bench backtest --minutes 60 --keep F      # the issue's replay figure, keeping the recording
    python -m bench backtest --recording F              # replay figures only, of a kept recording
    python -m bench backtest --recording F --trials N   # ... and N optuna trials (goal: 30 in 15 min)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dexbot.cli.run_cmd import _services
from dexbot.core.config import Config, parse_config
from dexbot.engine.api.events import EngineStateChanged
from dexbot.engine.backtest.record import EngineRecorder
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import replay_range, run_backtest, run_backtests
from dexbot.engine.engine import EngineService
from dexbot.engine.host.engine_host import EngineHost

DEFAULT_MINUTES = 1.0
HOUR_BLOCKS = 1800  # an hour of the devnet's 2 s blocks


def _config(data: Path) -> Config:
    return parse_config(
        {"store": {"data_dir": str(data)}, "metrics": {"enabled": False}, "devnet": {"history_blocks": 0}},
        source=str(data / "config.toml"),
    )


Span = tuple[float, float]


@contextlib.contextmanager
def _spans() -> Iterator[tuple[list[Span], list[Span]]]:
    """The perf-counter spans of the recorder's work per block and of the engine's block handling, to
    count how often the two ran at once: the load-independent form of "recording is off the live loop"
    (the latency ratio moves with whatever else the machine does)."""
    recorder: list[Span] = []
    blocks: list[Span] = []
    upto, on_block = EngineRecorder._upto, EngineService._on_block

    async def timed_upto(self: EngineRecorder, tip: int) -> None:
        t0 = time.perf_counter()
        await upto(self, tip)
        recorder.append((t0, time.perf_counter()))

    async def timed_block(self: EngineService, ev: Any) -> None:
        t0 = time.perf_counter()
        await on_block(self, ev)
        blocks.append((t0, time.perf_counter()))

    EngineRecorder._upto, EngineService._on_block = timed_upto, timed_block  # type: ignore[method-assign]
    try:
        yield recorder, blocks
    finally:
        EngineRecorder._upto, EngineService._on_block = upto, on_block  # type: ignore[method-assign]


def _overlapping(blocks: list[Span], recorder: list[Span]) -> int:
    return sum(1 for b0, b1 in blocks if any(r0 < b1 and r1 > b0 for r0, r1 in recorder))


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
            "baseline": 1.0,
            "ratio": round(speed, 1),
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


def optimise_figure(recording: Path, data: Path, trials: int) -> list[dict[str, Any]]:
    """``trials`` walk-forward trials (``dexbot optimise``'s path: passes of trials over one rebuild of
    the chain each, optuna storage in SQLite) on the recording; the wall time, scaled to 30 trials when
    fewer ran (pruning makes later trials cheaper, so the scaled figure leans high)."""
    from dexbot.cli.optimise_run import run_optimise
    from dexbot.engine.backtest.space import parse_space

    base = _config(data)
    space = parse_space(BENCH_SPACE, base, "bench space")
    cpu0, kids0 = _cpu_s()
    started = time.perf_counter()
    asyncio.run(
        run_optimise(
            run_backtest, recording, space, base, url=f"sqlite:///{data / 'studies.db'}",
            study_name="bench", trials=trials, objective="return", holdout=0.3, seed=1,
            replays=run_backtests, span=replay_range,
        )
    )  # fmt: skip
    took = time.perf_counter() - started
    cpu1, kids1 = _cpu_s()
    scale = TRIALS_GOAL / trials
    scaled = took * scale
    ran = f"{trials} ran, scaled; load {os.getloadavg()[0]:.1f}"
    return [
        {
            "name": f"optimise: {TRIALS_GOAL} trials on the recording ({ran})",
            "value": round(scaled / 60, 1),
            "unit": "min",
            "goal": "<= 15 min",
            "met": scaled <= TRIALS_GOAL_S,
        },
        {
            "name": f"optimise: CPU of {TRIALS_GOAL} trials (engine process + anvils; {trials} ran, scaled)",
            "value": round((cpu1 - cpu0 + kids1 - kids0) * scale / 60, 1),
            "unit": "CPU min",
            "goal": None,
        },
    ]


def measure(minutes: float, pairs: int = 1, keep: Path | None = None) -> list[dict[str, Any]]:
    plain: list[float] = []
    plain_blocks: list[float] = []
    recorded: list[float] = []
    recorded_blocks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        root = Path(tmp)
        recording = root / "session.jsonl.gz"
        recorder_spans: list[Span] = []
        block_spans: list[Span] = []
        for i in range(pairs * 2):
            if (i % 2 == 0) == (i // 2 % 2 == 0):  # plain, rec, rec, plain, …: neither always goes first
                decisions, blocks = asyncio.run(_session(_config(root / f"plain{i}"), minutes, None))
                plain += decisions
                plain_blocks += blocks
                continue
            recording.unlink(missing_ok=True)
            with _spans() as (rec_spans, blk_spans):
                decisions, blocks = asyncio.run(_session(_config(root / f"rec{i}"), minutes, recording))
            recorded += decisions
            recorded_blocks += blocks
            recorder_spans += rec_spans
            block_spans += blk_spans
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
        {
            "name": f"blocks handled while the recorder worked ({len(block_spans)} blocks)",
            "value": _overlapping(block_spans, recorder_spans),
            "unit": "blocks",
            "goal": "0",
            "met": _overlapping(block_spans, recorder_spans) == 0,
        },
        {
            "name": "recorder's work per block (after the engine's, before the next block)",
            "value": round(statistics.median((b - a) * 1000 for a, b in recorder_spans), 2)
            if recorder_spans
            else None,
            "unit": "ms median",
            "goal": None,
        },
        {"name": "recording size", "value": size // 1024, "unit": "KiB", "goal": None},
    ]


def run() -> list[dict[str, Any]]:
    return measure(DEFAULT_MINUTES)


USAGE = (
    "usage: python -m bench backtest [--minutes M] [--pairs N] [--keep FILE] | --recording FILE [--trials N]"
)


def main(argv: list[str]) -> int:
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    if len(argv) % 2 or set(opts) - {"--minutes", "--pairs", "--keep", "--recording", "--trials"}:
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
                entries += optimise_figure(Path(opts["--recording"]), data, int(trials))
    elif "--trials" in opts:
        print(f"--trials needs --recording ({USAGE})", file=sys.stderr)
        return 2
    else:
        try:
            minutes = float(opts.get("--minutes", DEFAULT_MINUTES))
        except ValueError:
            print(f"--minutes: {opts['--minutes']!r} is not a number", file=sys.stderr)
            return 2
        pairs = opts.get("--pairs", "1")
        if not pairs.isdigit() or int(pairs) < 1 or minutes <= 0:
            print(f"--pairs must be a whole number >= 1 and --minutes > 0 ({USAGE})", file=sys.stderr)
            return 2
        keep = Path(opts["--keep"]) if "--keep" in opts else None
        entries = measure(minutes, int(pairs), keep)
    for entry in entries:
        print(
            f"{entry['name']}: {entry['value']} {entry['unit']} (baseline {entry.get('baseline')}, "
            f"ratio {entry.get('ratio')}, goal {entry.get('goal')}, met {entry.get('met')})"
        )
        if entry.get("ratio") is not None and "with --record" in entry["name"]:
            print(f"  recording overhead: {(entry['ratio'] - 1) * 100:+.1f} % of the plain median")
    return 0
