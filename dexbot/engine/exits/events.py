"""The events a position's life publishes: a trade filled, the position changed (and the rule on it)."""

from __future__ import annotations

from dexbot.engine.api.events import PositionChanged, TradeFilled
from dexbot.engine.execution.types import Fill
from dexbot.engine.exits.holding import Holding
from dexbot.store.models import Position


def rule_text(h: Holding | None) -> str:
    if h is None:
        return ""
    return "pool vanished" if h.vanished else h.rules.describe()


def trade_event(mode: str, pos: Position, trade_id: int, fill: Fill, reason: str) -> TradeFilled:
    return TradeFilled(
        trade_id=trade_id,
        position_id=pos.id,
        mode=mode,
        side=fill.side,
        token=pos.token,
        symbol=pos.symbol,
        decimals=pos.decimals,
        amount_in=fill.amount_in,
        amount_out=fill.amount_out,
        gas_cost=fill.gas_cost,
        l1_fee=fill.l1_fee,
        reason=reason,
        quoted_out=fill.quoted_out,
    )


def position_event(pos: Position, value: int, rule: str) -> PositionChanged:
    return PositionChanged(
        position_id=pos.id or 0,
        token=pos.token,
        symbol=pos.symbol,
        status=pos.status,
        size=pos.size,
        entry_cost=pos.entry_cost,
        value_now=value,
        realised_pnl=pos.realised_pnl,
        exit_rule=rule,
    )
