"""A transaction the node leaves unmined: where it is (its pool, its nonce, its fees), and sending it
again. anvil can leave a transaction *queued* although its nonce is the account's next: it was checked
while the block of the sender's previous transaction was being mined, and nothing wakes it afterwards
(seen on launches sent as one JSON-RPC batch, under automine and interval mining alike)."""

from __future__ import annotations

import logging

from .jsonrpc import DevRpc, RpcCallError

log = logging.getLogger(__name__)


async def send_again(rpc: DevRpc, hashes: list[str], txs: list[dict[str, str]], stuck: str) -> None:
    """Send ``stuck``'s transaction again, in place in ``hashes``. One the node no longer knows (dropped
    unmined) goes with fees filled anew. One it still holds is replaced: the same nonce at fees a quarter
    higher (and above twice the head's base fee), which the node checks afresh against its chain; sent
    unchanged it would be the same transaction ("already imported"), and a queued one cannot be dropped.
    The replacement keeps the held transaction's nonce, also for one first sent without a nonce."""
    where = await where_is(rpc, stuck)
    at = hashes.index(stuck)
    held = await rpc.call("eth_getTransactionByHash", stuck)
    tx = dict(txs[at])
    if held is None:
        await rpc.call("anvil_dropTransaction", stuck)  # not in the pool: a no-op, kept for a node that lags
    else:
        head = await rpc.call("eth_getBlockByNumber", "latest", False)
        base = int(head.get("baseFeePerGas") or "0x0", 16)
        tip = int(held.get("maxPriorityFeePerGas") or held.get("gasPrice") or "0x0", 16) * 5 // 4 + 1
        old_max = int(held.get("maxFeePerGas") or held.get("gasPrice") or "0x0", 16)
        tx |= {
            "nonce": held["nonce"],
            "maxPriorityFeePerGas": hex(tip),
            "maxFeePerGas": hex(max(old_max * 5 // 4 + 1, 2 * base + tip)),
        }
    try:
        hashes[at] = str(await rpc.call("eth_sendTransaction", tx))
    except RpcCallError as err:  # mined just before: its nonce is taken, its receipt will come
        log.warning("devnet transaction %s was not mined (%s), cannot go again: %s", stuck, where, err)
        return
    log.warning("devnet transaction %s was not mined (%s): sent again as %s", stuck, where, hashes[at])


async def where_is(rpc: DevRpc, tx_hash: str) -> str:
    """Where a transaction that was never mined is: what the node says of it, its pool and its chain."""
    tx = await rpc.call("eth_getTransactionByHash", tx_hash)
    if tx is None:
        return "the node does not know it"
    nonce = int(tx["nonce"], 16)
    mined = int(await rpc.call("eth_getTransactionCount", tx["from"], "latest"), 16)
    pool = await rpc.call("txpool_content")
    held = [  # "pending": ready to be mined; "queued": waiting for an earlier nonce
        part
        for part, by_sender in (pool or {}).items()
        for by_nonce in (by_sender or {}).values()
        for t in (by_nonce or {}).values()
        if isinstance(t, dict) and str(t.get("hash", "")).lower() == tx_hash.lower()
    ]
    place = {"pending": "ready in the pool", "queued": "queued in the pool"}
    head = await rpc.call("eth_getBlockByNumber", "latest", False)
    balance = int(await rpc.call("eth_getBalance", tx["from"], "latest"), 16)
    facts = [
        f"nonce {nonce} (mined: {mined})",
        place.get(held[0], f"in the pool ({held[0]})") if held else "not in the pool",
        f"its block {tx.get('blockNumber')}",
        f"max fee {int(tx.get('maxFeePerGas') or tx.get('gasPrice') or '0x0', 16)}",
        f"base fee {int(head.get('baseFeePerGas') or '0x0', 16)}",
        f"gas {int(tx['gas'], 16)} of {int(head['gasLimit'], 16)}",
        f"value {int(tx['value'], 16)}, balance {balance}",
    ]
    if nonce > mined:
        facts.insert(0, f"waits for nonce {mined}")
    elif nonce < mined:
        facts.insert(0, "its nonce was taken by another transaction")
    return "; ".join(facts)
