"""What a swap would cost on chain, gas and L1 data fee, priced without sending: how paper fills on an
OP-stack chain (Base) pay what a live trade pays. The L1 fee depends on every byte of the signed
transaction, so the pricer builds the very transaction the live path would send (orders.py), signs it
and asks the chain's GasPriceOracle what those bytes cost; the execution gas is what the chain reports
running it (``eth_simulateV1``) at the fee per gas the live path would pay.

Paper has no wallet of its own. With the account that would trade live (the devnet's dev account) the
priced transaction is byte for byte the live one. Without one, a fixed pricing key that holds nothing
and never sends signs it: its signature compresses like any other, and where the chain cannot run the
swap from that account (a paper sell of tokens it does not hold) the gas limit and gas used come from the
quote's estimate instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_utils import keccak

from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.sender import block_gas_limit, eip1559_tx, padded_gas_limit
from dexbot.chain.txtypes import Fees
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.execution.orders import DEADLINE_S, chain_deadline, min_out, swap_request
from dexbot.engine.execution.types import Market

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

# Signs paper fills' priced transactions when no live account is known; a public constant on purpose.
PRICING_KEY = keccak(text="dexbot paper fills sign their priced transactions with this key; it never sends")


@dataclass(frozen=True)
class SwapCost:
    """Gas used, what it all costs (execution gas plus the L1 data fee) and the L1 part, in wei."""

    gas_used: int
    gas_cost: int
    l1_fee: int


class SwapPricer:
    def __init__(
        self,
        client: RpcClient,
        addrs: DexAddresses,
        gas: GasOracle,
        policy: Callable[[], IntelPolicy],
        account: LocalAccount | None = None,
        *,
        deadline_s: int = DEADLINE_S,
    ) -> None:
        self.client, self.addrs, self.gas, self.policy = client, addrs, gas, policy
        self.account = account or Account.from_key(PRICING_KEY)
        self.address = str(self.account.address)
        self.deadline_s = deadline_s

    async def price(
        self,
        side: str,
        m: Market,
        amount_in: int,
        net_out: int,
        gas_units: int,
        block: int,
        *,
        contested: bool = False,
    ) -> SwapCost:
        """The cost of the swap the live path would send at ``block`` for this quote."""
        pol = self.policy()
        req = swap_request(
            self.addrs,
            m,
            side,
            amount_in,
            min_out(net_out, pol.max_slippage_bps),
            self.address,
            await chain_deadline(self.client, block, self.deadline_s),
        )
        s = await self.gas.suggest(pol.gas_urgency, head=block, contested=contested)
        fees = Fees(s.max_fee_per_gas, s.max_priority_fee_per_gas)
        estimate, nonce, head = await self.client.batch(
            [
                ("eth_estimateGas", [req.call_params(self.address), "pending"]),
                ("eth_getTransactionCount", [self.address, "pending"]),
                ("eth_getBlockByNumber", ["latest", False]),
            ]
        )
        runs = not isinstance(estimate, RpcError)
        limit = padded_gas_limit(int(estimate, 16) if runs else gas_units, block_gas_limit(head))
        tx = eip1559_tx(
            req,
            fees,
            chain_id=self.client.chain_id,
            nonce=0 if isinstance(nonce, RpcError) else int(nonce, 16),
            gas=limit,
        )
        raw = bytes(self.account.sign_transaction(tx).raw_transaction)
        used = (await self._gas_used(tx) if runs else None) or gas_units
        l1 = await self.gas.l1_fee_signed(raw)
        return SwapCost(used, used * s.expected_fee_per_gas + l1, l1)

    async def _gas_used(self, tx: dict[str, Any]) -> int | None:
        """The gas the chain reports the transaction using on the latest state; None when the node
        cannot say (no ``eth_simulateV1``) or the call fails."""
        call = {k: hex(v) if isinstance(v, int) else v for k, v in tx.items() if k not in ("type", "chainId")}
        call["from"] = self.address
        call["data"] = "0x" + bytes(tx["data"]).hex()
        try:
            out = await self.client.request(
                "eth_simulateV1", [{"blockStateCalls": [{"calls": [call]}]}, "latest"]
            )
            result = out[0]["calls"][0]
        except (RpcError, LookupError, TypeError):
            return None
        if int(str(result.get("status", "0x1")), 16) != 1:
            return None
        return int(str(result["gasUsed"]), 16)
