"""Portfolio breakers, driven by the engine's own state (a portfolio snapshot and closed trades)."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import ETH, T0, Lifecycle, healthy, snapshot

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers import ClosedTrade, HeldToken
from dexbot.engine.breakers.portfolio.daily_loss import DailyLoss
from dexbot.engine.breakers.portfolio.losing_streak import LosingStreak

TOKEN = "0x" + "a1" * 20


async def test_daily_loss_halts_all_trading_once_the_day_lost_ten_percent(life: Lifecycle) -> None:
    bad = replace(healthy(T0), snapshot=snapshot(cash=9 * ETH), day_start_equity=10 * ETH)
    out = await life.run(
        "daily_loss", bad, blocks="halt", reason_has=("10.00%", "10.000000 WETH → 9.000000 WETH")
    )
    assert out.first.reason.startswith("daily_loss: equity fell 10.00% since 00:00 UTC")


def test_daily_loss_limit_is_exact_to_the_wei() -> None:
    b = DailyLoss(BreakersConfig(daily_loss_pct=10))
    start = 10 * ETH
    just_under = replace(healthy(T0), snapshot=snapshot(cash=9 * ETH + 1), day_start_equity=start)
    assert b.check(just_under) is None
    assert b.check(replace(just_under, snapshot=snapshot(cash=9 * ETH))) is not None


async def test_max_drawdown_halts_at_twenty_percent_below_the_peak(life: Lifecycle) -> None:
    # the day started at today's equity (no daily loss), but the peak was 12.5 WETH last week
    bad = replace(healthy(T0), snapshot=snapshot(cash=10 * ETH, peak=12_500_000_000_000_000_000))
    await life.run("max_drawdown", bad, blocks="halt", reason_has=("20.00% below its peak", "12.500000"))


async def test_losing_streak_pauses_entries_after_five_losses_in_a_row(life: Lifecycle) -> None:
    trades = (
        ClosedTrade(T0 - 900, TOKEN, 5 * 10**16),  # a win, then five losses
        *(ClosedTrade(T0 - 600 + i * 60, TOKEN, -(10**16)) for i in range(5)),
    )
    bad = replace(healthy(T0), closed_trades=trades)
    await life.run("losing_streak", bad, blocks="pause_entries", reason_has=("last 5 closed trades",))


def test_losing_streak_is_broken_by_a_win_and_ages_out_of_its_window() -> None:
    b = LosingStreak(BreakersConfig(consecutive_losses=3))
    losses = tuple(ClosedTrade(T0 - 100 + i, TOKEN, -1) for i in range(3))
    assert b.check(replace(healthy(T0), closed_trades=losses)) is not None
    broken = (*losses[:2], ClosedTrade(T0 - 50, TOKEN, 1), losses[2])
    assert b.check(replace(healthy(T0), closed_trades=broken)) is None
    assert b.check(replace(healthy(T0 + 3700), closed_trades=losses)) is None


async def test_position_concentration_blocks_more_buys_of_that_token_only(life: Lifecycle) -> None:
    # 3 WETH of one token in a 10 WETH book: 30% > 25%
    held = (HeldToken(TOKEN, "FAT", 3 * ETH),)
    bad = replace(healthy(T0), snapshot=snapshot(cash=7 * ETH, equity=10 * ETH, open_positions=1), held=held)
    out = await life.run(
        "position_concentration", bad, blocks="block_token", key=TOKEN, reason_has=("FAT", "30.00%")
    )
    assert out.first.open[0].scope == f"token:{TOKEN}"


async def test_max_open_positions_pauses_entries_with_a_full_book(life: Lifecycle) -> None:
    bad = replace(healthy(T0), snapshot=snapshot(cash=9 * ETH, equity=10 * ETH, open_positions=10))
    await life.run("max_open_positions", bad, blocks="pause_entries", reason_has=("10 positions are open",))


async def test_total_exposure_pauses_entries_at_eighty_percent_in_tokens(life: Lifecycle) -> None:
    # eight positions' worth would trip max_open_positions too; four 2-WETH positions do not
    bad = replace(healthy(T0), snapshot=snapshot(cash=2 * ETH, equity=10 * ETH, open_positions=4))
    await life.run("total_exposure", bad, blocks="pause_entries", reason_has=("80.00% of equity",))
