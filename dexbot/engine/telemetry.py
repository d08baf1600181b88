"""The bridge from the engine to its metrics: events from the bus, RPC round trips from the client's
observer hook, database write timings from SQLAlchemy's cursor events, and a once-a-second sample of
the engine's state. It also keeps the ``/healthz`` report current.

The metrics package knows nothing of the engine (engine → metrics → core); everything engine-specific
lives here, and nothing in the trading path waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import event, text

from dexbot import __version__
from dexbot.core.config import Config
from dexbot.core.errors import ChainError
from dexbot.engine.api.events import (
    BlockSeen,
    BreakerChanged,
    EngineError,
    EngineStateChanged,
    Event,
    LevelChanged,
    PortfolioUpdated,
    ThoughtRecorded,
    TradeFilled,
)
from dexbot.engine.api.snapshot import BreakerView
from dexbot.engine.engine import EngineService
from dexbot.metrics.health import Health, starting
from dexbot.metrics.registry import BREAKER_STATE_VALUE, Metrics
from dexbot.metrics.server import MetricsServer

log = logging.getLogger("dexbot.metrics")
SAMPLE_EVERY_S = 1.0
DB_PROBE_EVERY_S = 5.0
DB_ERROR_MEMORY_S = 60.0  # a failed store write keeps /healthz unhealthy this long
WEI = 10**18
WRITES = ("insert", "update", "delete")


class Telemetry:
    """Use ``async with Telemetry.running(cfg, svc) as t`` (None when ``metrics.enabled = false``)."""

    def __init__(self, cfg: Config, svc: EngineService) -> None:
        self.cfg, self.svc = cfg, svc
        self.metrics = Metrics()
        self.server = MetricsServer(
            self.metrics.registry, self.health, host=cfg.metrics.host, port=cfg.metrics.port
        )
        self.head_max_age_s = max(60.0, 30 * svc.rt.block_time_s)
        self._health = starting(time.monotonic())
        self._queue: asyncio.Queue[Event] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._last_block_at: datetime | None = None
        self._last_decision: float | None = None
        self._seen: dict[str, int] = {}  # cumulative engine counters already exported
        self._fees_block = -1
        self._db_ok = True
        self._db_probed = 0.0
        self._store_error_at = -DB_ERROR_MEMORY_S

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, cfg: Config, svc: EngineService) -> AsyncIterator[Telemetry | None]:
        if not cfg.metrics.enabled:
            yield None
            return
        t = cls(cfg, svc)
        try:
            await t.start()
            yield t
        finally:
            await t.stop()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return self.server.url

    def health(self) -> Health:
        """The latest report (read from the server thread; replaced whole, never mutated)."""
        return self._health

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        svc, m = self.svc, self.metrics
        await asyncio.to_thread(self.server.start)
        m.engine.info(
            {
                "version": __version__,
                "mode": self.cfg.mode.trading,
                "chain": svc.rt.chain_name,
                "instance_name": self.cfg.instance.name,
            }
        )
        for side in ("buy", "sell"):
            m.trades.labels(self.cfg.mode.trading, side, "filled")
        m.gas_spent.labels(self.cfg.mode.trading)
        for (index, cls, status), n in svc.rt.client.stats.by_key.items():
            m.rpc_requests.labels(str(index), cls, status).inc(n)  # the connect-time chain-id checks
        svc.rt.client.observers.append(self._on_rpc)
        event.listen(svc.db, "before_cursor_execute", _before_write)
        event.listen(svc.db, "after_cursor_execute", self._after_write)
        self._queue = svc.bus.subscribe()
        await self.sample()
        self._tasks = [
            asyncio.create_task(self._consume(self._queue), name="telemetry-events"),
            asyncio.create_task(self._sampler(), name="telemetry-sampler"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._queue is not None:
            self.svc.bus.unsubscribe(self._queue)
        with contextlib.suppress(ValueError):
            self.svc.rt.client.observers.remove(self._on_rpc)
        for name, fn in (
            ("before_cursor_execute", _before_write),
            ("after_cursor_execute", self._after_write),
        ):
            with contextlib.suppress(Exception):
                event.remove(self.svc.db, name, fn)
        await asyncio.to_thread(self.server.stop)

    # -- sources --------------------------------------------------------------------------------------

    def _on_rpc(self, index: int, method_class: str, status: str, seconds: float) -> None:
        m = self.metrics
        m.rpc_requests.labels(str(index), method_class, status).inc()
        m.rpc_latency.labels(str(index), method_class).observe(seconds)
        # an endpoint that just failed (or came back) counts in /healthz at once, not at the next sample
        endpoints = self.svc.rt.client.endpoints
        self._health = self._health.with_endpoints_ok(sum(1 for ep in endpoints if ep.healthy))
        if index < len(endpoints):  # not the private send endpoint, which /healthz does not count
            m.rpc_endpoint_up.labels(str(index)).set(1 if endpoints[index].healthy else 0)
        m.healthy.set(1 if self._health.ok else 0)

    def _after_write(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info.pop("dexbot_write_started", None)
        kind = statement.lstrip()[:6].lower()
        if started is not None and kind in WRITES:
            self.metrics.db_write_latency.labels(kind).observe(time.perf_counter() - started)

    async def _consume(self, queue: asyncio.Queue[Event]) -> None:
        while True:
            ev = await queue.get()
            try:
                await self.on_event(ev)
            except Exception:  # telemetry must never take the engine down
                log.exception("telemetry failed on %s", type(ev).__name__)

    async def _sampler(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_EVERY_S)
            try:
                await self.sample()
            except Exception:
                log.exception("telemetry sample failed")

    # -- events ---------------------------------------------------------------------------------------

    async def on_event(self, ev: Event) -> None:
        m = self.metrics
        if isinstance(ev, TradeFilled):
            m.trades.labels(ev.mode, ev.side, "filled").inc()
            weth = ev.amount_in if ev.side == "buy" else ev.amount_out
            m.trade_volume.labels(ev.mode, ev.side).inc(weth / WEI)
            m.gas_spent.labels(ev.mode).inc(ev.gas_cost)
            m.l1_fee_spent.labels(ev.mode).inc(ev.l1_fee)
            if ev.mode == "live" and ev.quoted_out:  # paper fills are the quote by construction
                m.fill_error.labels(ev.side).observe(abs(ev.amount_out - ev.quoted_out))
            if self._last_block_at is not None:
                seconds = (ev.at - self._last_block_at).total_seconds()
                m.trade_latency.labels(ev.mode, ev.side).observe(max(0.0, seconds))
        elif isinstance(ev, ThoughtRecorded):
            self._on_thought(ev)
        elif isinstance(ev, BlockSeen):
            self._last_block_at = ev.at
            m.head_block.set(ev.number)
        elif isinstance(ev, PortfolioUpdated):
            self._portfolio(
                ev.cash, ev.equity, ev.realised_pnl, ev.unrealised_pnl, ev.peak_equity, ev.eth_usd_e6
            )
            m.open_positions.set(ev.open_positions)
            self._follow()
        elif isinstance(ev, BreakerChanged):
            if ev.new_state == "open" and ev.old_state != "open":
                m.breaker_trips.labels(ev.name).inc()
            await self.sample()  # breaker states and /healthz follow at once, not a second later
        elif isinstance(ev, LevelChanged):
            m.intel_level.set(ev.new)
        elif isinstance(ev, EngineStateChanged):
            await self.sample()
        elif isinstance(ev, EngineError):
            m.engine_errors.labels(ev.where).inc()
            if ev.where == "store":
                self._store_error_at = time.monotonic()

    def _on_thought(self, ev: ThoughtRecorded) -> None:
        m = self.metrics
        m.thoughts.labels(ev.decision, ev.lane or "none").inc()
        if ev.risk_score is not None:  # one per judgement of a token (skip or enter)
            m.risk_score.observe(ev.risk_score)
            a = self.svc.taxes_seen(ev.token)
            if a is not None:
                for side, bps in (("buy", a.buy_tax_bps), ("sell", a.sell_tax_bps)):
                    if bps is not None:
                        m.token_tax.labels(side).observe(bps)
        impact = ev.evidence.get("impact_bps")
        if ev.decision == "enter" and isinstance(impact, int):
            m.slippage.labels("buy").observe(impact)
        if {"old_head", "new_head"} <= ev.evidence.keys():  # the service's reorg thought
            m.reorgs.inc()

    # -- samples --------------------------------------------------------------------------------------

    async def sample(self) -> None:
        """Refresh the gauges from the engine's snapshot and counters, then the health report."""
        svc, m = self.svc, self.metrics
        snap = svc.snapshot()
        self._state(snap.state)
        m.intel_level.set(snap.intel_level)
        m.head_block.set(snap.block_number)
        m.block_age.set(snap.block_age_s)
        self._portfolio(
            snap.cash, snap.equity, snap.realised_pnl, snap.unrealised_pnl, snap.peak_equity, snap.eth_usd_e6
        )
        m.open_positions.set(len(snap.positions))
        self._breakers(snap.breakers)
        self._follow()
        client = svc.rt.client
        for ep in client.endpoints:
            m.rpc_endpoint_up.labels(str(ep.index)).set(1 if ep.healthy else 0)
            m.rpc_endpoint_lag.labels(str(ep.index)).set(ep.lag_blocks)
        await self._fees(snap.block_number)
        await self._probe_db()
        self._health = Health.judge(
            engine_state=snap.state,
            chain_head_block=snap.block_number,
            chain_head_age_s=snap.block_age_s,
            chain_head_max_age_s=self.head_max_age_s,
            rpc_endpoints_ok=sum(1 for ep in client.endpoints if ep.healthy),
            rpc_endpoints_total=len(client.endpoints),
            rpc_ok=snap.rpc_ok,
            breakers_open=tuple(sorted({b.name for b in snap.breakers if b.state == "open"})),
            db_ok=self._db_ok and time.monotonic() - self._store_error_at > DB_ERROR_MEMORY_S,
            checked_at=time.monotonic(),
        )
        m.db_up.set(1 if self._health.db_ok else 0)
        m.healthy.set(1 if self._health.ok else 0)

    def _state(self, state: str) -> None:
        self.metrics.engine_up.set(1 if state in ("running", "paused", "halted") else 0)
        self.metrics.engine_paused.set(1 if state == "paused" else 0)
        self.metrics.engine_halted.set(1 if state == "halted" else 0)

    def _portfolio(
        self, cash: int, equity: int, realised: int, unrealised: int, peak: int, usd_e6: int
    ) -> None:
        m = self.metrics
        m.cash.set(cash / WEI)
        m.equity.set(equity / WEI)
        m.peak_equity.set(peak / WEI)
        m.realised_pnl.set(realised / WEI)
        m.unrealised_pnl.set(unrealised / WEI)
        if usd_e6 <= 0:  # no USD price pool (a chain without USDC, or no pair yet): unknown, not $0
            for gauge in (m.weth_price, m.equity_usd, m.realised_pnl_usd, m.unrealised_pnl_usd):
                gauge.set(math.nan)
            return
        m.weth_price.set(usd_e6 / 10**6)
        m.equity_usd.set(equity * usd_e6 / (WEI * 10**6))
        m.realised_pnl_usd.set(realised * usd_e6 / (WEI * 10**6))
        m.unrealised_pnl_usd.set(unrealised * usd_e6 / (WEI * 10**6))

    def _breakers(self, views: tuple[BreakerView, ...] | list[BreakerView]) -> None:
        """One series per breaker name: a scoped breaker open for several tokens shows its worst state."""
        worst: dict[str, int] = {}
        for v in views:
            worst[v.name] = max(worst.get(v.name, 0), BREAKER_STATE_VALUE.get(v.state, 0))
        for name, value in worst.items():
            self.metrics.breaker_state.labels(name).set(value)
            self.metrics.breaker_trips.labels(name)  # the series exists (at 0) before a first trip

    def _follow(self) -> None:
        """Per block (and per sample): counters that mirror the engine's cumulative counts, gas prices."""
        c, m = self.svc.counters(), self.metrics
        m.gas_price.set(c.gas_price)
        m.base_fee.set(c.base_fee)
        self._decisions()
        self._add(m.positions_closed.labels("win"), "wins", c.wins)
        self._add(m.positions_closed.labels("loss"), "losses", c.losses)
        self._add(m.cache_hits.labels("risk_assessment"), "hits", c.risk_cache_hits)
        self._add(m.cache_misses.labels("risk_assessment"), "misses", c.risk_cache_misses)
        self._add(m.events_dropped, "dropped", c.events_dropped)
        self._add(m.rpc_state_disagreed, "disagreed", c.state_answers_disagreed)

    def _decisions(self) -> None:
        """Export decision times appended since the last call. The deque is bounded, so new entries are
        found by walking back to the last exported one — by identity: each is its own float object."""
        new = []
        for ms in reversed(self.svc.decision_ms):
            if ms is self._last_decision:
                break
            new.append(ms)
        if self.svc.decision_ms:
            self._last_decision = self.svc.decision_ms[-1]
        for ms in reversed(new):
            self.metrics.decision_latency.observe(ms / 1000)

    def _add(self, counter: Any, key: str, total: int) -> None:
        """Follow one of the engine's cumulative integer counters with a Prometheus counter."""
        delta = total - self._seen.get(key, 0)
        if delta > 0:
            counter.inc(delta)
            self._seen[key] = total

    async def _fees(self, block: int) -> None:
        if block == self._fees_block or not block:
            return
        try:
            suggestions = await self.svc.gas.suggest_all(head=block)  # the engine's per-block read, cached
        except (ChainError, ValueError, KeyError) as err:
            log.debug("fee suggestions unavailable: %s", err)
            return
        self._fees_block = block
        for urgency, fee in suggestions.items():
            self.metrics.fee_suggestion.labels(urgency, "max_fee").set(fee.max_fee_per_gas)
            self.metrics.fee_suggestion.labels(urgency, "priority_fee").set(fee.max_priority_fee_per_gas)

    async def _probe_db(self) -> None:
        now = time.monotonic()
        if now - self._db_probed < DB_PROBE_EVERY_S:
            return
        self._db_probed = now
        try:
            await asyncio.wait_for(asyncio.to_thread(_select_one, self.svc.db), timeout=3.0)
            self._db_ok = True
        except Exception as err:
            log.warning("database probe failed: %s", err)
            self._db_ok = False


def _before_write(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if statement.lstrip()[:6].lower() in WRITES:
        conn.info["dexbot_write_started"] = time.perf_counter()


def _select_one(db: Any) -> None:
    with db.connect() as conn:
        conn.execute(text("SELECT 1"))
