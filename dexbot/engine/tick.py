"""One block as the engine hands it to its desks: the block, its timestamp (the chain-time clock is already
at it), the fee per gas its trades are priced at and the intel policy in force. Passed in, never poked:
whatever drives the engine (the live loop, a replay, a test) builds one per block."""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.engine.api.intel import IntelPolicy


@dataclass(frozen=True)
class Tick:
    block: int
    timestamp: int
    gas_price: int  # effective wei per gas: the level's urgency at this block, or the last one that was known
    policy: IntelPolicy
    # OP-stack chains: the most one swap's L1 data fee can be at this block, plus its operator fee; else 0
    l1_fee: int = 0
