"""A breaker's state per scope key, how it is written to and read back from ``breaker_events``, and the
sentence each transition puts in the thought log.

Scoped breakers keep one state per token or pool; the event's ``scope`` column holds ``token:0x…`` /
``dex:0x…`` for them and the plain scope (``global``, ``chain``) otherwise. The action and whether an
operator did it travel in the evidence (``action``, ``manual``), so a restart restores them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, get_args

from sqlalchemy.engine import Engine

from dexbot.engine.breakers.base import CLOSED, HALF_OPEN, OPEN, Action, Breaker
from dexbot.store import repo
from dexbot.store.models import BreakerEvent

# How far back a scoped breaker's history is folded to find each key's last state on start-up.
SCOPED_HISTORY = 5000
RESERVED = ("action", "manual")


@dataclass
class BreakerState:
    state: str = CLOSED
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    action: Action | None = None
    since: float = 0.0  # unix s of the last transition
    manual: bool = False  # an operator's trip is latched: no cooldown, only a reset closes it

    def cooldown_left(self, now: float, cooldown_s: float) -> float:
        if self.state != OPEN or self.manual:
            return 0.0
        return max(0.0, self.since + cooldown_s - now)

    def cooled(self, now: float, cooldown_s: float) -> bool:
        return self.state == OPEN and not self.manual and now >= self.since + cooldown_s


def scope_column(b: Breaker, key: str) -> str:
    return f"{b.scope}:{key}" if key else b.scope


def key_of(column: str) -> str:
    return column.partition(":")[2]


def to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def to_timestamp(at: datetime) -> float:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def event_row(
    b: Breaker, key: str, old: str, st: BreakerState, instance: str, chain: repo.ChainKey | None = None
) -> BreakerEvent:
    """``chain``: the chain the transition belongs to (None: any chain)."""
    evidence = {**jsonable(st.evidence), "action": st.action or "", "manual": st.manual}
    chain_id, genesis = chain or (0, "")
    return BreakerEvent(
        instance=instance,
        chain_id=chain_id,
        genesis_hash=genesis,
        at=to_datetime(st.since),
        name=b.name,
        scope=scope_column(b, key),
        from_state=old,
        to_state=st.state,
        reason=st.reason,
        evidence=evidence,
    )


def state_from_event(b: Breaker, ev: BreakerEvent) -> BreakerState:
    data = dict(ev.evidence or {})
    raw_action = data.get("action")
    action: Action | None = raw_action if raw_action in get_args(Action) else None
    state = ev.to_state if ev.to_state in (CLOSED, OPEN, HALF_OPEN) else OPEN
    if state != CLOSED and action is None:
        action = b.default_action(key_of(ev.scope))
    return BreakerState(
        state=state,
        reason=ev.reason,
        evidence={k: v for k, v in data.items() if k not in RESERVED},
        action=action if state != CLOSED else None,
        since=to_timestamp(ev.at),
        manual=bool(data.get("manual", False)),
    )


def read_latest(
    db: Engine, breakers: dict[str, Breaker], instance: str, chain: repo.ChainKey | None = None
) -> tuple[dict[tuple[str, str], BreakerEvent], int]:
    """The instance's last event (on ``chain``) of every (breaker, scope key), and its newest event id."""
    latest = repo.latest_breaker_states(db, instance, chain)
    newest = max((ev.id or 0 for ev in latest.values()), default=0)
    out: dict[tuple[str, str], BreakerEvent] = {}
    for name, ev in latest.items():
        b = breakers.get(name)
        if b is None:
            continue
        if not b.scoped:
            out[(name, key_of(ev.scope))] = ev
            continue
        for e in repo.list_breaker_events(
            db, name=name, limit=SCOPED_HISTORY, instance=instance, chain=chain
        ):  # newest first
            out.setdefault((name, key_of(e.scope)), e)
    return out, newest


def events_after(
    db: Engine, after_id: int, instance: str, chain: repo.ChainKey | None = None
) -> list[BreakerEvent]:
    """The instance's events (on ``chain``) with an id above ``after_id``, oldest first (what another
    process, such as `dexbot breakers trip`, wrote for it since)."""
    return repo.breaker_events_after(db, after_id, instance, chain)


_EFFECT: dict[str, str] = {
    "halt": "all trading halted",
    "pause_entries": "new entries paused",
    "pause_fast_lane": "the Fast Lane paused",
    "block_token": "no entries in {key}",
    "block_pool": "pool {key} avoided",
    "exit_position": "exiting the position in {key}",
}


def effect(action: Action | None, key: str) -> str:
    return _EFFECT.get(action or "pause_entries", "new entries paused").format(key=key or "its scope")


def explain(b: Breaker, key: str, old: str, st: BreakerState, symbol: str = "") -> str:
    """The thought-log paragraph for one transition (``symbol``: the token's, when the scope has one)."""
    named = f"{symbol} {key}" if symbol else key
    who = f"{b.title} breaker" + (f" for {named}" if key else "")
    who = who[0].upper() + who[1:]
    if st.state == OPEN and st.manual:
        return (
            f"{who} tripped by the operator ({effect(st.action, key)}): {st.reason}. "
            "It stays open until reset."
        )
    if st.state == OPEN:
        again = " again on the half-open probe" if old == HALF_OPEN else ""
        return (
            f"{who} tripped{again} ({b.severity}: {effect(st.action, key)}): {st.reason}. "
            f"It is re-checked after a {b.cooldown_s:g} s cooldown."
        )
    if st.state == HALF_OPEN:
        return f"{who} is half-open after its {b.cooldown_s:g} s cooldown; the next check is the probe."
    if st.manual:
        return f"{who} reset by the operator: {st.reason}."
    return f"{who} closed: the half-open probe found the condition cleared."


def jsonable(value: Any) -> Any:
    """Evidence as JSON: tuples become lists, Decimals strings; integers stay exact."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value
