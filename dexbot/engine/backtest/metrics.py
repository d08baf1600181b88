"""The figures a backtest report, an A/B table and the optimiser's objective read off one BacktestResult.

Money stays an exact int (wei). Ratios are floats, and None where they are undefined (no trades, a flat
curve, a zero starting equity): a report shows "—" rather than a 0 that reads like a measurement.

Sharpe and Sortino are **per block, not annualised**: the mean of the per-block returns of the equity
curve over their standard deviation (Sortino: over the downside deviation against 0). Scaling by blocks
per year would extrapolate an hour of devnet to a year and tie the figure to the chain's block time; per
block, two configs on one recording compare directly.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from fractions import Fraction

from dexbot.engine.backtest.result import BacktestResult, BacktestTrade, EquityPoint


@dataclass(frozen=True)
class TokenPnl:
    """One token's trading over the run. ``realised_pnl`` counts closed round trips only (WETH back from
    the sells minus WETH into the buys minus their gas); what is still held shows in ``held``."""

    token: str
    symbol: str
    buys: int
    sells: int
    spent: int  # WETH wei into buys
    received: int  # WETH wei out of sells
    gas: int  # wei
    taxes: int  # wei, buy taxes valued at the fill's own price
    round_trips: int
    wins: int
    realised_pnl: int  # wei
    held: int  # token units still open at the end
    decimals: int = 18  # the token's: what ``held`` is shown in


@dataclass(frozen=True)
class DrawdownPoint:
    block: int
    equity: int  # wei
    drawdown: int  # wei below the running peak (>= 0)


@dataclass(frozen=True)
class BacktestMetrics:
    label: str
    recording: str
    chain_id: int
    first_block: int
    last_block: int
    blocks: int
    trades: int
    buys: int
    sells: int
    skips: tuple[tuple[str, int], ...]  # (reason, count), most frequent first
    round_trips: int
    wins: int
    win_rate: float | None  # wins / closed round trips
    start_equity: int
    end_equity: int
    pnl: int  # end - start, wei
    return_pct: float | None
    max_drawdown: int  # the largest wei drop from a running peak
    max_drawdown_pct: float  # the largest drop as a share of its peak, in percent
    sharpe: float | None  # per block
    sortino: float | None  # per block
    gas: int  # wei
    taxes: int  # wei
    pool_fees: int  # wei: the pools' LP fees on the swaps' inputs
    tokens: tuple[TokenPnl, ...]  # by realised P&L, best first

    @property
    def skipped(self) -> int:
        return sum(n for _, n in self.skips)

    @property
    def fees(self) -> int:
        """What the run paid to others: gas, token taxes and pool fees (the last two are inside the
        fills' amounts, so P&L already counts them: this is where the money went, not a further cost)."""
        return self.gas + self.taxes + self.pool_fees


def tax_wei(trade: BacktestTrade) -> int:
    """A trade's tax in wei: a sell's is WETH already; a buy's (token units) is valued at the price the
    buy itself paid, ``amount_in`` for the gross tokens ``amount_out + tax``."""
    if trade.tax <= 0:
        return 0
    if trade.side == "sell":
        return trade.tax
    gross = trade.amount_out + trade.tax
    return trade.amount_in * trade.tax // gross


def curve(result: BacktestResult) -> list[int]:
    """The equity series the ratios run over: the starting equity, then one value per replayed block."""
    return [result.start_equity, *(p.equity for p in result.equity)]


def block_returns(values: list[int]) -> list[Fraction]:
    """Exact per-block returns; a block after a zero equity has no return (nothing to grow from)."""
    return [Fraction(b, a) - 1 for a, b in itertools.pairwise(values) if a > 0]


def sharpe(returns: list[Fraction]) -> float | None:
    if len(returns) < 2:
        return None
    var = statistics.variance(returns)
    if var == 0:
        return None
    return float(statistics.mean(returns)) / math.sqrt(var)


def sortino(returns: list[Fraction]) -> float | None:
    if len(returns) < 2:
        return None
    downside = sum((r * r for r in returns if r < 0), Fraction(0)) / len(returns)
    if downside == 0:
        return None
    return float(statistics.mean(returns)) / math.sqrt(downside)


def drawdowns(result: BacktestResult) -> list[DrawdownPoint]:
    """Equity and its distance below the running peak (the start counts as the first peak), per block."""
    peak = result.start_equity
    out = []
    for p in result.equity:
        peak = max(peak, p.equity)
        out.append(DrawdownPoint(p.block, p.equity, peak - p.equity))
    return out


def _max_drawdown(start: int, points: tuple[EquityPoint, ...]) -> tuple[int, float]:
    peak, worst, worst_pct = start, 0, Fraction(0)
    for p in points:
        peak = max(peak, p.equity)
        worst = max(worst, peak - p.equity)
        if peak > 0:
            worst_pct = max(worst_pct, Fraction(peak - p.equity, peak))
    return worst, float(worst_pct * 100)


@dataclass
class _Book:
    """One token's running tally while the trades are walked (an accumulator, never handed out)."""

    symbol: str = ""
    decimals: int = 18
    buys: int = 0
    sells: int = 0
    spent: int = 0
    received: int = 0
    gas: int = 0
    taxes: int = 0
    held: int = 0
    round_trips: int = 0
    wins: int = 0
    realised: int = 0
    trip: int = 0  # the open round trip's cash so far: WETH back - WETH in - gas

    def add(self, t: BacktestTrade) -> None:
        self.symbol, self.decimals = t.symbol, t.decimals
        self.gas += t.gas_cost
        self.taxes += tax_wei(t)
        self.trip -= t.gas_cost
        if t.side == "buy":
            self.buys += 1
            self.spent += t.amount_in
            self.trip -= t.amount_in
            self.held += t.amount_out
            return
        self.sells += 1
        self.received += t.amount_out
        self.trip += t.amount_out
        self.held = max(0, self.held - t.amount_in)
        if self.held == 0:
            self.round_trips += 1
            self.wins += self.trip > 0
            self.realised += self.trip
            self.trip = 0


def token_pnl(trades: tuple[BacktestTrade, ...]) -> tuple[TokenPnl, ...]:
    """Per token, in trade order: a round trip opens on a buy from flat and closes when the held units
    are sold back to zero (several exit slices make one round trip)."""
    books: dict[str, _Book] = {}
    for t in trades:
        books.setdefault(t.token, _Book()).add(t)
    rows = [
        TokenPnl(
            token,
            b.symbol,
            b.buys,
            b.sells,
            b.spent,
            b.received,
            b.gas,
            b.taxes,
            b.round_trips,
            b.wins,
            b.realised,
            b.held,
            b.decimals,
        )
        for token, b in books.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.realised_pnl, r.symbol, r.token)))


