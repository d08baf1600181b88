"""What the market did, as events (for a UI or log) and running counters (for a status line).

Events are reported after the chain has answered: a swap after its receipt, a launch once its pools
exist, a rug once its transactions are mined, so a listener never hears of something the chain does
not show.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from dexbot.chain.devnet.deployment import DevToken
from dexbot.core.units import fmt_units

from .actions import Regime, RugKind, Side, Venue

RECENT_LAUNCHES = 256  # a market runs for hours: only the newest launches are listed


@dataclass(frozen=True)
class SwapDone:
    """A noise trader's swap was mined (``ok``) or mined and reverted (a honeypot sell, a paused token)."""

    trader: str
    pool: str
    venue: Venue
    side: Side
    token_in: str
    symbol_in: str
    decimals_in: int
    amount_in: int
    token_out: str
    ok: bool
    tx_hash: str
    block: int

    def describe(self) -> str:
        status = "" if self.ok else " REVERTED"
        amount = fmt_units(self.amount_in, self.decimals_in, 4)
        return f"{self.side} {self.pool} {self.venue} for {amount} {self.symbol_in}{status}"


@dataclass(frozen=True)
class Launched:
    token: DevToken
    tx_hashes: tuple[str, ...]
    block: int

    def describe(self) -> str:
        pools = "V2" + (" + V3" if self.token.v3_pool else "")
        return f"launch {self.token.symbol} ({self.token.kind}) on {pools}"


@dataclass(frozen=True)
class Rugged:
    token: DevToken
    kind: RugKind
    tx_hashes: tuple[str, ...]
    block: int

    def describe(self) -> str:
        return f"rug {self.token.symbol}: {self.kind.replace('_', ' ')}"


@dataclass(frozen=True)
class RegimeChanged:
    regime: Regime

    def describe(self) -> str:
        return f"regime {self.regime}"


MarketEvent = SwapDone | Launched | Rugged | RegimeChanged


@dataclass
class MarketStats:
    """Counters of one market run. ``failed``: never mined or refused by the node; ``skipped``: planned
    but not sent (nothing to sell, the pool not live yet, or too far behind schedule)."""

    swaps_sent: int = 0
    swaps_ok: int = 0
    swaps_reverted: int = 0
    swaps_failed: int = 0
    swaps_skipped: int = 0
    launches: Counter[str] = field(default_factory=Counter)
    launch_failures: int = 0
    rugs: Counter[str] = field(default_factory=Counter)
    rug_failures: int = 0
    regime: str = ""
    last_swap: SwapDone | None = None
    last_event: MarketEvent | None = None
    last_error: str = ""
    stopped: str = ""  # why the market itself died (it never stops for a single failed transaction)
    last_block: int = 0
    launched: deque[DevToken] = field(default_factory=lambda: deque(maxlen=RECENT_LAUNCHES))  # newest
    _sent_at: deque[float] = field(default_factory=lambda: deque(maxlen=4096), repr=False)

    def note_sent(self, now: float | None = None) -> None:
        self.swaps_sent += 1
        self._sent_at.append(time.monotonic() if now is None else now)

    def swap_rate(self, window_s: float = 10.0, now: float | None = None) -> float:
        """Swaps sent per second over the last ``window_s`` seconds."""
        now = time.monotonic() if now is None else now
        recent = sum(1 for t in self._sent_at if now - t <= window_s)
        return recent / window_s

    def record(self, event: MarketEvent) -> None:
        self.last_event = event
        if isinstance(event, SwapDone):
            if event.ok:
                self.swaps_ok += 1
            else:
                self.swaps_reverted += 1
            self.last_swap = event
            self.last_block = max(self.last_block, event.block)
        elif isinstance(event, Launched):
            self.launches[event.token.kind] += 1
            self.launched.append(event.token)
            self.last_block = max(self.last_block, event.block)
        elif isinstance(event, Rugged):
            self.rugs[event.kind] += 1
            self.last_block = max(self.last_block, event.block)
        else:
            self.regime = event.regime

    @property
    def launch_count(self) -> int:
        return sum(self.launches.values())

    @property
    def rug_count(self) -> int:
        return sum(self.rugs.values())

    def summary(self) -> str:
        """Regime, pace and swap counters on one short line."""
        if self.stopped:
            return f"market stopped: {self.stopped}"
        return (
            f"{self.regime or '-'} · {self.swap_rate():.1f} swaps/s"
            f" · swaps {self.swaps_ok} ok, {self.swaps_reverted} reverted"
        )

    def details(self) -> str:
        """Launches, rugs and the last swap on a second short line."""
        hostile = self.launch_count - self.launches["plain"]
        last = self.last_swap.describe() if self.last_swap else "-"
        return f"launches {self.launch_count} ({hostile} hostile) · rugs {self.rug_count} · last: {last}"
