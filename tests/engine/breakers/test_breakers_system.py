"""System breakers: database, wallet accounting and the kill switch."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import ETH, T0, Lifecycle, healthy


async def test_database_write_failure_halts(life: Lifecycle) -> None:
    bad = replace(healthy(T0), db_write_error="database is locked")
    await life.run("db_write_failure", bad, blocks="halt", reason_has=("database is locked",))


async def test_wallet_balance_below_the_ledger_expectation_halts(life: Lifecycle) -> None:
    bad = replace(healthy(T0), wallet_balance=4 * ETH, expected_balance=5 * ETH)
    await life.run("wallet_balance", bad, blocks="halt", reason_has=("4.000000 ETH", "-1.000000 ETH"))


async def test_kill_switch_flag_halts_and_asks_to_cancel_pending_txs(life: Lifecycle) -> None:
    bad = replace(healthy(T0), kill_switch=True)
    out = await life.run("kill_switch", bad, blocks="halt", reason_has=("kill switch is engaged",))
    assert out.first.kill_switch
