"""DEX/market breakers, driven by pool observations (the rug and tax change also happen for real on the
devnet in test_breakers_devnet)."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import ETH, T0, Lifecycle, healthy

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers import HeldToken, PoolObs
from dexbot.engine.breakers.market.tax_changed import TaxChanged

TOKEN = "0x" + "c3" * 20
POOL = "0x" + "c4" * 20


async def test_pool_price_off_the_second_pool_blocks_that_pool(life: Lifecycle) -> None:
    pool = PoolObs(POOL, TOKEN, "DEV", price=120 * 10**12, liquidity=20 * ETH, peak_liquidity=20 * ETH,
                   reference_price=100 * 10**12)  # fmt: skip
    bad = replace(healthy(T0), pools=(pool,))
    await life.run(
        "price_deviation", bad, blocks="block_pool", key=POOL, token=TOKEN,
        reason_has=("20.00% away from the second pool",),
    )  # fmt: skip


async def test_liquidity_pulled_from_a_token_not_held_blocks_it(life: Lifecycle) -> None:
    pool = PoolObs(POOL, TOKEN, "RUG", price=10**12, liquidity=4 * ETH, peak_liquidity=20 * ETH)
    bad = replace(healthy(T0), pools=(pool,))
    await life.run("liquidity_drop", bad, blocks="block_token", key=TOKEN, reason_has=("80.00%", "rug"))


async def test_volatility_spike_blocks_the_pool(life: Lifecycle) -> None:
    prices = (100, 104, 97, 125)  # a 28.8% swing so far; now 130: 34% from the low
    pool = PoolObs(POOL, TOKEN, "WILD", price=130, liquidity=20 * ETH, peak_liquidity=20 * ETH,
                   recent_prices=prices, reference_price=125)  # fmt: skip
    bad = replace(healthy(T0), pools=(pool,))
    await life.run(
        "volatility_spike", bad, blocks="block_pool", key=POOL, token=TOKEN, reason_has=("34.02%",)
    )


async def test_twenty_hostile_tokens_in_an_hour_pause_the_fast_lane_only(life: Lifecycle) -> None:
    bad = replace(healthy(T0), hostile_seen=tuple(T0 - 3500 + i * 100 for i in range(20)))
    await life.run("hostile_tokens", bad, blocks="pause_fast_lane", reason_has=("20 hostile tokens",))


async def test_tax_raised_after_entry_exits_that_position(life: Lifecycle) -> None:
    held = (HeldToken(TOKEN, "TAXY", ETH, entry_buy_tax_bps=300, entry_sell_tax_bps=300,
                      buy_tax_bps=300, sell_tax_bps=9900),)  # fmt: skip
    bad = replace(healthy(T0), held=held)
    await life.run(
        "tax_changed", bad, blocks="exit_position", key=TOKEN, reason_has=("sell tax 3.00% → 99.00%",)
    )


def test_tax_lowered_or_unmeasured_is_not_a_trip() -> None:
    b = TaxChanged(BreakersConfig())
    lowered = HeldToken(TOKEN, "T", ETH, 500, 500, 100, 100)
    unknown = HeldToken(TOKEN, "T", ETH, 0, 0, None, None)
    assert b.trips(replace(healthy(T0), held=(lowered, unknown))) == []