def compute(result: BacktestResult) -> BacktestMetrics:
    values = curve(result)
    returns = block_returns(values)
    end = values[-1]
    start = result.start_equity
    dd, dd_pct = _max_drawdown(start, result.equity)
    tokens = token_pnl(result.trades)
    trips = sum(t.round_trips for t in tokens)
    wins = sum(t.wins for t in tokens)
    buys = sum(1 for t in result.trades if t.side == "buy")
    return BacktestMetrics(
        label=result.config_label,
        recording=result.recording,
        chain_id=result.chain_id,
        first_block=result.first_block,
        last_block=result.last_block,
        blocks=result.blocks_replayed or len(result.equity),
        trades=len(result.trades),
        buys=buys,
        sells=len(result.trades) - buys,
        skips=tuple(sorted(result.skips.items(), key=lambda kv: (-kv[1], kv[0]))),
        round_trips=trips,
        wins=wins,
        win_rate=wins / trips if trips else None,
        start_equity=start,
        end_equity=end,
        pnl=end - start,
        return_pct=float(Fraction(end - start, start) * 100) if start > 0 else None,
        max_drawdown=dd,
        max_drawdown_pct=dd_pct,
        sharpe=sharpe(returns),
        sortino=sortino(returns),
        gas=sum(t.gas_cost for t in result.trades),
        taxes=sum(tax_wei(t) for t in result.trades),
        pool_fees=sum(t.pool_fee for t in result.trades),
        tokens=tokens,
    )
