"""Backtest speed and recording cost, on the devnet with its default market (2 s blocks).

Paper sessions of the same length and seed, plain and recording (``run --record``) in turn (``--pairs``
of them, in the order plain, rec, rec, plain, …: alternating evens out a load that drifts on a shared
machine, and neither kind always runs first). The recording's cost is the
recorded sessions' median decision latency (one candidate judged: assess, size, fill; the engine's
``dexbot_decision_duration_seconds``) over the plain ones', printed as a ratio and as a share of the
plain latency (goal: ≤ 1.05, i.e. ≤ 5 %), and the same for the time to handle a block. Then the last
recording is replayed: chain seconds covered per wall second (goal: ≥ 100× real time). A one-minute
session judges a handful of candidates: the latency figure wants ``--minutes 10`` or more.

    python -m bench backtest                            # a short run (1 minute per session, 1 pair)
    python -m bench backtest --minutes 10 --pairs 2     # the recording overhead with enough decisions
    python -m bench backtest --minutes 60               # the issue's replay figure"""

from __future__ import annotations

import asyncio
import contextlib
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
from dexbot.engine.backtest.replay import run_backtest
from dexbot.engine.engine import EngineService
from dexbot.engine.host.engine_host import EngineHost

DEFAULT_MINUTES = 1.0


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


def measure(minutes: float, pairs: int = 1) -> list[dict[str, Any]]:
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
        rec = read_recording(recording)
        span_s = rec.blocks[-1].timestamp - rec.blocks[0].timestamp if rec.blocks else 0
        started = time.perf_counter()
        result = asyncio.run(run_backtest(recording, _config(root / "replay")))
        replay_s = time.perf_counter() - started
        size = recording.stat().st_size
    base = statistics.median(plain) if plain else 0.0
    with_rec = statistics.median(recorded) if recorded else 0.0
    block_base = statistics.median(plain_blocks) if plain_blocks else 0.0
    block_rec = statistics.median(recorded_blocks) if recorded_blocks else 0.0
    block_ratio = block_rec / block_base if block_base else None
    speed = span_s / replay_s if replay_s else 0.0
    overhead = with_rec / base if base else None
    return [
        {
            "name": f"backtest replay speed ({result.blocks_replayed} blocks, {span_s} chain s)",
            "value": round(speed, 1),
            "unit": "x real time",
            "baseline": 1.0,
            "ratio": round(speed, 1),
            "goal": ">= 100x",
            "met": speed >= 100,
        },
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


def _args(argv: list[str]) -> tuple[float, int] | None:
    minutes, pairs = DEFAULT_MINUTES, 1
    it = iter(argv)
    try:
        for flag in it:
            if flag == "--minutes":
                minutes = float(next(it))
            elif flag == "--pairs":
                pairs = int(next(it))
            else:
                return None
    except (StopIteration, ValueError):
        return None
    return (minutes, pairs) if minutes > 0 and pairs > 0 else None


def main(argv: list[str]) -> int:
    args = _args(argv)
    if args is None:
        print("usage: python -m bench backtest [--minutes M] [--pairs N]", file=sys.stderr)
        return 2
    for entry in measure(*args):
        print(
            f"{entry['name']}: {entry['value']} {entry['unit']} (baseline {entry.get('baseline')}, "
            f"ratio {entry.get('ratio')}, goal {entry.get('goal')}, met {entry.get('met')})"
        )
        if entry.get("ratio") is not None and "with --record" in entry["name"]:
            print(f"  recording overhead: {(entry['ratio'] - 1) * 100:+.1f} % of the plain median")
    return 0
