"""Engine events as log lines (headless mode): readable text or one JSON object per line."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from dexbot.core.units import fmt_units
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

STATUS_EVERY_BLOCKS = 15


class EventFormatter:
    def __init__(self) -> None:
        self.last_status_block = 0
        self.block = 0

    def text(self, ev: Event) -> str | None:
        if isinstance(ev, BlockSeen):
            self.block = ev.number
            return None
        if isinstance(ev, ThoughtRecorded):
            if ev.count & (ev.count - 1):
                return None  # a repeat: logged again only at counts 2, 4, 8, … so it cannot flood
            risk = "" if ev.risk_score is None else f" risk {ev.risk_score}"
            lane = f" {ev.lane}" if ev.lane else ""
            head = f"#{ev.block_number} {ev.decision.upper():6} {ev.symbol or '-'}"
            again = f" (×{ev.count}, last #{ev.last_block})" if ev.count > 1 else ""
            return f"{head} L{ev.intel_level}{lane}{risk}: {ev.reasoning}{again}"
        if isinstance(ev, TradeFilled):
            weth = fmt_units(ev.amount_in if ev.side == "buy" else ev.amount_out, 18, 6)
            tokens = fmt_units(ev.amount_out if ev.side == "buy" else ev.amount_in, ev.decimals, 2)
            buy = ev.side == "buy"
            what = f"{weth} WETH → {tokens} {ev.symbol}" if buy else f"{tokens} {ev.symbol} → {weth} WETH"
            why = f" ({ev.reason})" if ev.reason else ""
            gas = fmt_units(ev.gas_cost, 18, 6)
            return f"#{self.block} TRADE  {ev.mode} {ev.side} {what}, gas {gas} WETH{why}"
        if isinstance(ev, PortfolioUpdated):
            if self.block - self.last_status_block < STATUS_EVERY_BLOCKS:
                return None
            self.last_status_block = self.block
            usd = f" (${fmt_units(ev.equity * ev.eth_usd_e6 // 10**18, 6, 2)})" if ev.eth_usd_e6 else ""
            return (
                f"#{self.block} STATUS equity {fmt_units(ev.equity, 18, 4)} WETH{usd}, realised "
                f"{_signed(ev.realised_pnl)}, unrealised {_signed(ev.unrealised_pnl)}, "
                f"{ev.open_positions} open"
            )
        if isinstance(ev, EngineStateChanged):
            return f"ENGINE {ev.state}" + (f": {ev.reason}" if ev.reason else "")
        if isinstance(ev, LevelChanged):
            return f"LEVEL  {ev.old} → {ev.new} ({ev.source})"
        if isinstance(ev, BreakerChanged):
            return f"BREAKER {ev.name} {ev.old_state} → {ev.new_state} ({ev.severity}): {ev.reason}"
        if isinstance(ev, EngineError):
            return f"ERROR  {ev.where}: {ev.message}"
        return None

    def json(self, ev: Event) -> str | None:
        if isinstance(ev, BlockSeen | PortfolioUpdated | ThoughtRecorded) and self.text(ev) is None:
            return None
        data: dict[str, Any] = {"event": type(ev).__name__}
        data.update(dataclasses.asdict(ev))
        return json.dumps(data, default=_default)


def _signed(wei: int) -> str:
    return ("+" if wei >= 0 else "-") + fmt_units(abs(wei), 18, 6)


def _default(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    return str(v)
