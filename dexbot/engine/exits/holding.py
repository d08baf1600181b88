"""What the engine knows about an open position beyond its stored row."""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.engine.execution.types import Market
from dexbot.engine.exits.plan import ExitPlan
from dexbot.engine.exits.rules import ExitRules


@dataclass
class Holding:
    """What the engine knows about an open position beyond the stored row."""

    market: Market
    buy_tax_bps: int
    sell_tax_bps: int
    rules: ExitRules
    opened_at: float
    exiting: str = ""  # the exit rule being executed (sold in impact-bounded slices)
    sell_tax_now: int | None = None  # as last re-measured; None until a re-check ran
    exit_detail: str = ""
    last_check_block: int = 0
    plan: ExitPlan | None = None
    vanished: bool = False  # its pool has no code on this chain: nothing can value or sell it here

    @property
    def current_sell_tax(self) -> int:
        return self.sell_tax_bps if self.sell_tax_now is None else self.sell_tax_now
