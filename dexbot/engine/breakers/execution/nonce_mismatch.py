"""Nonce mismatch between the transaction ledger and the chain (critical). Ahead: something else signs
with this key. Behind: transactions the ledger believes sent were lost. Either way, sending more could
replace or duplicate a trade."""

from __future__ import annotations

from dexbot.engine.breakers.base import Breaker, Trip
from dexbot.engine.breakers.context import BreakerContext


class NonceMismatch(Breaker):
    name = "nonce_mismatch"
    title = "nonce mismatch ledger vs chain"
    category = "execution"
    severity = "critical"
    scope = "chain"

    def check(self, ctx: BreakerContext) -> Trip | None:
        ledger, chain = ctx.ledger_nonce, ctx.chain_nonce
        if ledger is None or chain is None or ledger == chain:
            return None
        why = (
            "another signer is using this wallet"
            if chain > ledger
            else "transactions the ledger sent are unknown to the node"
        )
        return Trip(
            f"the chain's pending nonce is {chain} but the ledger's next nonce is {ledger}: {why}",
            {"ledger_nonce": ledger, "chain_nonce": chain},
        )
