"""Report figures off hand-built results: every expected value below is worked out on paper from the
trades and the curve in sample_results.sample()."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_results import TOKEN_A, TOKEN_B, flat, sample

from dexbot.chain.dex.uniswap_v2.math import UNISWAP_V2_FEE
from dexbot.engine.backtest.collect import swap_fee_wei
from dexbot.engine.backtest.metrics import DrawdownPoint, TokenPnl, compute, drawdowns

ETH = 10**18


def test_sample_run_figures_are_the_hand_computed_ones() -> None:
    m = compute(sample())
    assert (m.trades, m.buys, m.sells, m.blocks) == (6, 3, 3, 4)
    assert m.skips == (("liquidity below minimum", 5), ("max positions", 3), ("risk score 71 > 45", 3))
    # AAA: 80 + 70 back, 100 in, 6 gas -> +44 (a win); BBB: 40 back, 50 in, 6 gas -> -16; BBB again: open.
    assert (m.round_trips, m.wins, m.win_rate) == (2, 1, 0.5)
    assert (m.start_equity, m.end_equity, m.pnl, m.return_pct) == (1000, 1089, 89, 8.9)
    assert (m.gas, m.taxes, m.pool_fees, m.fees) == (13, 9, 6, 28)  # BBB buy tax: 10 of 100 for 50: 5


def test_a_swap_pays_its_pool_fee_on_its_input_valued_at_the_fill_price() -> None:
    # a V2 buy: 0.3 % of the WETH in; a 1 % V3 sell of 1000 tokens for 2 WETH: 10 tokens, worth 0.02 WETH
    assert swap_fee_wei("buy", ETH, 0, UNISWAP_V2_FEE.pips) == 3 * ETH // 1000
    assert swap_fee_wei("sell", 1000 * ETH, 2 * ETH, 10_000) == 2 * ETH // 100
    assert swap_fee_wei("sell", 7, 3, 500) == 0  # 7 units * 0.05 % rounds down to no fee
    assert swap_fee_wei("sell", 0, 0, 3000) == 0


def test_drawdown_is_the_fall_from_the_running_peak() -> None:
    m = compute(sample())
    assert (m.max_drawdown, m.max_drawdown_pct) == (110, 10.0)
    assert drawdowns(sample()) == [
        DrawdownPoint(101, 1100, 0),
        DrawdownPoint(102, 990, 110),
        DrawdownPoint(103, 1089, 11),
        DrawdownPoint(104, 1089, 11),
    ]


def test_sharpe_and_sortino_are_per_block_ratios_of_the_curve_returns() -> None:
    # Block returns +0.1, -0.1, +0.1, 0: mean 1/40; sample variance 0.0275 / 3 = 11/1200; downside
    # deviation (0.01 / 4) ** 0.5 = 0.05.
    m = compute(sample())
    assert m.sharpe == float(Fraction(1, 40)) / math.sqrt(Fraction(11, 1200))
    assert m.sortino == 0.5


def test_per_token_pnl_counts_closed_round_trips_and_shows_what_is_held() -> None:
    a, b = compute(sample()).tokens
    assert a == TokenPnl(TOKEN_A, "AAA", 1, 2, 100, 150, 6, 0, 1, 1, 44, 0)
    assert b == TokenPnl(TOKEN_B, "BBB", 2, 1, 70, 40, 7, 9, 1, 0, -16, 30)


def test_no_trades_and_no_blocks_give_zero_money_and_undefined_ratios() -> None:
    m = compute(flat("empty", 1000))
    assert (m.trades, m.blocks, m.pnl, m.return_pct, m.max_drawdown) == (0, 0, 0, 0.0, 0)
    assert (m.win_rate, m.sharpe, m.sortino, m.tokens, m.skips) == (None, None, None, (), ())


def test_one_block_has_no_ratio() -> None:
    m = compute(flat("one", 1000, 1010))
    assert (m.return_pct, m.sharpe, m.sortino) == (1.0, None, None)


def test_flat_curve_has_undefined_sharpe_not_zero() -> None:
    m = compute(flat("flat", 1000, 1000, 1000, 1000))
    assert (m.sharpe, m.sortino, m.max_drawdown_pct, m.return_pct) == (None, None, 0.0, 0.0)


def test_rising_curve_without_a_losing_block_has_sharpe_but_no_sortino() -> None:
    m = compute(flat("up", 1000, 1100, 1210, 1452))  # +10 %, +10 %, +20 %
    assert m.sharpe == float(Fraction(2, 15)) / math.sqrt(Fraction(1, 300))  # mean 2/15, var 1/300
    assert m.sortino is None


def test_zero_equity_ends_the_returns_and_is_a_full_drawdown() -> None:
    m = compute(flat("bust", 1000, 0, 0, 500))
    assert (m.max_drawdown, m.max_drawdown_pct, m.pnl) == (1000, 100.0, -500)
    assert (m.sharpe, m.sortino) == (None, None)  # one return (-100 %): nothing grows from zero


def test_zero_starting_equity_has_no_return() -> None:
    m = compute(flat("none", 0, 0, 0))
    assert (m.return_pct, m.sharpe, m.max_drawdown_pct) == (None, None, 0.0)
