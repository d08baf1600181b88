"""A node's wrong answer about a pool's state (reserve0 doubled by the chaos proxy) never becomes the
watcher's state: it contradicts the chain's own Sync log (or, with no log, the state a block before), so
it is read again; one that keeps contradicting them is not trusted at that block."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from devchain import DevChain

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.dex.events import NewBlock, Sync
from dexbot.chain.dex.states import V2State
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.rpc import RpcClient
from dexbot.chain.watcher import STATE_REREADS, PoolWatcher

E18 = 10**18
DOUBLED = Fault("wrong_data", frozenset({"eth_call"}), scale_bps=20_000)
DOUBLED_ONCE = dataclasses.replace(DOUBLED, times=1)


@pytest.fixture
async def lying(chain: Devnet, dev: DevChain) -> AsyncIterator[tuple[ChaosProxy, PoolWatcher, str]]:
    """A watcher reading a V2 pair through the chaos proxy (the trades go to the node directly)."""
    token = next(t for t in dev.dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair
    async with ChaosProxy(chain.rpc_url) as proxy, RpcClient([proxy.url]) as client:
        watcher = PoolWatcher(client, dev.addrs, block_time_s=0)
        watcher.watch_v2([token.v2_pair])
        await watcher.start()
        yield proxy, watcher, token.v2_pair


async def _buy(dev: DevChain, pair: str) -> None:
    token = next(t.address for t in dev.dep.tokens if t.v2_pair == pair)
    await dev.swap_v2(dev.trader(), [dev.addrs.weth, token], E18 // 10, native_in=True)


async def _truth(dev: DevChain, pair: str, block: int) -> V2State:
    res = await read_pair(dev.client, pair, block)
    return V2State(pair, res.reserve0, res.reserve1, block)


async def test_one_wrong_answer_after_a_swap_is_read_again_and_the_sync_log_wins(
    dev: DevChain, lying: tuple[ChaosProxy, PoolWatcher, str]
) -> None:
    proxy, watcher, pair = lying
    await _buy(dev, pair)
    head = await dev.block()
    proxy.inject(DOUBLED_ONCE)
    events = await watcher.poll()
    assert proxy.hits == {"wrong_data": 1}  # the first read was the lie
    (sync,) = [e for e in events if isinstance(e, Sync)]
    assert watcher.states[pair] == await _truth(dev, pair, head)
    assert (sync.reserve0, sync.reserve1) == watcher.states[pair][1:3]
    assert (watcher.answers_disagreed, watcher.untrusted) == (1, {})
    assert isinstance(events[-1], NewBlock)
    assert events[-1].changed == (pair,)


async def test_a_wrong_answer_in_a_quiet_block_is_caught_by_the_state_a_block_before(
    dev: DevChain, lying: tuple[ChaosProxy, PoolWatcher, str]
) -> None:
    proxy, watcher, pair = lying
    before = watcher.states[pair]
    await dev.client.request("anvil_mine", [hex(1)])
    proxy.inject(DOUBLED_ONCE)
    events = await watcher.poll()
    head = await dev.block()
    assert watcher.states[pair] == before._replace(block=head) == await _truth(dev, pair, head)
    assert watcher.answers_disagreed == 1
    assert isinstance(events[-1], NewBlock)
    assert events[-1].changed == ()  # a lie is not a price move


async def test_a_node_that_keeps_lying_about_a_pool_is_not_trusted_there_and_the_state_stays(
    dev: DevChain, lying: tuple[ChaosProxy, PoolWatcher, str]
) -> None:
    proxy, watcher, pair = lying
    before = watcher.states[pair]
    await _buy(dev, pair)
    head = await dev.block()
    proxy.inject(DOUBLED)
    await watcher.poll()
    assert proxy.hits == {"wrong_data": 1 + STATE_REREADS}
    assert watcher.states[pair] == before  # the last state it trusted, at its own block
    assert watcher.untrusted == {pair: head}
    assert pair in watcher.failed
    assert watcher.answers_disagreed == 1
    proxy.clear()
    await dev.client.request("anvil_mine", [hex(1)])
    proxy.inject(DOUBLED_ONCE)
    await watcher.poll()  # a quiet block: the lie is still caught, by the Sync the untrusted block had
    assert watcher.answers_disagreed == 2
    assert watcher.untrusted == {}
    assert watcher.states[pair] == await _truth(dev, pair, head + 1)


async def test_with_two_endpoints_the_second_read_asks_the_other_node(chain: Devnet, dev: DevChain) -> None:
    token = next(t for t in dev.dep.tokens if t.kind == "plain" and t.v2_pair)
    pair = token.v2_pair
    assert pair
    async with (
        ChaosProxy(chain.rpc_url) as liar,
        ChaosProxy(chain.rpc_url) as honest,
        RpcClient([liar.url, honest.url]) as client,
    ):
        watcher = PoolWatcher(client, dev.addrs, block_time_s=0)
        watcher.watch_v2([pair])
        await watcher.start()
        await _buy(dev, pair)
        head = await dev.block()
        liar.inject(DOUBLED)
        await watcher.poll()
        assert liar.hits == {"wrong_data": 1}  # read once from #0; the second read went to #1
        assert (watcher.answers_disagreed, watcher.untrusted) == (1, {})
        assert watcher.states[pair] == await _truth(dev, pair, head)
        assert client.ordered()[0].index == 0  # the order is back to the configured one


async def test_logs_from_a_backend_behind_the_head_are_read_again_not_blamed_on_the_state(
    dev: DevChain, lying: tuple[ChaosProxy, PoolWatcher, str]
) -> None:
    """Here the logs are the wrong answer: a node a block behind misses the swap's Sync. The state read
    is right, and the second read of the logs agrees with it."""
    proxy, watcher, pair = lying
    await _buy(dev, pair)
    head = await dev.block()
    behind = proxy.inject(Fault("lag", frozenset({"eth_getLogs"}), blocks=1, times=2))  # the poll's 2 filters
    await watcher.poll()
    assert behind.hits == 2
    assert (watcher.answers_disagreed, watcher.untrusted) == (1, {})
    assert watcher.states[pair] == await _truth(dev, pair, head)


async def test_logs_that_stay_behind_leave_the_state_untrusted_until_they_catch_up(
    dev: DevChain, lying: tuple[ChaosProxy, PoolWatcher, str]
) -> None:
    proxy, watcher, pair = lying
    await _buy(dev, pair)
    swapped = await dev.block()
    proxy.inject(Fault("lag", frozenset({"eth_getLogs"}), blocks=1))
    await watcher.poll()
    assert watcher.untrusted == {pair: swapped}  # fail closed: nothing explains the new reserves yet
    proxy.clear()
    await dev.client.request("anvil_mine", [hex(1)])
    await watcher.poll()  # a quiet block: its logs alone explain nothing, the swap's block is read again
    assert watcher.untrusted == {}
    assert watcher.states[pair] == await _truth(dev, pair, swapped + 1)
