"""A token whose entry fails is skipped for a while and counts toward the hostile-rate breaker; one whose
pool the node keeps answering wrongly about (UntrustedState) is neither: the fault is the node's, and the
token is judged again at the next block."""

from __future__ import annotations

from pathlib import Path

from dexbot.core.errors import ChainError, UntrustedState
from dexbot.engine.api.events import EventBus
from dexbot.engine.thoughts import ThoughtLog
from dexbot.engine.token_faults import TokenFaults
from dexbot.store.db import open_database

TOKEN = "0x" + "ab" * 20


def _faults(tmp_path: Path) -> tuple[TokenFaults, ThoughtLog]:
    bus = EventBus()
    thoughts = ThoughtLog(open_database(f"sqlite:///{tmp_path / 't.db'}"), bus)
    return TokenFaults(bus, thoughts, clock=lambda: 1000.0), thoughts


async def test_a_token_that_fails_is_skipped_and_counted_hostile(tmp_path: Path) -> None:
    faults, _ = _faults(tmp_path)
    await faults.token_failed("trade", TOKEN, "BAD", ChainError("transfer reverted"), block=7)
    assert faults.skipped_lately(TOKEN, 8)
    assert faults.hostile_seen == [1000.0]


async def test_an_untrusted_pool_state_is_said_but_neither_remembered_nor_hostile(tmp_path: Path) -> None:
    faults, thoughts = _faults(tmp_path)
    err = UntrustedState("pool 0x1: the node's answers disagree with the chain's logs")
    await faults.token_failed("trade", TOKEN, "LIED", err, block=7)
    assert not faults.skipped_lately(TOKEN, 8)
    assert faults.hostile_seen == []
    assert thoughts.count == 1
