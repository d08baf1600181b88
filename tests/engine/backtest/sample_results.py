"""BacktestResults built by hand, with figures small enough to compute on paper (see the metrics tests),
for the report, A/B and optimiser tests that need a finished run without replaying a chain."""

from __future__ import annotations

from dexbot.engine.backtest.result import BacktestResult, BacktestTrade, EquityPoint

TOKEN_A = "0x00000000000000000000000000000000000000Aa"
TOKEN_B = "0x00000000000000000000000000000000000000bB"


def trade(
    block: int, token: str, side: str, amount_in: int, amount_out: int, gas: int, tax: int = 0, pool: int = 0
) -> BacktestTrade:
    symbol = "AAA" if token == TOKEN_A else "BBB"
    return BacktestTrade(
        block, 1000 + 2 * block, token, symbol, side, amount_in, amount_out, gas, tax, pool_fee=pool
    )


def points(start_block: int, *equity: int) -> tuple[EquityPoint, ...]:
    return tuple(EquityPoint(start_block + i, 1000 + 2 * (start_block + i), e) for i, e in enumerate(equity))


def sample(label: str = "base") -> BacktestResult:
    """Two tokens: AAA bought once and sold in two slices (+44 wei), BBB bought with a buy tax, sold at
    a loss with a sell tax (-16 wei), then bought again and still held; the curve rises 10 %, falls
    10 %, rises 10 % and stays flat."""
    trades = (
        trade(101, TOKEN_A, "buy", 100, 500, 2, pool=3),
        trade(101, TOKEN_B, "buy", 50, 90, 3, tax=10, pool=1),
        trade(102, TOKEN_A, "sell", 300, 80, 2),
        trade(103, TOKEN_A, "sell", 200, 70, 2, pool=2),
        trade(103, TOKEN_B, "sell", 90, 40, 3, tax=4),
        trade(104, TOKEN_B, "buy", 20, 30, 1),
    )
    return BacktestResult(
        recording="session.dexrec",
        config_label=label,
        chain_id=31337,
        first_block=101,
        last_block=104,
        start_equity=1000,
        trades=trades,
        equity=points(101, 1100, 990, 1089, 1089),
        skips={"risk score 71 > 45": 3, "liquidity below minimum": 5, "max positions": 3},
        blocks_replayed=4,
    )


def flat(label: str, start: int, *equity: int, first_block: int = 101) -> BacktestResult:
    """A run without trades over the given curve."""
    return BacktestResult(
        recording="session.dexrec",
        config_label=label,
        chain_id=31337,
        first_block=first_block,
        last_block=first_block + max(len(equity) - 1, 0),
        start_equity=start,
        trades=(),
        equity=points(first_block, *equity),
        blocks_replayed=len(equity),
    )
