"""TUI responsiveness: a key press (`+` / `-`, alternating) until the status bar shows the new intel level,
with the engine publishing 50 events/s (market updates plus a thought every tenth event), against the same
presses with no event load, measured in the same run. Goal: p50 and p99 ≤ 100 ms under load.

Two clocks per press, both from the moment the key event is posted to the app (where the terminal
driver's input thread posts it): *handled* — the status bar's content holds the new level (binding
dispatched, engine call made in its worker, snapshot re-read); *painted* — the compositor has rendered the
status bar's lines with it (the frame the terminal receives). The engine behind the UI is the scripted
test double (tests/tui/tui_scripted.py): this measures the UI's event loop, not the engine."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.geometry import Region
from textual.strip import Strip

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tui"))

from tui_demo_data import MOON, PEPE, at
from tui_scripted import ScriptedEngine

from dexbot.core.config import Config
from dexbot.engine.api.events import Event, MarketUpdate, ThoughtRecorded
from dexbot.tui.app import make_app
from dexbot.tui.widgets.status_bar import StatusBar

PRESSES = 100
RATE = 50.0
GOAL_MS = 100.0


class _TimedStatusBar(StatusBar):
    """Records when its lines were last rendered into a frame."""

    painted_at = 0.0

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        _TimedStatusBar.painted_at = time.perf_counter()
        return lines


def _event(n: int) -> Event:
    if n % 10 == 9:
        return ThoughtRecorded(
            at=at(n / RATE), thought_id=10_000 + n, decision="skip", token=MOON, symbol="MOON",
            lane="smart", intel_level=5, risk_score=60, confidence=0.6, reasoning=f"bench thought {n}",
            block_number=2000 + n,
        )  # fmt: skip
    return MarketUpdate(
        at=at(n / RATE), pool="0x" + "11" * 20, token=PEPE, symbol="PEPE", dex="uniswap_v2",
        price_wei=400_000_000_000 + (n % 50) * 1_000_000_000, liquidity_wei=12 * 10**18 + n * 10**15,
    )  # fmt: skip


async def _publish(engine: ScriptedEngine, rate: float) -> None:
    n = 0
    start = time.perf_counter()
    while True:
        ev = _event(n)
        if isinstance(ev, MarketUpdate):
            engine.market_tick(ev)  # the snapshot's pool moves too, so the market table redraws
        else:
            engine.bus.publish(ev)
        n += 1
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))


async def _until(cond: Any) -> None:
    while not cond():
        await asyncio.sleep(0.0005)


async def _measure(rate: float) -> tuple[list[float], list[float], int, int]:
    engine = ScriptedEngine()
    app = make_app(Config(), engine)
    handled: list[float] = []
    painted: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        old = app.screen.query_one(StatusBar)
        await old.remove()
        bar = _TimedStatusBar(id="status")
        await app.screen.mount(bar, before=0)
        await pilot.pause(0.3)
        publisher = asyncio.create_task(_publish(engine, rate)) if rate else None
        await asyncio.sleep(0.5)
        for i in range(PRESSES):
            key, char, level = ("plus", "+", 6) if i % 2 == 0 else ("minus", "-", 5)
            t0 = time.perf_counter()
            app.post_message(events.Key(key, char))
            await _until(lambda level=level: f"intel L{level} " in bar.text.plain)
            handled.append((time.perf_counter() - t0) * 1000)
            t1 = time.perf_counter()
            await _until(lambda t1=t1: _TimedStatusBar.painted_at >= t1)
            painted.append((_TimedStatusBar.painted_at - t0) * 1000)
            await asyncio.sleep(0.03)
        if publisher is not None:
            publisher.cancel()
        await pilot.press("q")
    return handled, painted, engine.bus.published, engine.bus.dropped


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _entries(name: str, loaded: list[float], idle: list[float]) -> list[dict[str, Any]]:
    out = []
    for q in (50, 99):
        value, base = _pct(loaded, q), _pct(idle, q)
        out.append(
            {
                "name": f"{name}_p{q}",
                "value": round(value, 2),
                "unit": "ms",
                "baseline": round(base, 2),
                "ratio": round(value / base, 3) if base else None,
                "goal": f"<= {GOAL_MS:g} ms at {RATE:g} events/s",
                "met": value <= GOAL_MS,
            }
        )
    return out


def run() -> list[dict[str, Any]]:
    idle_handled, idle_painted, _, _ = asyncio.run(_measure(0.0))
    handled, painted, published, dropped = asyncio.run(_measure(RATE))
    return [
        *_entries("tui_key_to_status_handled", handled, idle_handled),
        *_entries("tui_key_to_status_painted", painted, idle_painted),
        {
            "name": "tui_events_dropped_at_50_per_s",
            "value": dropped,
            "unit": f"of {published} events",
            "goal": "0",
            "met": dropped == 0,
        },
    ]


if __name__ == "__main__":
    for entry in run():
        print(entry)
