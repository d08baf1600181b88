"""The watcher's pool list is bounded: a pool with no Swap/Sync for ``idle_blocks`` is dropped, an empty
one sooner, and over ``max_pools`` the least recently active go first; a pinned pool never goes. A
dropped pool leaves the reader and the states, and the closing NewBlock names it."""

from __future__ import annotations

from devchain import DevChain

from dexbot.chain.dex.events import NewBlock, WatchEvent
from dexbot.chain.pool_ages import Retention
from dexbot.chain.watcher import PoolWatcher

E18 = 10**18


def closing(events: list[WatchEvent]) -> NewBlock:
    last = events[-1]
    assert isinstance(last, NewBlock)
    return last


def pairs(dev: DevChain, n: int) -> list[str]:
    found = [t.v2_pair for t in dev.dep.tokens if t.v2_pair is not None][:n]
    assert len(found) == n
    return found


async def buy(dev: DevChain, pair: str) -> None:
    (token,) = [t.address for t in dev.dep.tokens if t.v2_pair == pair]
    await dev.swap_v2(dev.trader(), [dev.addrs.weth, token], E18 // 100, native_in=True)


def watched(w: PoolWatcher) -> set[str]:
    return {*w.reader.v2_pools, *w.reader.v3_pools}


async def test_idle_pools_are_dropped_after_idle_blocks_and_a_pinned_one_is_kept(dev: DevChain) -> None:
    active, idle, pinned = pairs(dev, 3)
    w = PoolWatcher(
        dev.client, dev.addrs, block_time_s=0, retention=Retention(idle_blocks=3), pinned=lambda: {pinned}
    )
    w.watch_v2([active, idle, pinned])
    start = await w.start()
    await buy(dev, active)  # start + 1
    await dev.mine(1)
    assert closing(await w.poll()).dropped == ()

    await dev.mine(1)  # start + 3: `idle` and `pinned` last active at the start
    block = closing(await w.poll())

    assert (block.number, block.dropped) == (start + 3, (idle,))
    assert watched(w) == {active, pinned}
    assert set(w.states) == {active, pinned}
    await dev.mine(2)  # start + 5: `active` is 4 blocks past its swap
    assert closing(await w.poll()).dropped == (active,)
    assert watched(w) == {pinned}
    assert w.states[pinned].block == start + 5


async def test_an_empty_pair_goes_after_empty_blocks_while_a_funded_quiet_one_stays(dev: DevChain) -> None:
    (funded,) = pairs(dev, 1)
    a, b = (t.address for t in dev.dep.tokens[-2:])
    w = PoolWatcher(
        dev.client, dev.addrs, block_time_s=0, retention=Retention(idle_blocks=50, empty_blocks=2)
    )
    w.watch_v2([funded])
    start = await w.start()
    await dev.create_pair(a, b)  # start + 1: auto-watched, no liquidity
    events = await w.poll()
    (empty,) = set(watched(w)) - {funded}
    assert w.states[empty][1:3] == (0, 0)
    assert closing(events).dropped == ()

    await dev.mine(2)
    block = closing(await w.poll())

    assert (block.number, block.dropped) == (start + 3, (empty,))
    assert watched(w) == {funded}


async def test_over_the_cap_the_least_recently_active_go_and_a_pinned_one_stays(dev: DevChain) -> None:
    pinned, a, b, c = pairs(dev, 4)
    w = PoolWatcher(
        dev.client, dev.addrs, block_time_s=0, retention=Retention(max_pools=2), pinned=lambda: {pinned}
    )
    w.watch_v2([pinned, a, b, c])
    await w.start()
    for pool in (pinned, a, b, c):  # one swap a block: `pinned` is the least recently active
        await buy(dev, pool)

    block = closing(await w.poll())

    assert block.dropped == (a, b)
    assert watched(w) == {pinned, c}
    assert w.ages.last_active == {pinned: block.number - 3, c: block.number}
