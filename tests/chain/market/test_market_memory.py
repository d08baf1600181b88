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
from dexbot.core.config import MarketConfig


def test_a_long_running_market_forgets_launches_it_no_longer_trades_or_rugs(devnet: Devnet) -> None:
    sim = MarketSimulator(devnet, MarketConfig(), 1)
    seeded = set(sim._pools)
    for i in range(KEPT_LAUNCHES + 2):
        token = DevToken(f"0x{i:040x}", f"L{i}", f"L{i}", 18, "plain", devnet.accounts[0], None, None, None)
        sim._launched[i] = LaunchedToken(token, None, (), i)
        sim._pools[pool_key(token.symbol)] = token_pool(devnet.deployment, token)
        sim._retire_old_launches()

    assert KEPT_LAUNCHES == 4 * MAX_LIVE_LAUNCHES
    assert sorted(sim._launched) == list(range(2, KEPT_LAUNCHES + 2))
    assert set(sim._pools) == seeded | {pool_key(f"L{i}") for i in range(2, KEPT_LAUNCHES + 2)}
