"""The suite's rollback around every test (tests/snapshot_base.py), on an anvil of its own: anvil keeps
the states of reverted blocks until newer ones push the oldest out, so after enough tests the state of
the block they all start from is gone; ``SnapshotBase`` mines a new base before that happens."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from snapshot_base import ANVIL_STATES, SnapshotBase

from dexbot.chain.devnet import Anvil

pytestmark = [pytest.mark.chain, pytest.mark.slow]
CYCLES = ANVIL_STATES + 20  # more reverted blocks than anvil's history holds
RICH = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # anvil's first account


@pytest.fixture
def call() -> Iterator[Any]:
    """JSON-RPC calls to a fresh anvil (automine) with one block mined: the base tests start from."""
    with Anvil(block_time_s=0) as anvil:

        def call(method: str, params: list[Any]) -> dict[str, Any]:
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
            req = urllib.request.Request(anvil.rpc_url, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                return dict(json.load(resp))

        call("evm_setAutomine", [True])
        call("evm_mine", [])
        yield call


def _tests_run(base: SnapshotBase) -> None:
    """CYCLES tests that each mine a block and are rolled back."""
    for _ in range(CYCLES):
        snap = base.snapshot()
        base._result("evm_mine")
        base.revert(snap)


def _base_state_after_mining_past_it(base: SnapshotBase) -> dict[str, Any]:
    """A test that reads its starting block's state after mining two blocks past it."""
    snap = base.snapshot()
    start = base.head()
    base._result("evm_mine")
    base._result("evm_mine")
    answer = base.call("eth_getBalance", [RICH, hex(start)])
    base.revert(snap)
    return answer


def test_anvil_loses_the_starting_blocks_state_after_enough_reverted_blocks(call: Any) -> None:
    plain = SnapshotBase(call, budget=10**9)  # never rebases
    _tests_run(plain)
    answer = _base_state_after_mining_past_it(plain)
    assert "BlockOutOfRange" in answer.get("error", {}).get("message", ""), answer


def test_the_suites_rollback_keeps_the_starting_blocks_state_readable(call: Any) -> None:
    kept = SnapshotBase(call)
    first = kept.head()
    _tests_run(kept)
    answer = _base_state_after_mining_past_it(kept)
    assert "result" in answer, answer
    assert int(answer["result"], 16) > 0
    assert kept.rebases == CYCLES // kept.budget
    assert kept.head() == first + kept.rebases  # one empty block per rebase, nothing else left behind
