"""A token whose entry fails is skipped for a while and counts toward the hostile-rate breaker; one that
failed through the node (a block it lacks, its answers contradicting its logs) is neither: the token is
judged again at the next block. A revert or a timeout stays the token's (its code can cause both)."""

from __future__ import annotations

from pathlib import Path

from dexbot.chain.rpc_errors import RpcError
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


async def test_a_node_lacking_the_block_is_not_the_tokens_fault_but_a_revert_or_timeout_is(
    tmp_path: Path,
) -> None:
    faults, _ = _faults(tmp_path)
    lagging = RpcError("eth_call", {"code": -32000, "message": "header not found"})
    await faults.token_failed("trade", TOKEN, "LAG", lagging, block=7)
    assert (faults.skipped_lately(TOKEN, 8), faults.hostile_seen) == (False, [])
    trick = RpcError("eth_call", {"code": 3, "message": "execution reverted: header not found"})
    await faults.token_failed("trade", TOKEN, "TRICK", trick, block=9)
    assert faults.skipped_lately(TOKEN, 10)
    other = "0x" + "cd" * 20
    await faults.token_failed("assess", other, "SLOW", ChainError("eth_call: timed out after 10 s"), block=9)
    assert faults.skipped_lately(other, 10)
    assert len(faults.hostile_seen) == 2
