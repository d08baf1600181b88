"""Executing one planned swap: read depth (and the trader's balance), size it, send it, await it.

The plan gave a size as a fraction of depth; here it becomes an amount against the pool as it is right
now. A sale is capped at what the trader holds; with nothing to sell the swap is skipped, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.jsonrpc import DevRpc

from .actions import PPM, Swap, Venue
from .pools import MarketPool, balance_call, decode_depth, decode_uint, depth_call
from .receipts import ReceiptWatcher, block_of, succeeded, wait_mined
from .stats import MarketStats, SwapDone
from .traders import Trader, approve_tx, send_in_order, spender, swap_tx


@dataclass(frozen=True)
class SwapDesk:
    rpc: DevRpc
    watcher: ReceiptWatcher
    dep: Deployment
    stats: MarketStats
    receipt_timeout_s: float


def route(pool: MarketPool, swap: Swap) -> Venue:
    """The venue actually used: V3 pools cannot take fee-on-transfer tokens in (the pool's balance check
    fails), so taxed sales go through V2 the way a real trader's router would send them."""
    if swap.venue == "v3" and pool.taxed and swap.side == "sell" and pool.v2_pair is not None:
        return "v2"
    if pool.address(swap.venue) is None:
        return "v2" if swap.venue == "v3" else "v3"
    return swap.venue


async def execute_swap(desk: SwapDesk, trader: Trader, pool: MarketPool, swap: Swap) -> SwapDone | None:
    """Send ``swap``; returns what the chain made of it, or None if there was nothing to send."""
    venue = route(pool, swap)
    token_in, symbol_in, decimals_in = pool.token_in(swap.side)
    pays_eth = token_in.lower() == desk.dep.weth.lower()
    async with trader.lock:
        calls = [depth_call(pool, venue, token_in)]
        if not pays_eth:
            calls.append(balance_call(token_in, trader.address))
        results = await desk.rpc.batch(calls)
        amount = decode_depth(pool, venue, token_in, results[0]) * swap.size_ppm // PPM
        if not pays_eth:
            available = decode_uint(results[1]) - trader.committed.get(token_in, 0)
            amount = min(amount, available)
        if amount <= 0:
            desk.stats.swaps_skipped += 1
            return None
        txs = []
        allowance = (token_in, spender(desk.dep, venue))
        if not pays_eth and allowance not in trader.approved:
            txs.append(approve_tx(trader.address, token_in, allowance[1]))
        txs.append(swap_tx(desk.dep, pool, venue, swap.side, amount, trader.address))
        hashes = await send_in_order(desk.rpc, txs)
        trader.approved.add(allowance)
        desk.stats.note_sent()
        if not pays_eth:
            trader.commit(token_in, amount)
    try:
        # the approval too: one left unmined would hold the swap behind it (and it can be sent again)
        receipt = (await wait_mined(desk.watcher, hashes, txs, desk.receipt_timeout_s))[-1]
    finally:
        if not pays_eth:
            trader.release(token_in, amount)
    return SwapDone(
        trader=trader.address,
        pool=pool.key,
        venue=venue,
        side=swap.side,
        token_in=token_in,
        symbol_in=symbol_in,
        decimals_in=decimals_in,
        amount_in=amount,
        token_out=pool.token_out(swap.side),
        ok=succeeded(receipt),
        tx_hash=str(receipt["transactionHash"]),  # the one mined, if the first was sent again
        block=block_of(receipt),
    )
