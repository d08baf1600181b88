"""Rolling the session devnet back around every test without losing the state tests start from.

anvil does not forget the states of the blocks an ``evm_revert`` takes away: they stay in its history
(500 states by default) until newer ones push them out, oldest first. The oldest is the state of the
block every test starts from, so after ~500 blocks mined and reverted across the suite a test that reads
that block's state once it has mined past it gets BlockOutOfRangeError (a clean clone's run of
``test_multicall_states_equal_individual_reads_at_the_same_block`` did). ``SnapshotBase`` counts the
blocks reverted since the base block's state was stored and, well before that limit, mines one empty
block after a revert: the new base, whose state is the newest in anvil's history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[[str, list[Any]], dict[str, Any]]

ANVIL_STATES = 500  # anvil's default history when neither --prune-history nor a disk cache is set
REVERTED_BUDGET = 300  # rebase after this many reverted blocks, well within ANVIL_STATES


class SnapshotBase:
    """``snapshot()`` before a test, ``revert(id)`` after it; see the module's docstring."""

    def __init__(self, call: Call, budget: int = REVERTED_BUDGET) -> None:
        self.call = call
        self.budget = budget
        self.reverted = 0  # blocks reverted since the base block's state was stored
        self.rebases = 0

    def _result(self, method: str, *params: Any) -> Any:
        reply = self.call(method, list(params))
        if "error" in reply:
            raise AssertionError(f"{method} failed on the session devnet: {reply['error']}")
        return reply.get("result")

    def head(self) -> int:
        return int(self._result("eth_blockNumber"), 16)

    def snapshot(self) -> tuple[str, int]:
        return str(self._result("evm_snapshot")), self.head()

    def revert(self, snap: tuple[str, int]) -> None:
        """Back to ``snap``; the pool emptied (it outlives a revert, and a transaction a test left pending
        would be mined into the next test's chain) and automine on (a snapshot does not hold it)."""
        snapshot_id, base = snap
        self.reverted += max(0, self.head() - base)
        assert self._result("evm_revert", snapshot_id) is True, "evm_revert failed"
        self._result("anvil_dropAllTransactions")
        self._result("evm_setAutomine", True)
        if self.reverted >= self.budget:
            self._result("evm_mine")  # the new base: its state is the newest anvil holds
            self.reverted = 0
            self.rebases += 1
