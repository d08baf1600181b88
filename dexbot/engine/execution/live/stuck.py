"""Pending transactions the loop acts on: one the fee market left behind is sent again on its nonce at
the block's fees (a speed-up), and the kill switch replaces every pending one by a 0-value self-transfer
(a cancel). Each is said in one thought; the trade waiting on the nonce books whichever lands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.txtypes import Fees
from dexbot.core.errors import ChainError
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.execution.live.tx import TxRunner
from dexbot.engine.thoughts import ThoughtLog


class StuckTxs:
    def __init__(
        self,
        runner: TxRunner,
        gas: GasOracle,
        thoughts: ThoughtLog,
        policy: Callable[[], IntelPolicy],
        fees: Callable[[int], Awaitable[Fees]],
    ) -> None:
        """``fees``: the executor's fees for a block (refusing a gas ceiling below the base fee)."""
        self.runner, self.gas, self.thoughts, self.policy = runner, gas, thoughts, policy
        self._fees = fees

    async def speed_up(self, block: int) -> list[tuple[str, str]]:
        """Every pending transaction priced below the next block's base fee (the fee market left it
        behind: it cannot be mined as it is) sent again on its nonce at this block's fees, the same call.
        A trade waiting on it goes on waiting; whichever of the two lands is its outcome."""
        try:
            s = await self.gas.suggest(self.policy().gas_urgency, head=block)
        except ChainError:
            return []  # no fee to reprice at: looked at again next block
        if s.below_base_fee:
            return []  # the gas ceiling holds everything below the base fee: repricing cannot help
        done = await self.runner.speed_up_stuck(
            Fees(s.max_fee_per_gas, s.max_priority_fee_per_gas), s.base_fee, block
        )
        for old, new in done:
            await self.thoughts.record(
                "hold",
                f"Transaction {old} was priced below the next base fee of {s.base_fee} wei and could not be "
                f"mined: sent again as {new} on the same nonce at {s.max_fee_per_gas} wei per gas.",
                block_number=block,
                evidence={"replaced": old, "speed_up": new, "base_fee": s.base_fee},
            )
        return done

    async def cancel_all(self, block: int) -> list[tuple[str, str]]:
        """The kill switch: every pending transaction replaced on its nonce by a 0-value self-transfer."""
        try:
            fees: Fees | None = await self._fees(block)
        except ChainError:
            fees = None  # the cancel still pays the old fees +12.5 %
        done = await self.runner.cancel_pending(fees, block)
        for old, new in done:
            await self.thoughts.record(
                "breaker",
                f"Kill switch: pending transaction {old} taken back by a 0-value self-transfer {new} on "
                "the same nonce (fees +12.5 %).",
                block_number=block,
                confidence=1.0,
                evidence={"replaced": old, "cancel": new},
            )
        return done
