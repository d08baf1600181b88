"""Gas breakers, driven by reported fees (the devnet versions read real blocks: test_breakers_devnet)."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import ETH, GWEI, T0, Lifecycle, healthy


async def test_base_fee_above_the_ceiling_pauses_entries(life: Lifecycle) -> None:
    fees = (201 * GWEI,) * 10  # steady, so it is not a spike: only the ceiling trips
    bad = replace(healthy(T0), base_fee=201 * GWEI, recent_base_fees=fees)
    await life.run("base_fee_ceiling", bad, blocks="pause_entries", reason_has=("201.000 gwei", "200.000"))


async def test_gas_spike_three_times_the_median_pauses_entries(life: Lifecycle) -> None:
    bad = replace(healthy(T0), base_fee=3 * GWEI, recent_base_fees=(GWEI,) * 9 + (2 * GWEI,))
    await life.run("gas_spike", bad, blocks="pause_entries", reason_has=("300% of the recent median",))


async def test_daily_gas_budget_spent_pauses_entries(life: Lifecycle) -> None:
    bad = replace(healthy(T0), gas_spent_today=ETH // 2)
    await life.run("gas_budget", bad, blocks="pause_entries", reason_has=("0.500000 WETH spent",))


async def test_l1_data_fee_spike_pauses_entries(life: Lifecycle) -> None:
    history = (10**12, 11 * 10**11, 9 * 10**11, 10**12, 10**12)
    bad = replace(healthy(T0), l1_fee=5 * 10**12, recent_l1_fees=history)
    out = await life.run("l1_fee_spike", bad, blocks="pause_entries", reason_has=("500% of the recent",))
    assert out.first.open[0].scope == "chain"
