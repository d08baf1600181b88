"""What one backtest run hands to reports, A/B tables and the optimiser.

Everything is raw integers (wei, token units, block numbers, chain seconds) as the engine booked it, so
two runs of one recording compare to the wei; ratios are derived by the report, never stored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BacktestTrade:
    """One fill the engine booked during the replay, as the paper ledger holds it."""

    block: int
    timestamp: int  # chain time of ``block``
    token: str  # checksum address
    symbol: str
    side: str  # buy | sell
    amount_in: int  # WETH wei for a buy, token units for a sell
    amount_out: int  # token units for a buy (after tax), WETH wei for a sell
    gas_cost: int  # wei (L2 execution gas; L1 data fee included where the chain charges one)
    tax: int = 0  # what the token's own transfer tax took, in the unit of ``amount_out``
    reason: str = ""  # the decision's reason (entry score, exit rule)
    l1_fee: int = 0  # wei: the OP-stack L1 data fee, part of ``gas_cost``
    pool_fee: int = 0  # wei: the pool's LP fee on this swap's input, valued in WETH (inside the amounts)
    decimals: int = 18  # the token's: what its units are shown in


@dataclass(frozen=True)
class EquityPoint:
    """The account's marked value (cash + holdings at exact sell quotes) after one block."""

    block: int
    timestamp: int
    equity: int  # wei


@dataclass(frozen=True)
class BacktestResult:
    """One config replayed over one block range of one recording."""

    recording: str  # file name, for the report's heading
    config_label: str  # e.g. the config file's stem, or "trial 17"
    chain_id: int
    first_block: int
    last_block: int
    start_equity: int  # wei
    trades: tuple[BacktestTrade, ...]
    equity: tuple[EquityPoint, ...]  # one point per replayed block, in block order
    skips: Mapping[str, int] = field(default_factory=dict)  # skip reason -> count
    blocks_replayed: int = 0
