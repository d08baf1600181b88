"""``EngineService.processed``: the fact tests wait on. A block it reports handled has its decisions,
fills and thoughts in the store; it wakes on every block; a wait on a block the engine will never handle
ends with EngineStopped when the engine stops, instead of hanging."""

from __future__ import annotations

import asyncio

import pytest
import waits

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.engine.engine import EngineService, EngineStopped
from dexbot.store import repo

from .engine_harness import launch, spec


async def test_a_processed_launch_block_has_its_decisions_and_fills_stored(
    chain: Devnet, engine: EngineService, client: RpcClient
) -> None:
    seen, _ = await launch(chain, spec("SEEN"), spec("TRAPPED", "honeypot"))
    block = await client.block_number()
    assert await waits.within(engine.processed(block), "the launch block") == block
    assert engine.last_processed == block
    by_symbol = {t.symbol: t for t in repo.list_thoughts(engine.db) if t.symbol}
    assert (by_symbol["SEEN"].decision, by_symbol["SEEN"].block_number) == ("enter", block)
    assert (by_symbol["TRAPPED"].decision, by_symbol["TRAPPED"].block_number) == ("skip", block)
    (buy,) = repo.list_trades(engine.db)
    assert (buy.token_out, buy.side, buy.block_number) == (seen.address, "buy", block)


async def test_next_block_processed_is_the_block_mined_after_the_call(
    engine: EngineService, client: RpcClient
) -> None:
    await waits.head_processed(engine)
    head = engine.last_processed
    nxt = asyncio.ensure_future(engine.next_block_processed())
    await client.request("evm_mine", [])
    assert await waits.within(nxt, "the mined block") == head + 1
    assert await engine.processed(head) == head + 1  # an older block: at once, with the latest


async def test_a_wait_on_a_block_never_handled_ends_when_the_engine_stops(
    engine: EngineService, client: RpcClient
) -> None:
    head = await waits.head_processed(engine)
    never = asyncio.ensure_future(engine.processed(head + 1_000))
    await engine.stop()
    with pytest.raises(EngineStopped, match=f"stopped at block {head}, before block {head + 1_000}"):
        await waits.within(never, "the waiter woken by the stop")
    with pytest.raises(EngineStopped):
        await engine.next_block_processed()
