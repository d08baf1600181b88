"""Competing swaps waiting in the node's mempool: a sign that a place in the next block is raced for.

The fast lane pays more only when a race is known. A pair's first blocks are one sign; another is other
wallets' swaps of the same token already pending at the routers we trade through, which the node lists
in ``txpool_content`` (anvil, geth and reth serve it; most public endpoints do not, and then nothing is
known). A swap names the token in its calldata (a V2 path, a V3 ``tokenIn``/``tokenOut``) as an ABI word,
so a pending transaction to one of our routers whose input holds that word counts. Swaps through other
routers or aggregators, and private order flow, stay unseen: a count of 0 is not proof of no race.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dexbot.chain.abi import address_word
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError


async def competing_swaps(
    client: RpcClient, token: str, routers: Collection[str], *, exclude: str = ""
) -> int | None:
    """How many pending transactions from other senders swap ``token`` through one of ``routers``;
    None when the node does not show its mempool."""
    try:
        content = await client.request("txpool_content", [])
    except RpcError:
        return None
    if not isinstance(content, Mapping):
        return None
    word = address_word(token).hex()
    targets = {r.lower() for r in routers}
    count = 0
    for by_nonce in (content.get("pending") or {}).values():
        for tx in _txs(by_nonce):
            sender = str(tx.get("from") or "").lower()
            if sender == exclude.lower() or str(tx.get("to") or "").lower() not in targets:
                continue
            if word in str(tx.get("input") or tx.get("data") or "").lower():
                count += 1
    return count


def _txs(by_nonce: Any) -> list[Mapping[str, Any]]:
    if not isinstance(by_nonce, Mapping):
        return []
    return [tx for tx in by_nonce.values() if isinstance(tx, Mapping)]
