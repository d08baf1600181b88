"""Where a token keeps a holder's balance and allowance, so a simulation can hand that holder tokens it does
not hold.

A paper position exists only in our books; to learn what selling it costs, the sale must run on the
chain, from the account that would send it, as if that account held the tokens (and, for the estimate
of a swap whose approval is not mined yet, had approved them). A token's storage layout is unknown, so
the slot is found the way the chain shows it: of the storage keys the view call reads
(``eth_createAccessList``), the one that, overridden, changes its answer to the amount. A token whose
balance is not one plain slot (rebasing, reflection, a proxy reading elsewhere) gives None, and the
caller keeps its estimate. Finding a slot takes an access list and two calls per key read, one after the
other, so a caller that prices often passes ``known``: the slots found before, by token and view call
(where a token keeps a holder's balance is a fact of its code; a token whose new implementation moved it
gets the caller's fallback, its simulation failing).
"""

from __future__ import annotations

from typing import Any

from dexbot.chain.abi import address_word
from dexbot.chain.approvals import ALLOWANCE
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.tokens import BALANCE_OF

Slots = dict[tuple[str, str], str]  # (token, view call data) -> the storage key it answers from


async def holding_override(
    client: RpcClient,
    token: str,
    holder: str,
    amount: int,
    spender: str | None = None,
    allowed: int | None = None,
    *,
    known: Slots | None = None,
) -> dict[str, Any] | None:
    """A state override for ``token`` (``{"stateDiff": {slot: value}}``) under which ``balanceOf(holder)``
    answers ``amount``, and with ``spender`` also ``allowance(holder, spender)`` answers ``allowed``
    (default ``amount``); None when either is not one plain storage slot. ``known``: slots found before,
    read and filled in."""
    calls = [(BALANCE_OF + address_word(holder), amount)]
    if spender is not None:
        allowance = amount if allowed is None else allowed
        calls.append((ALLOWANCE + address_word(holder) + address_word(spender), allowance))
    diff: dict[str, str] = {}
    for data, value in calls:
        key = (token.lower(), "0x" + data.hex())
        slot: str | None = None
        if known is not None and key in known:
            slot = known[key]
        else:
            slot = await _uint_slot(client, token, key[1], value)
            if known is not None and slot is not None:  # not found may be a failed read: asked again
                known[key] = slot
        if slot is None:
            return None
        diff[slot] = "0x" + value.to_bytes(32, "big").hex()
    return {"stateDiff": diff}


async def _uint_slot(client: RpcClient, token: str, data: str, amount: int) -> str | None:
    """The storage key of ``token`` the view call ``data`` returns as its uint: of the keys the call
    reads, the one that, overridden with ``amount``, makes the call answer ``amount``."""
    call = {"to": token, "data": data}
    try:
        listed = await client.request("eth_createAccessList", [call, "latest"])
        keys = [
            str(k)
            for entry in listed.get("accessList") or ()
            if str(entry.get("address", "")).lower() == token.lower()
            for k in entry.get("storageKeys") or ()
        ]
    except (RpcError, AttributeError, TypeError):
        return None
    for key in keys:
        # two values, so a key the call does not answer from cannot pass for the slot (amount may be the
        # balance already)
        if all([await _answers(client, call, token, key, v) for v in (amount, amount ^ 1)]):
            return key
    return None


async def _answers(client: RpcClient, call: dict[str, str], token: str, key: str, value: int) -> bool:
    over = {token: {"stateDiff": {key: "0x" + value.to_bytes(32, "big").hex()}}}
    try:
        out = await client.request("eth_call", [call, "latest", over])
    except RpcError:
        return False
    return isinstance(out, str) and len(out) >= 66 and int(out[2:66], 16) == value
