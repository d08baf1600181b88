"""Truth: a paper session on the devnet with its synthetic market, recorded as it runs (``run --record``),
then replayed by ``run_backtest`` with the same config, books the same trades (same blocks, tokens and
amounts to the wei) and the same equity after every block. The replay drives the engine over the recorded
blocks on their timestamps only (chain time), faster than the session ran (issue 14's replay check)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
import waits

from dexbot.cli.run_cmd import _services
from dexbot.core.config import Config, parse_config
from dexbot.engine.api.events import EngineStateChanged
from dexbot.engine.backtest.collect import booked_trades
from dexbot.engine.backtest.recording_format import read_recording
from dexbot.engine.backtest.replay import Progress, run_backtest
from dexbot.engine.backtest.result import BacktestTrade
from dexbot.engine.engine import EngineService
from dexbot.engine.host.engine_host import EngineHost
from dexbot.store import repo


def session_config(data: Path) -> Config:
    return parse_config(
        {
            "store": {"data_dir": str(data)},
            "metrics": {"enabled": False},
            "intel": {"level": 8},
            "devnet": {
                "block_time_s": 0.5,
                "history_blocks": 0,
                "tx_history_blocks": 0,
                "market": {"launch_every_s": 2.0, "swaps_per_s": 4.0},
            },
        },
        source=str(data / "config.toml"),
    )


def no_pool_fee(trades: Iterable[BacktestTrade]) -> list[BacktestTrade]:
    """Trades as booked: the pool fee is derived from them and the pool's fee tier, which the replay
    reads off its own chain (the live one is gone by the time the two are compared)."""
    return [dataclasses.replace(t, pool_fee=0) for t in trades]


async def record_session(cfg: Config, recording: Path, blocks: int, trades: int = 2) -> EngineService:
    """``dexbot run --no-ui --record`` in-process, stopped once the engine has handled ``blocks`` blocks
    and booked ``trades`` trades: how many of the market's launches it buys in so many blocks varies with
    the machine's load (the stress loop once saw none), and a session without trades checks nothing."""
    host = EngineHost(cfg, services=_services(cfg), record=recording)
    with waits.events(host.bus) as events:
        run = asyncio.create_task(host.run())
        await events.next(
            lambda e: isinstance(e, EngineStateChanged) and e.state == "running", "engine start"
        )
    svc = host.service
    assert svc is not None
    await waits.within(
        svc.processed(svc.start_block + blocks), f"{blocks} blocks handled", seconds=blocks * 3
    )
    await waits.until_block(svc, lambda: len(repo.list_trades(svc.db)) >= trades, f"{trades} trades booked")
    await host.stop()
    await waits.within(run, "the session stopping")
    return svc


@pytest.mark.parametrize("blocks", [40, pytest.param(200, marks=pytest.mark.slow)])
async def test_a_replayed_session_books_the_same_trades_and_equity_to_the_wei(
    tmp_path: Path, blocks: int
) -> None:
    cfg = session_config(tmp_path / "live")
    recording = tmp_path / "session.jsonl.gz"
    started = time.monotonic()
    live = await record_session(cfg, recording, blocks)
    live_s = time.monotonic() - started
    rec = read_recording(recording)
    assert rec.complete
    assert rec.engine_start == live.start_block
    assert rec.last_block == live.last_processed

    steps: list[Progress] = []
    started = time.monotonic()
    result = await run_backtest(recording, cfg, label="same", on_block=lambda _n, p: steps.append(p))
    replay_s = time.monotonic() - started

    live_trades = booked_trades(live.db, cfg.instance.name, {b.number: b.timestamp for b in rec.blocks})
    assert len(live_trades) >= 2, "the market launched nothing the engine bought: the check would be empty"
    assert no_pool_fee(result.trades) == no_pool_fee(live_trades)
    live_curve = [(n, e) for n, e in live.equity_curve]
    assert [(p.block, p.equity) for p in result.equity] == live_curve
    assert result.equity[-1].equity == live.portfolio.snapshot().equity
    assert result.start_equity == cfg.paper.starting_balance_wei
    assert (result.first_block, result.last_block) == (live.start_block + 1, live.last_processed)
    assert steps[-1].trades == len(live_trades)
    print(f"{result.blocks_replayed} blocks: session {live_s:.1f} s, replay {replay_s:.1f} s")
