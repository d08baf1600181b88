"""The pool watcher on the devnet: new pairs and pools within one block, swaps with their states, and
reorgs (evm_revert to a shorter chain, anvil_reorg at the same height) detected and re-read."""

from __future__ import annotations

import asyncio

import waits
from devchain import DevChain

from dexbot.chain.dex.events import (
    LogEvent,
    NewBlock,
    PairCreated,
    PoolCreated,
    Reorg,
    Sync,
    Transfer,
    V2Swap,
    V3Swap,
    WatchEvent,
)
from dexbot.chain.dex.states import V2State, V3State
from dexbot.chain.dex.uniswap_v2.pair import get_pair, read_pair
from dexbot.chain.dex.uniswap_v3.pool import get_pool, read_pool
from dexbot.chain.watcher import Header, PoolWatcher, poll_interval

E18 = 10**18


def plain(dev: DevChain, index: int = 0) -> str:
    return [t.address for t in dev.dep.tokens if t.kind == "plain"][index]


def closing(events: list[WatchEvent]) -> NewBlock:
    """Every poll that saw a block ends with its NewBlock."""
    last = events[-1]
    assert isinstance(last, NewBlock)
    return last


async def test_a_new_pair_and_pool_are_seen_within_one_block_and_then_watched(dev: DevChain) -> None:
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    start = await watcher.start()
    a, b = plain(dev, 0), plain(dev, 1)

    receipt = await dev.create_pair(a, b)
    events = await watcher.poll()
    mined = int(receipt["blockNumber"], 16)
    assert mined == start + 1
    pair = await get_pair(dev.client, dev.addrs.v2_factory, a, b, mined)
    assert pair is not None
    created = [e for e in events if isinstance(e, PairCreated)]
    assert len(created) == 1
    assert (created[0].pair, created[0].block_number, created[0].address) == (
        pair,
        mined,
        dev.addrs.v2_factory,
    )
    assert {created[0].token0, created[0].token1} == {a, b}
    assert closing(events) == NewBlock(mined, receipt["blockHash"], closing(events).timestamp, (pair,))
    assert watcher.states[pair] == V2State(pair, 0, 0, mined)

    receipt = await dev.create_pool(a, b, 500)
    events = await watcher.poll()
    pool = await get_pool(dev.client, dev.addrs.v3_factory, a, b, 500, mined + 1)
    assert pool is not None
    (pc,) = [e for e in events if isinstance(e, PoolCreated)]
    assert (pc.pool, pc.fee, pc.tick_spacing, pc.block_number) == (pool, 500, 10, mined + 1)
    assert watcher.states[pool] == V3State(pool, 0, 0, 0, mined + 1)  # created, not initialised


async def test_a_launch_in_one_poll_reports_the_pair_and_its_first_sync(dev: DevChain) -> None:
    a, b = plain(dev, 1), plain(dev, 2)
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    await watcher.start()
    await dev.add_liquidity(dev.dep.deployer, a, b, 10**21, 3 * 10**21)  # approvals, then pair + liquidity
    events = await watcher.poll()
    (created,) = [e for e in events if isinstance(e, PairCreated)]
    (sync,) = [e for e in events if isinstance(e, Sync)]
    assert sync.address == created.pair
    assert (sync.block_number, sync.log_index) > (created.block_number, created.log_index)
    reserves = (10**21, 3 * 10**21) if created.token0 == a else (3 * 10**21, 10**21)
    assert (sync.reserve0, sync.reserve1) == reserves
    assert watcher.states[created.pair] == V2State(created.pair, *reserves, closing(events).number)


async def test_swaps_and_transfers_arrive_with_the_states_they_left(dev: DevChain) -> None:
    token = next(t for t in dev.dep.tokens if t.kind == "plain" and t.v3_pool and t.v2_pair)
    assert token.v2_pair
    assert token.v3_pool
    assert token.v3_fee
    trader = dev.trader()
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    watcher.watch_v2([token.v2_pair])
    watcher.watch_v3([token.v3_pool])
    watcher.watch_tokens([token.address])
    await watcher.start()

    await dev.swap_v2(trader, [dev.addrs.weth, token.address], E18, native_in=True)
    got_v2 = await dev.token_balance(token.address, trader)
    await dev.swap_v3(trader, [dev.addrs.weth, token.address], [token.v3_fee], E18, native_in=True)
    head = await dev.block()
    events = await watcher.poll()

    (v2,) = [e for e in events if isinstance(e, V2Swap)]
    assert v2.address == token.v2_pair
    assert v2.recipient == trader
    assert got_v2 in (v2.amount0_out, v2.amount1_out)
    (sync,) = [e for e in events if isinstance(e, Sync)]
    pair = await read_pair(dev.client, token.v2_pair, head)
    assert (sync.reserve0, sync.reserve1) == (pair.reserve0, pair.reserve1)
    assert watcher.states[token.v2_pair] == V2State(token.v2_pair, pair.reserve0, pair.reserve1, head)

    (v3,) = [e for e in events if isinstance(e, V3Swap)]
    slot0, liquidity = await read_pool(dev.client, token.v3_pool, head)
    assert (v3.sqrt_price_x96, v3.tick, v3.liquidity) == (slot0.sqrt_price_x96, slot0.tick, liquidity)
    assert watcher.states[token.v3_pool] == V3State(
        token.v3_pool, slot0.sqrt_price_x96, slot0.tick, liquidity, head
    )

    to_trader = [e for e in events if isinstance(e, Transfer) and e.recipient == trader]
    assert sum(e.value for e in to_trader) == await dev.token_balance(token.address, trader)
    numbers = [e.block_number for e in events if isinstance(e, LogEvent)]
    assert numbers == sorted(numbers)
    assert len(numbers) == len(events) - 1
    block = closing(events)
    assert (block.number, block.changed) == (head, (token.v2_pair, token.v3_pool))
    assert await watcher.poll() == []


