"""The engine decides on chain time, from a clock it is given: moving that clock (and nothing else) moves
a max-hold exit, with no wall time passing. The breakers' cooldowns on a given clock are proven in
breakers/test_breaker_registry.py; here, that the engine hands its breakers that same clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import waits

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.clock import ChainClock
from dexbot.engine.engine import EngineService
from dexbot.store import repo
from dexbot.store.db import open_database

from .engine_harness import head_processed, launch, mine_until, spec, thoughts, until

MAX_HOLD_S = 3600


def test_the_chain_clock_reads_block_time_and_never_runs_back() -> None:
    clock = ChainClock(before_first=lambda: 5.0)
    assert clock.now() == 5.0  # before the first block: the fallback
    clock.advance(1_000)
    assert clock.now() == 1_000.0
    clock.advance(990)  # a reorg onto an earlier timestamp
    assert clock.now() == 1_000.0
    clock.advance(1_012)
    assert clock.now() == 1_012.0


@pytest.fixture
async def clocked(
    chain: Devnet, client: RpcClient, tmp_path: Path, genesis_hash: str
) -> AsyncIterator[tuple[EngineService, ChainClock]]:
    """A paper engine like conftest's ``engine``, on a clock the test holds."""
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "exits": {"max_hold_s": MAX_HOLD_S},
            "intel": {"level": 5},
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    clock = ChainClock()
    svc = EngineService(cfg, rt, open_database(cfg.database_url), clock=clock)
    task = asyncio.create_task(svc.run())
    await waits.started(svc, task)
    yield svc, clock
    await svc.stop()
    await waits.within(task, "the engine stopping")


async def test_max_hold_is_reached_by_moving_the_clock_not_by_waiting(
    chain: Devnet, clocked: tuple[EngineService, ChainClock]
) -> None:
    engine, clock = clocked
    await launch(chain, spec("HOLD"))
    await until(engine, lambda: thoughts(engine, "enter", "HOLD") != [])
    (pos,) = repo.list_positions(engine.db, status="open")
    opened_at = engine.trader.holdings[pos.id or 0].opened_at
    assert opened_at == clock.now()  # the holding's age is measured from chain time

    await mine_until(engine, lambda: engine.block > pos.opened_block)
    assert repo.list_positions(engine.db, status="open") != []  # a block later, nowhere near max hold

    clock.advance(opened_at + MAX_HOLD_S)  # an hour of chain time; the next block is handled at it
    await mine_until(engine, lambda: repo.list_positions(engine.db, status="open") == [])
    (closed,) = repo.list_positions(engine.db)
    assert (closed.status, closed.exit_reason) == ("closed", "max_hold")
    assert "max_hold" in thoughts(engine, "exit", "HOLD")[0]
    await head_processed(engine)


async def test_the_engine_gives_its_clock_to_every_collaborator_that_ages_something(
    clocked: tuple[EngineService, ChainClock],
) -> None:
    engine, clock = clocked
    assert engine.breakers.clock == clock.now
    assert engine.guard.clock == clock.now
    assert engine.trader.clock == clock.now
    assert engine.trader.assessor.clock == clock.now
