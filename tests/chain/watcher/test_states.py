"""Multicall3 state reads: equal to one-by-one reads at the same block, one JSON-RPC batch for all
chunks, pinned to the block asked for, and non-pools reported instead of misread."""

from __future__ import annotations

from devchain import DevChain

from dexbot.chain.dex.states import StateReader, V2State, V3State
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.dex.uniswap_v3.pool import read_pool

E18 = 10**18


def all_pools(dev: DevChain) -> tuple[list[str], list[str]]:
    pairs = [dev.dep.usdc_v2_pair, *(t.v2_pair for t in dev.dep.tokens if t.v2_pair)]
    pools = [dev.dep.usdc_v3_pool, *(t.v3_pool for t in dev.dep.tokens if t.v3_pool)]
    return pairs, pools


async def test_multicall_states_equal_individual_reads_at_the_same_block(dev: DevChain) -> None:
    pairs, pools = all_pools(dev)
    reader = StateReader(dev.client, chunk_size=3)  # several chunks, still one batch
    reader.add_v2(pairs)
    reader.add_v3(pools)
    block = await dev.block()
    trader = dev.trader()
    await dev.swap_v2(trader, [dev.addrs.weth, dev.dep.usdc], 5 * E18, native_in=True)
    await dev.swap_v3(trader, [dev.addrs.weth, dev.dep.usdc], [3000], 5 * E18, native_in=True)

    batches_before = sum(n for (_, cls, _), n in dev.client.stats.by_key.items() if cls == "batch")
    states, failed = await reader.read(block)
    batches = sum(n for (_, cls, _), n in dev.client.stats.by_key.items() if cls == "batch") - batches_before
    assert batches == 1
    assert failed == []
    assert len(states) == len(pairs) + len(pools)
    for p in pairs:
        r = await read_pair(dev.client, p, block)
        assert states[p] == V2State(p, r.reserve0, r.reserve1, block)
    for p in pools:
        slot0, liquidity = await read_pool(dev.client, p, block)
        assert states[p] == V3State(p, slot0.sqrt_price_x96, slot0.tick, liquidity, block)

    later, _ = await reader.read(block + 2)
    for moved in (dev.dep.usdc_v2_pair, dev.dep.usdc_v3_pool):
        assert later[moved] != states[moved]
    r = await read_pair(dev.client, dev.dep.usdc_v2_pair, block + 2)
    assert later[dev.dep.usdc_v2_pair][1:3] == (r.reserve0, r.reserve1)


async def test_addresses_that_are_not_pools_are_reported_not_misread(dev: DevChain) -> None:
    reader = StateReader(dev.client)
    eoa, token = dev.trader(), dev.dep.usdc
    reader.add_v2([eoa, dev.dep.usdc_v2_pair])
    reader.add_v3([token])
    states, failed = await reader.read(await dev.block())
    assert sorted(failed) == sorted([eoa, token])
    assert list(states) == [dev.dep.usdc_v2_pair]
    reader.discard([eoa, token])
    assert len(reader) == 1
