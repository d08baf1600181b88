"""The market trades from the top of anvil's account list and refuses to start without enough accounts,
saying which setting to change."""

from __future__ import annotations

import dataclasses

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.market import MarketSimulator, MarketStats
from dexbot.chain.devnet.market.traders import market_accounts
from dexbot.core.config import MarketConfig
from dexbot.core.errors import DevnetError

ACCOUNTS = [f"0x{i:040x}" for i in range(20)]


def test_market_accounts_are_the_highest_numbered_ones() -> None:
    launcher, traders = market_accounts(ACCOUNTS, 8)
    assert traders == ACCOUNTS[12:]
    assert launcher == ACCOUNTS[11]


def test_too_few_accounts_names_both_settings() -> None:
    with pytest.raises(DevnetError, match=r"devnet\.accounts = 9 is too few for devnet\.market\.traders = 8"):
        market_accounts(ACCOUNTS[:9], 8)


async def test_a_market_that_cannot_start_says_why_in_its_stats(devnet: Devnet) -> None:
    stats = MarketStats()
    few = dataclasses.replace(devnet, accounts=devnet.accounts[:5])
    with pytest.raises(DevnetError, match=r"raise devnet\.accounts"):
        await MarketSimulator(few, MarketConfig(traders=8), 1, stats=stats).run()
    assert stats.stopped.startswith("devnet.accounts = 5 is too few")
    assert stats.summary() == f"market stopped: {stats.stopped}"
    assert stats.swaps_sent == 0


async def test_a_disabled_market_returns_at_once_without_trading(devnet: Devnet) -> None:
    stats = MarketStats()
    await MarketSimulator(devnet, MarketConfig(enabled=False), 1, stats=stats).run()
    assert stats.swaps_sent == 0
    assert stats.stopped == ""
