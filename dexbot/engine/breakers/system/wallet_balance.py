"""Wallet balance differs from what the ledger expects (critical): money moved that the bot did not
move (a leaked key, a drain, an unrecorded transaction) or a fill was recorded wrongly."""

from __future__ import annotations

from decimal import Decimal

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import Breaker, Trip, eth_wei, fmt_eth, setting
from dexbot.engine.breakers.context import BreakerContext

BALANCE_TOLERANCE_ETH = Decimal("0.001")


class WalletBalance(Breaker):
    name = "wallet_balance"
    title = "wallet balance differs from ledger"
    category = "system"
    severity = "critical"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.tolerance = eth_wei(Decimal(str(setting(cfg, "balance_tolerance_eth", BALANCE_TOLERANCE_ETH))))

    def check(self, ctx: BreakerContext) -> Trip | None:
        have, want = ctx.wallet_balance, ctx.expected_balance
        if have is None or want is None or abs(have - want) <= self.tolerance:
            return None
        diff = have - want

        def eth(wei: int) -> str:  # the wallet's own coin, not the books' WETH
            return fmt_eth(wei, "ETH")

        return Trip(
            f"the wallet holds {eth(have)} on chain but the ledger expects {eth(want)} "
            f"({'+' if diff > 0 else ''}{eth(diff)}), tolerance {eth(self.tolerance)}",
            {"on_chain": have, "expected": want, "difference": diff, "tolerance": self.tolerance},
        )
