"""The breaker interface: a small ABC the registry calls once per tick, in the spirit of freqtrade's
protections but stateless — a breaker only looks at the context and says whether it trips; the registry
owns the state machine, persistence and what an open breaker blocks."""

from __future__ import annotations

import statistics
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from dexbot.core.config import BreakersConfig
from dexbot.core.units import WEI_PER_ETH, fmt_units

if TYPE_CHECKING:
    from dexbot.engine.breakers.context import BreakerContext

Category = Literal["portfolio", "execution", "gas", "chain", "market", "system"]
Severity = Literal["critical", "warning"]
Scope = Literal["global", "chain", "dex", "token"]
# What an open breaker blocks. ``block_token``/``block_pool``/``exit_position`` apply to the trip's scope key.
Action = Literal["halt", "pause_entries", "pause_fast_lane", "block_token", "block_pool", "exit_position"]
ACTIONS: tuple[Action, ...] = (
    "halt", "pause_entries", "pause_fast_lane", "block_token", "block_pool", "exit_position",
)  # fmt: skip

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)


@dataclass(frozen=True)
class Trip:
    """A breaker's verdict that it must open: why, the numbers behind it, and for scoped breakers which
    token or pool (``scope_key``). ``action`` overrides the breaker's default (liquidity drop exits a held
    token but only blocks one that is not held)."""

    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    scope_key: str = ""
    action: Action | None = None


class Breaker(ABC):
    """One protection. Subclasses set the class attributes and read their thresholds in ``__init__``."""

    name: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    scope: ClassVar[Scope] = "global"
    action: ClassVar[Action] = "pause_entries"

    def __init__(self, cfg: BreakersConfig) -> None:
        self.cooldown_s = float(cfg.cooldown_s)

    @abstractmethod
    def check(self, ctx: BreakerContext) -> Trip | None:
        """The trip if the condition holds now, else None. Pure: no I/O, no state."""

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        """Every trip this tick; scoped breakers may return one per token or pool."""
        found = self.check(ctx)
        return [] if found is None else [found]

    @property
    def scoped(self) -> bool:
        return self.scope in ("dex", "token")

    def default_action(self, scope_key: str = "") -> Action:
        """Critical breakers halt; a scoped breaker opened without a key (by hand) pauses all entries."""
        if self.severity == "critical":
            return "halt"
        if self.scoped and not scope_key:
            return "pause_entries"
        return self.action

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.severity}/{self.scope}>"


class ScopedBreaker(Breaker):
    """A breaker whose state is kept per token or pool: it reports all its trips at once."""

    @abstractmethod
    def trips(self, ctx: BreakerContext) -> list[Trip]: ...

    def check(self, ctx: BreakerContext) -> Trip | None:
        found = self.trips(ctx)
        return found[0] if found else None


# -- helpers shared by the breakers ------------------------------------------------------------------


def setting(cfg: BreakersConfig, key: str, default: Any) -> Any:
    """A threshold from config when the key exists there, else this module's default (keys the config
    model does not have yet are proposed in the breakers report)."""
    value = getattr(cfg, key, None)
    return default if value is None else value


def pct_bps(pct: float | Decimal) -> int:
    """Config percentages (floats like 12.5) as integer basis points, so comparisons stay exact."""
    return round(Decimal(str(pct)) * 100)


def gwei_wei(gwei: Decimal) -> int:
    return int(gwei * 10**9)


def eth_wei(eth: Decimal) -> int:
    return int(eth * WEI_PER_ETH)


def ratio_bps(part: int, whole: int) -> int:
    """``part / whole`` in basis points, rounded down; 0 when ``whole`` is not positive."""
    return part * 10_000 // whole if whole > 0 else 0


def median_int(values: Iterable[int]) -> int:
    """The lower median, so the result is one of the observed integers (no float)."""
    vals = list(values)
    return int(statistics.median_low(vals)) if vals else 0


def fmt_bps(bps: int) -> str:
    return f"{Decimal(bps) / 100:.2f}%"


def fmt_eth(wei: int, unit: str = "WETH") -> str:
    """An amount in the books' unit (WETH); ``unit="ETH"`` for the wallet's native balance."""
    sign = "-" if wei < 0 else ""
    return f"{sign}{fmt_units(abs(wei), 18, 6)} {unit}"


def fmt_gwei(wei: int) -> str:
    return f"{fmt_units(wei, 9, 3)} gwei"


def short(address: str) -> str:
    return f"{address[:10]}…" if len(address) > 12 else address
