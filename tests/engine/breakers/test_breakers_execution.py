"""Execution breakers, driven by the transaction outcomes, fills and ledger the engine reports."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import T0, Lifecycle, healthy

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers import FillSlippage, PendingTx, TxStatusAt
from dexbot.engine.breakers.execution.revert_rate import RevertRate
from dexbot.engine.breakers.execution.slippage import Slippage

TOKEN = "0x" + "b2" * 20


async def test_three_failed_transactions_in_a_row_pause_entries(life: Lifecycle) -> None:
    txs = (
        TxStatusAt(T0 - 300, "mined"),
        TxStatusAt(T0 - 200, "reverted"),
        TxStatusAt(T0 - 100, "failed"),
        TxStatusAt(T0 - 50, "reverted"),
    )
    bad = replace(healthy(T0), txs=txs)
    await life.run("failed_txs", bad, blocks="pause_entries", reason_has=("reverted, failed, reverted",))


async def test_revert_rate_above_thirty_percent_pauses_entries(life: Lifecycle) -> None:
    # 3 of 8 reverted (37.5%), interleaved so there is never a streak of three failures
    pattern = ["mined", "reverted", "mined", "reverted", "mined", "mined", "reverted", "mined"]
    bad = replace(healthy(T0), txs=tuple(TxStatusAt(T0 - 400 + 30 * i, s) for i, s in enumerate(pattern)))
    await life.run("revert_rate", bad, blocks="pause_entries", reason_has=("3 of the last 8", "37.50%"))


def test_revert_rate_needs_a_minimum_sample_and_ignores_old_txs() -> None:
    b = RevertRate(BreakersConfig())
    few = tuple(TxStatusAt(T0 - 10, "reverted") for _ in range(4))
    assert b.check(replace(healthy(T0), txs=few)) is None
    old = tuple(TxStatusAt(T0 - 1000, "reverted") for _ in range(9))
    assert b.check(replace(healthy(T0), txs=old)) is None


async def test_realised_slippage_above_tolerance_pauses_entries(life: Lifecycle) -> None:
    # quoted 1_000_000, received 960_000: 4% > 3%
    fills = (
        FillSlippage(T0 - 20, TOKEN, 1_000_000, 999_000),
        FillSlippage(T0 - 10, TOKEN, 1_000_000, 960_000),
    )
    bad = replace(healthy(T0), fills=fills)
    await life.run("slippage", bad, blocks="pause_entries", reason_has=("960000", "4.00% slippage"))


def test_slippage_at_exactly_the_tolerance_does_not_trip() -> None:
    b = Slippage(BreakersConfig(max_slippage_bps=300))
    at_limit = replace(healthy(T0), fills=(FillSlippage(T0, TOKEN, 10_000, 9_700),))
    assert b.check(at_limit) is None
    assert b.check(replace(at_limit, fills=(FillSlippage(T0, TOKEN, 10_000, 9_699),))) is not None


async def test_transaction_pending_more_than_ten_blocks_pauses_entries(life: Lifecycle) -> None:
    pending = (PendingTx("0x" + "ab" * 32, 41, 995), PendingTx("0x" + "cd" * 32, 42, 989))
    bad = replace(healthy(T0), block_number=1000, pending_txs=pending)
    await life.run("stuck_tx", bad, blocks="pause_entries", reason_has=("nonce 42", "pending 11 blocks"))


async def test_nonce_mismatch_between_ledger_and_chain_halts(life: Lifecycle) -> None:
    bad = replace(healthy(T0), ledger_nonce=7, chain_nonce=8)
    await life.run("nonce_mismatch", bad, blocks="halt", reason_has=("another signer",))


async def test_trade_rate_limit_pauses_entries_after_twenty_trades_in_a_minute(life: Lifecycle) -> None:
    bad = replace(healthy(T0), trade_times=tuple(T0 - 59 + i * 2.5 for i in range(20)))
    await life.run("trade_rate", bad, blocks="pause_entries", reason_has=("20 trades in the last minute",))
