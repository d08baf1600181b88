"""What the UI remembers between snapshots: the streamed thoughts, this session's fills and a short price
history per pool. The engine's snapshot carries none of these, and the UI must never read the database on
its event loop, so they are kept from the event stream in bounded buffers."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from dexbot.engine.api.events import MarketUpdate, ThoughtRecorded, TradeFilled, taken_back

MAX_THOUGHTS = 1000
MAX_TRADES = 1000
MAX_PRICES = 300


class PriceHistory:
    """Recent (seconds since first sample, price in wei per whole token) pairs for each pool."""

    def __init__(self, maxlen: int = MAX_PRICES) -> None:
        self._maxlen = maxlen
        self._series: dict[str, deque[tuple[float, int]]] = {}
        self._t0: float | None = None

    def record(self, ev: MarketUpdate) -> None:
        t = ev.at.timestamp()
        if self._t0 is None:
            self._t0 = t
        series = self._series.setdefault(ev.pool.lower(), deque(maxlen=self._maxlen))
        series.append((t - self._t0, ev.price_wei))

    def series(self, pool: str) -> list[tuple[float, int]]:
        return list(self._series.get(pool.lower(), ()))


class UiState:
    def __init__(self) -> None:
        self.thoughts: deque[ThoughtRecorded] = deque(maxlen=MAX_THOUGHTS)
        self.trades: deque[TradeFilled] = deque(maxlen=MAX_TRADES)
        self.prices = PriceHistory()

    def add_thought(self, ev: ThoughtRecorded) -> None:
        """A repeat of a thought replaces it where it stands, so repeats cannot push others out."""
        if ev.count > 1:
            for i in range(len(self.thoughts) - 1, -1, -1):
                if self.thoughts[i].thought_id == ev.thought_id:
                    self.thoughts[i] = ev
                    return
        self.thoughts.append(ev)

    def add_trade(self, ev: TradeFilled) -> None:
        self.trades.append(ev)

    def take_back(self, trade_ids: Iterable[int]) -> None:
        """Fills a reorg took back stay listed, marked as not on the chain (as `dexbot trades` shows them)."""
        ids = set(trade_ids)
        for i, t in enumerate(self.trades):
            if t.trade_id in ids:
                self.trades[i] = taken_back(t)

    def thought(self, thought_id: int) -> ThoughtRecorded | None:
        return next((t for t in reversed(self.thoughts) if t.thought_id == thought_id), None)

    def latest_thought_for(self, token: str) -> ThoughtRecorded | None:
        """The newest thought about a token that carries factors (an assessment), else the newest at all."""
        about = [t for t in self.thoughts if t.token.lower() == token.lower()]
        with_factors = [t for t in about if t.factors]
        pick: Iterable[ThoughtRecorded] = with_factors or about
        return next(reversed(list(pick)), None)
