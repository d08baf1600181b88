"""The engine's memory of the market is bounded with the watcher's pool list: launches beyond the cap
push the least recently active pools out of the view together with what was kept per token (assessment,
skip, strategy state), while a held position's pool stays however quiet it is. The engine is stepped
block by block (poll, then handle every event), so each assertion follows a fully processed block."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.events import NewBlock
from dexbot.chain.pool_ages import Retention
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database

ETH = 10**18


@pytest.fixture
async def engine(
    chain: Devnet, client: RpcClient, tmp_path: Path, genesis_hash: str
) -> AsyncIterator[EngineService]:
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "intel": {"level": 5},
            "breakers": {"block_stall_s": 86_400},  # the session devnet mines only when a test sends
        },
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    svc.watcher.ages.retention = Retention(max_pools=3)
    await svc.start()
    yield svc
    await svc.stop()


async def step(svc: EngineService) -> NewBlock:
    """Everything since the last step, handled as the loop handles it; returns the closing NewBlock."""
    events = await svc.watcher.poll()
    for ev in events:
        await svc._handle(ev)
    last = events[-1]
    assert isinstance(last, NewBlock)
    return last


async def launch(dn: Devnet, symbol: str, kind: str = "plain") -> DevToken:
    spec = TokenSpec(f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False)  # type: ignore[arg-type]
    async with DevRpc(dn.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            (token,) = await launch_tokens(rpc, dn.deployment, [spec], mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)
    return token


async def test_launches_over_the_cap_push_out_the_oldest_pools_but_never_a_held_one(
    chain: Devnet, engine: EngineService
) -> None:
    dep = chain.deployment
    seeded = {p for t in dep.tokens for p in (t.v2_pair, t.v3_pool) if p}
    assert seeded <= set(engine.market.view.pools)

    good = await launch(chain, "GOOD")
    first = await step(engine)
    honey = await launch(chain, "HONEY", "honeypot")
    second = await step(engine)

    (pos,) = engine.portfolio.open_positions()
    assert pos.token == good.address
    # The cap of 3 leaves room for the USD pair (pinned) and the two launches: the seeded pools, quiet
    # since the start, went first, all but one after GOOD's block and the last once GOOD was held.
    assert len(first.dropped) == len(seeded) - 1
    assert {*first.dropped, *second.dropped} == seeded
    assert set(engine.market.view.pools) == {good.v2_pair, honey.v2_pair}
    assert set(engine.entries.assessments) == {good.address.lower(), honey.address.lower()}
    assert set(engine.faults.skipped) == {honey.address.lower()}
    assert engine.thoughts.remembers(honey.address)

    late = await launch(chain, "LATE", "honeypot")  # over the cap: HONEY is now the oldest unheld pool
    block = await step(engine)

    assert block.dropped == (honey.v2_pair,)
    assert set(engine.watcher.reader.v2_pools) == {dep.usdc_v2_pair, good.v2_pair, late.v2_pair}
    assert set(engine.market.view.pools) == {good.v2_pair, late.v2_pair}
    assert set(engine.entries.assessments) == {good.address.lower(), late.address.lower()}
    assert set(engine.faults.skipped) == {late.address.lower()}
    assert engine.entries.assessor.cached(honey.address, block.number) is None
    assert not engine.thoughts.remembers(honey.address)
    assert engine.thoughts.remembers(good.address)
    assert engine.thoughts.remembers(late.address)
    assert engine.watcher.ages.last_active[good.v2_pair or ""] == first.number < second.number  # kept: held
