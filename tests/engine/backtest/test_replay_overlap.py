"""The replay chain mines ahead while the engines handle earlier blocks (drive.py): what they book is what
they book when each block is handled before the next is mined, to the wei, and the live session's truth;
a recording whose live engine saw many blocks at once (few tips) does not stall the mining ahead."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import waits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_truth import record_session, session_config

from dexbot.engine.backtest.drive import AHEAD_BLOCKS
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import Job, run_backtests
from dexbot.engine.backtest.result import BacktestResult


def _sparse_tips(recording: Path, out: Path, every: int) -> None:
    """``recording`` as if its live engine had handled only every ``every``-th block (and the last)."""
    lines = [json.loads(raw) for raw in gzip.decompress(recording.read_bytes()).splitlines()]
    numbers = [line["number"] for line in lines if line.get("kind") == "block"]
    for line in lines:
        if line.get("kind") == "block" and line["number"] != numbers[-1]:
            line["tip"] = line["number"] % every == 0
    out.write_bytes(gzip.compress(b"\n".join(json.dumps(line).encode() for line in lines) + b"\n"))


async def _both(recording: Path, jobs: list[Job]) -> tuple[list[BacktestResult], list[BacktestResult]]:
    ahead = await waits.within(run_backtests(recording, jobs), "the replay mining ahead")
    serial = await run_backtests(recording, jobs, overlap=False)
    assert all(isinstance(r, BacktestResult) for r in [*ahead, *serial])
    return ahead, serial  # type: ignore[return-value]


async def test_mining_ahead_changes_nothing_any_engine_books(tmp_path: Path) -> None:
    cfg = session_config(tmp_path / "live")  # intel level 8
    recording = tmp_path / "session.jsonl.gz"
    live = await record_session(cfg, recording, 40)
    timid = cfg.model_copy(update={"intel": cfg.intel.model_copy(update={"level": 2})})
    jobs = [Job(cfg, "bold"), Job(timid, "timid")]

    ahead, serial = await _both(recording, jobs)
    assert ahead == serial
    assert len(ahead[0].trades) >= 2, "the level-8 engine bought nothing: the comparison would be empty"
    assert [(p.block, p.equity) for p in ahead[0].equity] == list(live.equity_curve)

    every = 3 * AHEAD_BLOCKS // 2  # more blocks between two tips than the mining may run ahead
    sparse = tmp_path / "sparse.jsonl.gz"
    _sparse_tips(recording, sparse, every)
    ahead, serial = await _both(sparse, jobs)
    assert ahead == serial
    last = read_recording(sparse).last_block
    handled = [p.block for p in ahead[0].equity]
    assert handled == sorted({n for n in range(ahead[0].first_block, last + 1) if n % every == 0} | {last})
