"""A market left running for hours keeps only the launches its plan can still trade or rug: the plan
trades the newest MAX_LIVE_LAUNCHES and rugs within a few launch periods, so older ones are forgotten."""

from __future__ import annotations

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.devnet.market import MarketSimulator
from dexbot.chain.devnet.market.actions import pool_key
from dexbot.chain.devnet.market.launches import LaunchedToken
from dexbot.chain.devnet.market.plan import MAX_LIVE_LAUNCHES
from dexbot.chain.devnet.market.pools import token_pool
from dexbot.chain.devnet.market.simulator import KEPT_LAUNCHES
from dexbot.chain.devnet.market.stats import RECENT_LAUNCHES, Launched, MarketStats
from dexbot.chain.devnet.market.traders import Trader
from dexbot.core.config import MarketConfig


def token(i: int, owner: str) -> DevToken:
    return DevToken(f"0x{i:040x}", f"L{i}", f"L{i}", 18, "plain", owner, None, None, None)


def test_the_stats_list_only_the_newest_launches_and_count_them_all() -> None:
    stats = MarketStats()
    for i in range(RECENT_LAUNCHES + 3):
        stats.record(Launched(token(i, "0x" + "0" * 40), (), i))

    assert stats.launch_count == RECENT_LAUNCHES + 3
    assert [t.symbol for t in stats.launched] == [f"L{i}" for i in range(3, RECENT_LAUNCHES + 3)]


def test_a_long_running_market_forgets_launches_it_no_longer_trades_or_rugs(devnet: Devnet) -> None:
    sim = MarketSimulator(devnet, MarketConfig(), 1)
    seeded = set(sim._pools)
    dep = devnet.deployment
    trader = Trader(0, devnet.accounts[-1], approved={(dep.weth, dep.v2_router)})
    sim._traders = [trader]
    for i in range(KEPT_LAUNCHES + 2):
        launched = token(i, devnet.accounts[0])
        sim._launched[i] = LaunchedToken(launched, None, (), i)
        sim._pools[pool_key(launched.symbol)] = token_pool(devnet.deployment, launched)
        trader.approved |= {(launched.address, dep.v2_router), (launched.address.upper(), dep.v3_swap_router)}
        trader.commit(launched.address, 10)
        sim._retire_old_launches()

    assert KEPT_LAUNCHES == 4 * MAX_LIVE_LAUNCHES
    assert sorted(sim._launched) == list(range(2, KEPT_LAUNCHES + 2))
    assert set(sim._pools) == seeded | {pool_key(f"L{i}") for i in range(2, KEPT_LAUNCHES + 2)}
    # the traders forget their approvals of and commitments to retired launches, not anything else
    kept = [token(i, "").address for i in range(2, KEPT_LAUNCHES + 2)]
    assert trader.approved == {(dep.weth, dep.v2_router)} | {(a, dep.v2_router) for a in kept} | {
        (a.upper(), dep.v3_swap_router) for a in kept
    }
    assert trader.committed == {a: 10 for a in kept}
