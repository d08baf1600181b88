"""The thought log: every decision (enter, skip, exit, hold, level change, breaker) becomes a record with
the factors behind it, a readable paragraph generated from them, and the evidence. Stored, published as
an event, exportable as JSONL for replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.core.units import fmt_units
from dexbot.engine.api.events import EventBus, ThoughtRecorded
from dexbot.engine.exits.plan import ExitPlan
from dexbot.engine.risk.score import Assessment, Factor, contributions
from dexbot.store import repo
from dexbot.store.models import Thought

LAST_PER_TOKEN = 4096  # tokens whose last thought is remembered for collapsing repeats (oldest forgotten)
DECISIONS = ("enter", "skip", "exit", "hold", "level", "breaker", "pause", "resume", "error", "start")


def _pct(bps: int | None) -> str:
    return "?" if bps is None else f"{Decimal(bps) / 100:g}%"


def top_concerns(factors: Iterable[Factor], n: int = 2) -> str:
    ranked = sorted(contributions(tuple(factors)), key=lambda fc: -fc[1])
    parts = [f"{f.name.replace('_', ' ')} {f.value} (+{c:.0f})" for f, c in ranked[:n] if c >= 1]
    return ", ".join(parts) if parts else "none worth naming"


def explain_skip(a: Assessment, max_risk: int) -> str:
    """Why a token was not bought, most decisive reason first."""
    if a.blockers:
        first = a.blockers[0]
        others = f" Also: {', '.join(b.note for b in a.blockers[1:])}." if len(a.blockers) > 1 else ""
        return f"Skipping {a.symbol}: {first.note} — a hard block at every level.{others}"
    if a.verdict == "inconclusive":
        return (
            f"Skipping {a.symbol}: the round-trip simulation was inconclusive ({a.inconclusive}); "
            "no money goes into a token whose exit was not shown to work."
        )
    return (
        f"Skipping {a.symbol}: risk {a.score}/100 is above this level's limit of {max_risk}. "
        f"Main concerns: {top_concerns(a.factors, 3)}."
    )


def explain_enter(
    a: Assessment, max_risk: int, size_wei: int, equity_wei: int, expected_out: int, decimals: int
) -> str:
    share = Decimal(size_wei * 100) / Decimal(equity_wei) if equity_wei else Decimal(0)
    return (
        f"Entering {a.symbol}: risk {a.score}/100 is within the limit of {max_risk}; "
        f"the simulated round trip works (buy tax {_pct(a.buy_tax_bps)}, sell tax {_pct(a.sell_tax_bps)}). "
        f"Buying with {fmt_units(size_wei, 18, 4)} WETH ({share:.1f}% of equity) for about "
        f"{fmt_units(expected_out, decimals, 2)} {a.symbol} after tax. Watch: {top_concerns(a.factors)}."
    )


def explain_exit(symbol: str, rule: str, value_wei: int, cost_wei: int, detail: str = "") -> str:
    pnl = value_wei - cost_wei
    pct = Decimal(pnl * 100) / Decimal(cost_wei) if cost_wei else Decimal(0)
    sign = "+" if pnl >= 0 else "-"
    extra = f" {detail}" if detail else ""
    return (
        f"Exiting {symbol} by {rule}: selling now would net {fmt_units(value_wei, 18, 6)} WETH after tax "
        f"against {fmt_units(cost_wei, 18, 6)} WETH paid ({sign}{abs(pct):.2f}%).{extra}"
    )


def explain_slice(
    plan: ExitPlan,
    rule: str,
    symbol: str,
    decimals: int,
    sold: int,
    left: int,
    impact_bps: int,
    budget_bps: int,
) -> str:
    """What one sale of an exit was: its size, its measured price impact (average price against the pool's
    marginal price) and, for a sliced exit, how it stands against the budget and what is carried on."""
    what = f"{fmt_units(sold, decimals, 4)} {symbol} at {_pct(impact_bps)} price impact"
    if not plan.budgeted:
        return f"Sold {what} at once: a {rule} exit does not wait for the {budget_bps} bps impact budget."
    if impact_bps <= budget_bps:
        within = f" (within the {budget_bps} bps budget)"
    else:
        within = f", over the {budget_bps} bps budget: the pool is too thin for any slice within it"
    if left > 0:
        return (
            f"Slice {plan.fills}: {what}{within}; {fmt_units(left, decimals, 4)} {symbol} carried to the "
            f"next blocks ({plan.describe()})."
        )
    if plan.fills == 1:
        return f"Sold {what} in one slice{within}."
    return f"Slice {plan.fills}, the last: {what}{within}; sold in {plan.fills} slices."


class ThoughtLog:
    """Writes thoughts to the store (off the event loop) and publishes them on the bus.

    A thought that repeats the last one about the same token word for word (same decision, same
    reasoning) is not a new row: the row's count and last block go up and it is re-published, so a
    position that cannot be sold, or a pool that vanished, is one line however many blocks it lasts."""

    def __init__(
        self, db: Engine, bus: EventBus, jsonl: Path | None = None, *, instance: str = DEFAULT_INSTANCE
    ) -> None:
        self.db = db
        self.instance = instance
        self.bus = bus
        self.jsonl = jsonl
        self.count = 0
        self._last: dict[str, tuple[str, str, int]] = {}  # token -> (decision, reasoning, thought id)

    def forget(self, tokens: Iterable[str]) -> None:
        """The engine stopped following ``tokens`` (their pools left the view, nothing held): a later
        thought about one of them starts a new row, and the collapse map keeps only followed tokens."""
        for token in tokens:
            self._last.pop(token.lower(), None)

    def remembers(self, token: str) -> bool:
        """Whether a repeat of the last thought about ``token`` would collapse into it."""
        return token.lower() in self._last

    async def record(
        self,
        decision: str,
        reasoning: str,
        *,
        token: str = "",
        symbol: str = "",
        lane: str = "",
        intel_level: int = 0,
        confidence: float = 0.0,
        risk_score: int | None = None,
        factors: Iterable[Factor] = (),
        evidence: dict[str, Any] | None = None,
        block_number: int = 0,
    ) -> Thought:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        key = token.lower()
        last = self._last.get(key)
        if last is not None and last[:2] == (decision, reasoning):
            again: Thought = await asyncio.to_thread(repo.repeat_thought, self.db, last[2], block_number)
            self.bus.publish(_event(again))
            return again
        facts = [
            {
                "name": f.name,
                "value": f.value,
                "risk": f.risk,
                "weight": f.weight,
                "contribution": round(c, 2),
                "hard_block": f.hard_block,
                "note": f.note,
                **({"evidence": _jsonable(f.evidence)} if f.evidence else {}),
            }
            for f, c in contributions(tuple(factors))
        ]
        row = Thought(
            instance=self.instance,
            block_number=block_number,
            token=token,
            symbol=symbol,
            lane=lane,
            intel_level=intel_level,
            decision=decision,
            confidence=round(confidence, 3),
            risk_score=risk_score,
            factors=facts,
            reasoning=reasoning,
            evidence=_jsonable(evidence or {}),
        )
        row.last_block = block_number
        saved: Thought = await asyncio.to_thread(repo.add, self.db, row)
        self.count += 1
        self._last.pop(key, None)
        self._last[key] = (decision, reasoning, saved.id or 0)
        if len(self._last) > LAST_PER_TOKEN:
            del self._last[next(iter(self._last))]
        if self.jsonl is not None:
            await asyncio.to_thread(self._append_jsonl, saved)
        self.bus.publish(_event(saved))
        return saved

    def _append_jsonl(self, row: Thought) -> None:
        assert self.jsonl is not None
        self.jsonl.parent.mkdir(parents=True, exist_ok=True)
        with self.jsonl.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row.model_dump(), default=str) + "\n")


def _event(t: Thought) -> ThoughtRecorded:
    return ThoughtRecorded(
        thought_id=t.id or 0,
        decision=t.decision,
        token=t.token,
        symbol=t.symbol,
        lane=t.lane,
        intel_level=t.intel_level,
        risk_score=t.risk_score,
        confidence=t.confidence,
        reasoning=t.reasoning,
        factors=tuple(t.factors),
        evidence=t.evidence,
        block_number=t.block_number,
        count=t.count,
        last_block=t.last_block,
    )


def _jsonable(value: Any) -> Any:
    """Evidence holds big ints (reserves, amounts): keep them exact as strings in JSON."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)
