"""The thought log: every decision (enter, skip, exit, hold, level change, breaker) becomes a record with
the factors behind it, a readable paragraph generated from them, and the evidence. Stored, published as
an event, exportable as JSONL for replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.engine.api.events import EventBus, ThoughtRecorded
from dexbot.engine.risk.score import Factor, contributions
from dexbot.store import repo
from dexbot.store.models import Thought

LAST_PER_TOKEN = 4096  # tokens whose last thought is remembered for collapsing repeats (oldest forgotten)
DECISIONS = ("enter", "skip", "exit", "hold", "level", "breaker", "pause", "resume", "error", "start")


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

    def tokens(self) -> list[str]:
        """The tokens whose last thought is remembered (lower-case; no token-less thoughts)."""
        return [t for t in self._last if t]

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