async def test_a_poll_is_the_head_then_one_batch_and_handed_the_head_only_the_batch(dev: DevChain) -> None:
    token = next(t for t in dev.dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair
    trader = dev.trader()
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    watcher.watch_v2([token.v2_pair])
    watcher.watch_tokens([token.address])
    await watcher.start()
    posts: list[str] = []

    def observe(_i: int, cls: str, _status: str, _s: float) -> None:
        posts.append(cls)

    dev.client.observers.append(observe)
    try:
        await dev.swap_v2(trader, [dev.addrs.weth, token.address], E18, native_in=True)
        posts.clear()
        read = await watcher.poll()  # headers, logs and pool states of the new head: one batch
        assert posts == ["read", "batch"]
        await dev.swap_v2(trader, [dev.addrs.weth, token.address], E18, native_in=True)
        raw = await dev.client.request("eth_getBlockByNumber", ["latest", False])
        tip = Header(int(raw["number"], 16), raw["hash"], raw["parentHash"], int(raw["timestamp"], 16))
        posts.clear()
        handed = await watcher.poll(tip)
        assert posts == ["batch"]
    finally:
        dev.client.observers.remove(observe)
    for events in (read, handed):
        assert [type(e) for e in events if not isinstance(e, Transfer)] == [Sync, V2Swap, NewBlock]
    assert closing(handed).number == tip.number == closing(read).number + 1
    pair = await read_pair(dev.client, token.v2_pair, tip.number)
    assert watcher.states[token.v2_pair] == V2State(token.v2_pair, pair.reserve0, pair.reserve1, tip.number)


async def test_a_revert_to_a_shorter_different_chain_is_a_reorg_and_is_re_read(dev: DevChain) -> None:
    pair = dev.dep.usdc_v2_pair
    trader = dev.trader()
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    watcher.watch_v2([pair])
    watcher.watch_tokens([dev.dep.usdc])
    start = await watcher.start()
    original = watcher.states[pair]

    snapshot = await dev.client.request("evm_snapshot", [])
    await dev.swap_v2(trader, [dev.addrs.weth, dev.dep.usdc], 10 * E18, native_in=True)
    await dev.mine(2)
    seen = await watcher.poll()
    assert any(isinstance(e, V2Swap) for e in seen)
    assert watcher.head == start + 3
    old_head_hash = closing(seen).hash

    assert await dev.client.request("evm_revert", [snapshot]) is True
    await dev.transfer(dev.dep.deployer, dev.dep.usdc, trader, 123)  # a different block start + 1
    await dev.mine(1)
    head = await dev.block()
    assert head == start + 2
    events = await watcher.poll()

    assert isinstance(events[0], Reorg)
    assert events[0] == Reorg(
        start, 3, old_head_hash, head, events[-1].hash if isinstance(events[-1], NewBlock) else ""
    )
    assert not any(isinstance(e, V2Swap) for e in events)
    (moved,) = [e for e in events if isinstance(e, Transfer)]
    assert (moved.value, moved.block_number) == (123, start + 1)
    assert watcher.states[pair] == original._replace(block=head)
    assert watcher.head == head


async def test_anvil_reorg_at_the_same_height_is_detected_from_the_changed_hash(dev: DevChain) -> None:
    pair = dev.dep.usdc_v2_pair
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    watcher.watch_v2([pair])
    start = await watcher.start()
    await dev.swap_v2(dev.trader(), [dev.addrs.weth, dev.dep.usdc], E18, native_in=True)
    await dev.mine(2)
    await watcher.poll()
    swapped = watcher.states[pair]

    # Replace start+2 and start+3 (keeping the swap). The new blocks carry a transfer: two empty blocks
    # mined in the same second as the ones they replace would hash the same and be no reorg at all.
    transfer = {"from": dev.trader(8), "to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}
    await dev.client.request("anvil_reorg", [2, [[transfer, 0]]])
    events = await watcher.poll()
    reorg = events[0]
    assert isinstance(reorg, Reorg)
    assert (reorg.common_ancestor, reorg.depth, reorg.new_head) == (start + 1, 2, start + 3)
    assert closing(events).changed == ()
    assert watcher.states[pair] == swapped._replace(block=start + 3)


async def test_the_event_stream_yields_what_polls_find(dev: DevChain) -> None:
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    assert watcher.poll_interval_s == poll_interval(0) == 0.05
    assert PoolWatcher(dev.client, dev.addrs, block_time_s=2).poll_interval_s == 0.5
    await watcher.start()
    stream = watcher.events()

    async def first_two() -> list[object]:
        return [await anext(stream), await anext(stream)]

    task = asyncio.create_task(first_two())
    await asyncio.sleep(0.1)  # the stream is idle and polling
    await dev.create_pair(plain(dev, 2), plain(dev, 3))
    created, block = await waits.within(task, "the stream yielding the new pair and its block")
    await stream.aclose()
    assert isinstance(created, PairCreated)
    assert isinstance(block, NewBlock)
    assert block.changed == (created.pair,)
