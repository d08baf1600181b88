"""ERC20 approvals: exact by default, read in bulk, revoked by approving zero.

An unlimited approval lets a compromised or malicious spender drain the whole balance at any time
later, so dexbot approves the amount a trade needs and only when the current allowance falls short;
unlimited is an explicit opt-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexbot.chain.abi import address_word, selector, uint_word
from dexbot.chain.multicall import MULTICALL3, aggregate3, encode_call3
from dexbot.chain.receipts import TxClient
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxOutcome, TxRequest
from dexbot.core.errors import ChainError, InputError

MAX_UINT256 = (1 << 256) - 1
APPROVE = selector("approve(address,uint256)")
ALLOWANCE = selector("allowance(address,address)")


def approve_calldata(spender: str, amount: int) -> bytes:
    if not 0 <= amount <= MAX_UINT256:
        raise InputError(f"approval amount {amount} is outside 0..2**256-1")
    return APPROVE + address_word(spender) + uint_word(amount)


def allowance_calldata(owner: str, spender: str) -> bytes:
    return ALLOWANCE + address_word(owner) + address_word(spender)


async def allowance(client: TxClient, token: str, owner: str, spender: str, block: str = "latest") -> int:
    data = "0x" + allowance_calldata(owner, spender).hex()
    try:
        out = await client.request("eth_call", [{"to": token, "data": data}, block])
    except RpcError as err:
        raise ChainError(f"allowance({owner}, {spender}) on token {token} failed: {err.message}") from None
    raw = bytes.fromhex(str(out)[2:])
    if len(raw) < 32:
        raise ChainError(f"token {token} answered allowance() with {len(raw)} bytes: is it an ERC20?")
    return int.from_bytes(raw[:32], "big")


async def approve_exact(
    sender: Sender, token: str, spender: str, amount: int, fees: Fees, *, unlimited: bool = False
) -> TxOutcome | None:
    """Make sure ``spender`` may take ``amount`` of ``token`` from the sender; None when the current
    allowance already covers it (nothing sent). Approves exactly ``amount`` unless ``unlimited``."""
    current = await allowance(sender.client, token, sender.address, spender, "pending")
    if current >= amount:
        return None
    value = MAX_UINT256 if unlimited else amount
    req = TxRequest(token, approve_calldata(spender, value), purpose="approve")
    return await sender.send(req, fees)


async def revoke(sender: Sender, token: str, spender: str, fees: Fees) -> TxOutcome:
    """Set ``spender``'s allowance on ``token`` to zero."""
    return await sender.send(TxRequest(token, approve_calldata(spender, 0), purpose="revoke"), fees)


@dataclass(frozen=True)
class Allowance:
    token: str
    spender: str
    amount: int

    @property
    def unlimited(self) -> bool:
        return self.amount >= MAX_UINT256 // 2  # "infinite" approvals count down from 2**256-1


async def allowances(
    client: RpcClient,
    owner: str,
    tokens: Sequence[str],
    spenders: Sequence[str],
    *,
    block: int | None = None,
    multicall: str = MULTICALL3,
) -> list[Allowance]:
    """Every (token, spender) allowance of ``owner`` in one Multicall3 round trip; zero ones omitted.
    A token whose ``allowance`` call fails (not an ERC20) is left out too."""
    pairs = [(t, s) for t in tokens for s in spenders]
    if not pairs:
        return []
    at = block if block is not None else await client.block_number()
    elements = [encode_call3(t, allowance_calldata(owner, s)) for t, s in pairs]
    results = await aggregate3(client, elements, at, address=multicall)
    out = []
    for (token, spender), (ok, data) in zip(pairs, results, strict=True):
        if ok and len(data) >= 32 and (amount := int.from_bytes(data[:32], "big")):
            out.append(Allowance(token, spender, amount))
    return out
