"""What a swap would cost on chain, gas and L1 data fee, priced without sending: how paper fills pay
what a live trade pays, on every chain. The execution gas is what the chain reports running the very
transaction the live path would send (orders.py; ``eth_simulateV1``) at the fee per gas the live path
would pay, not the quote's estimate: a live sale also approves its amount, and the router's work is
not the quoter's. On an OP-stack chain (Base) the L1 fee depends on every byte of the signed
transaction, so the pricer signs it and asks the chain's GasPriceOracle what those bytes cost, and
since Isthmus each transaction also pays the oracle's operator fee of that gas (``getOperatorFee``).
Everything is read at the quote's block, so a replay of the same blocks prices the same fills; the
deadline too is the block's time plus the live window, never the wall clock (its zero bytes are gas).

Paper has no wallet of its own. With the account that would trade live (the devnet's dev account) the
priced transaction is byte for byte the live one (its deadline too, unless the chain's clock trails the
wall clock). Without one, a fixed pricing key that holds nothing and never sends signs it: its signature
compresses like any other. Gas used is simulated with the account funded; a transaction the chain cannot
estimate or run from it (a sale of tokens it does not hold, a buy with ETH it does not have) takes its
gas limit, and where it cannot run its gas used, from the quote's estimate. A sale is priced like the
live one: approving exactly its amount first when the allowance falls short, both transactions paying gas
and an L1 fee. A paper position is in the books only: the sale is estimated and run with the token's
balance (and, for the swap's estimate, the approval) overridden in the token's own storage
(chain/balance_slot.py), so its gas is the live sale's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_utils import keccak

from dexbot.chain.approvals import allowance, approve_calldata
from dexbot.chain.balance_slot import Slots, holding_override
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.sender import block_gas_limit, eip1559_tx, padded_gas_limit
from dexbot.chain.tokens import token_balance
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.execution.live.calls import router_of
from dexbot.engine.execution.orders import DEADLINE_S, min_out, swap_request
from dexbot.engine.execution.types import Market

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

# Signs paper fills' priced transactions when no live account is known; a public constant on purpose.
FUNDED_WEI = 10**30
INVALID_PARAMS = -32602  # JSON-RPC: the method does not take these parameters
APPROVE_GAS = 50_000  # an ERC-20 approve to a fresh spender (~46k), where the chain cannot estimate one
PRICING_KEY = keccak(text="dexbot paper fills sign their priced transactions with this key; it never sends")


@dataclass(frozen=True)
class SwapCost:
    """Gas used, what it all costs (execution gas, the L1 data fee and an OP-stack operator fee) and the
    L1 and operator parts, in wei. ``upfront``: what a wallet must hold beside the value to send them
    (a node refuses a transaction whose gas limit at its max fee per gas it cannot pay), the L1 and
    operator fees included; 0 where not priced."""

    gas_used: int
    gas_cost: int
    l1_fee: int
    operator_fee: int = 0
    upfront: int = 0


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
        self.slots: Slots = {}  # where each token keeps this account's balance and allowance
        self.estimate_time = True  # the node takes block overrides in eth_estimateGas (see _estimates)

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
        held: int | None = None,
    ) -> SwapCost:
        """The cost of what the live path would send at ``block`` for this quote: the swap, and before a
        sell the approval of exactly its amount when the allowance falls short (as the live path does).
        ``held``: a sold position's size on the books, the balance the sale runs from (default: the
        amount sold); a slice leaves tokens behind, which the chain charges differently from selling out."""
        pol = self.policy()
        at = hex(block)  # the quote's state, not the head's: the same answer now and in a replay
        head = await self.client.request("eth_getBlockByNumber", [at, False])  # its time and gas limit
        ts = int(head["timestamp"], 16) if isinstance(head, dict) else 0
        # the block they would land in comes after ``block``: later in time, as a pool's price accumulator
        # sees it (a V2 pair writes its cumulative prices only when time has passed); estimated and run there
        landing = ts + 1 if ts else None
        swap = swap_request(
            self.addrs,
            m,
            side,
            amount_in,
            min_out(net_out, pol.max_slippage_bps),
            self.address,
            ts + self.deadline_s,  # the block's time, not the wall clock: a replay builds the same bytes
        )
        txs = [(swap, gas_units)]
        if side == "sell":
            router = router_of(self.addrs, m)
            if await allowance(self.client, m.token, self.address, router, at) < amount_in:
                approve = TxRequest(m.token, approve_calldata(router, amount_in), purpose="approve")
                txs.insert(0, (approve, APPROVE_GAS))
        s = await self.gas.suggest(pol.gas_urgency, head=block, contested=contested)
        fees = Fees(s.max_fee_per_gas, s.max_priority_fee_per_gas)
        funded: dict[str, Any] = {self.address: {"balance": hex(FUNDED_WEI)}}
        running: dict[str, Any] = funded  # the state the transactions run on
        estimated: list[list[Any]] = [[]] * len(txs)  # extra eth_estimateGas params: state overrides
        holding = max(amount_in, held or 0)
        if side == "sell" and await token_balance(self.client, m.token, self.address, block) < amount_in:
            # paper holds the position in its books only: the chain runs the sale as if the account held it
            approved = len(txs) > 1
            spender = router_of(self.addrs, m) if approved else None
            tokens = await holding_override(self.client, m.token, self.address, holding, known=self.slots)
            after = await holding_override(
                self.client, m.token, self.address, holding, spender, amount_in, known=self.slots
            )
            if tokens is not None and after is not None:
                running = funded | {m.token: tokens}
                estimated = [[running]] * len(txs)
                estimated[-1] = [funded | {m.token: after}]  # the swap, estimated after its approval
        *estimates, nonce = await self._estimates(txs, estimated, at, landing)
        first = 0 if isinstance(nonce, RpcError) else int(nonce, 16)
        signed = []
        for i, ((req, units), estimate) in enumerate(zip(txs, estimates, strict=True)):
            # a swap the chain cannot estimate (tokens it cannot hand the account): the quote's units
            runs = not isinstance(estimate, RpcError)
            limit = padded_gas_limit(int(estimate, 16) if runs else units, block_gas_limit(head))
            signed.append(eip1559_tx(req, fees, chain_id=self.client.chain_id, nonce=first + i, gas=limit))
        ran = await self._gas_used(signed, running, at, landing)
        used = [g if g is not None else units for g, (_, units) in zip(ran, txs, strict=True)]
        l1 = operator = 0
        for tx, gas_used in zip(signed, used, strict=True):
            if self.gas.charges_l1_fee:  # the fee of its signed bytes; signing costs ~1 ms, so only here
                raw = bytes(self.account.sign_transaction(tx).raw_transaction)
                l1 += await self.gas.l1_fee_signed(raw, block=at)
            operator += await self.gas.operator_fee(gas_used, block=at)
        fees_paid = l1 + operator
        most = sum(int(tx["gas"]) for tx in signed) * fees.max_fee_per_gas + fees_paid
        return SwapCost(sum(used), sum(used) * s.expected_fee_per_gas + fees_paid, l1, operator, most)

    async def _estimates(
        self, txs: list[tuple[TxRequest, int]], overrides: list[list[Any]], at: str, time: int | None
    ) -> list[Any]:
        """``eth_estimateGas`` of each transaction on top of block ``at`` at ``time`` (the landing block's,
        as the live path's estimate on the pending block sees it), then the account's nonce, in one batch.
        A node that takes no block overrides in an estimate (one that answers "invalid params") is asked
        without them from then on."""
        block: list[Any] = [{"time": hex(time)}] if time is not None and self.estimate_time else []

        def state(over: list[Any], block: list[Any]) -> list[Any]:
            return over or ([{}] if block else [])  # block overrides come after state overrides

        def calls(block: list[Any]) -> list[tuple[str, list[Any]]]:
            return [
                *(
                    ("eth_estimateGas", [req.call_params(self.address), at, *state(over, block), *block])
                    for (req, _), over in zip(txs, overrides, strict=True)
                ),
                ("eth_getTransactionCount", [self.address, at]),
            ]

        answers = await self.client.batch(calls(block))
        refused = [a for a in answers[: len(txs)] if isinstance(a, RpcError) and a.code == INVALID_PARAMS]
        if block and refused:
            self.estimate_time = False
            answers = await self.client.batch(calls([]))
        return answers

    async def _gas_used(
        self, txs: list[dict[str, Any]], overrides: dict[str, Any], at: str, time: int | None = None
    ) -> list[int | None]:
        """The gas the chain reports each transaction using, run in order in a block on top of block
        ``at``, at ``time``; None for one that failed, and for all when the node cannot say (no
        ``eth_simulateV1``)."""
        calls = []
        for tx in txs:
            call = {
                k: hex(v) if isinstance(v, int) else v for k, v in tx.items() if k not in ("type", "chainId")
            }
            call["from"] = self.address
            call["data"] = "0x" + bytes(tx["data"]).hex()
            calls.append(call)
        try:
            # ETH enough for the fees and the value, as a live wallet would hold (no effect on gas used),
            # and a paper sale's tokens
            block: dict[str, Any] = {"calls": calls, "stateOverrides": overrides}
            if time is not None:
                block["blockOverrides"] = {"time": hex(time)}
            out = await self.client.request("eth_simulateV1", [{"blockStateCalls": [block]}, at])
            results = out[0]["calls"]
            return [
                int(str(r["gasUsed"]), 16) if int(str(r.get("status", "0x1")), 16) == 1 else None
                for r in results
            ]
        except (RpcError, LookupError, TypeError, ValueError):
            return [None] * len(txs)
