"""Every breaker type, in display order (by category). Adding a breaker = one file + one line here."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker
from dexbot.engine.breakers.execution.failed_txs import FailedTxs
from dexbot.engine.breakers.execution.nonce_mismatch import NonceMismatch
from dexbot.engine.breakers.execution.revert_rate import RevertRate
from dexbot.engine.breakers.execution.slippage import Slippage
from dexbot.engine.breakers.execution.stuck_tx import StuckTx
from dexbot.engine.breakers.execution.trade_rate import TradeRate
from dexbot.engine.breakers.gas.base_fee_ceiling import BaseFeeCeiling
from dexbot.engine.breakers.gas.gas_budget import GasBudget
from dexbot.engine.breakers.gas.gas_spike import GasSpike
from dexbot.engine.breakers.gas.l1_fee_spike import L1FeeSpike
from dexbot.engine.breakers.market.hostile_tokens import HostileTokens
from dexbot.engine.breakers.market.liquidity_drop import LiquidityDrop
from dexbot.engine.breakers.market.price_deviation import PriceDeviation
from dexbot.engine.breakers.market.tax_changed import TaxChanged
from dexbot.engine.breakers.market.volatility import VolatilitySpike
from dexbot.engine.breakers.network.block_stall import BlockStall
from dexbot.engine.breakers.network.chain_id import ChainIdMismatch
from dexbot.engine.breakers.network.reorg import Reorg
from dexbot.engine.breakers.network.rpc_disagree import RpcDisagree
from dexbot.engine.breakers.network.rpc_error_rate import RpcErrorRate
from dexbot.engine.breakers.portfolio.concentration import PositionConcentration
from dexbot.engine.breakers.portfolio.daily_loss import DailyLoss
from dexbot.engine.breakers.portfolio.drawdown import MaxDrawdown
from dexbot.engine.breakers.portfolio.exposure import TotalExposure
from dexbot.engine.breakers.portfolio.losing_streak import LosingStreak
from dexbot.engine.breakers.portfolio.open_positions import MaxOpenPositions
from dexbot.engine.breakers.system.db_write import DbWriteFailure
from dexbot.engine.breakers.system.kill_switch import KillSwitch
from dexbot.engine.breakers.system.wallet_balance import WalletBalance

BREAKER_TYPES: tuple[type[Breaker], ...] = (
    # portfolio
    DailyLoss, MaxDrawdown, LosingStreak, PositionConcentration, MaxOpenPositions, TotalExposure,
    # execution
    FailedTxs, RevertRate, Slippage, StuckTx, NonceMismatch, TradeRate,
    # gas
    BaseFeeCeiling, GasSpike, GasBudget, L1FeeSpike,
    # chain / RPC
    RpcErrorRate, RpcDisagree, BlockStall, Reorg, ChainIdMismatch,
    # DEX / market
    PriceDeviation, LiquidityDrop, VolatilitySpike, HostileTokens, TaxChanged,
    # system
    DbWriteFailure, WalletBalance, KillSwitch,
)  # fmt: skip


def build_breakers(cfg: BreakersConfig) -> list[Breaker]:
    return [cls(cfg) for cls in BREAKER_TYPES]
