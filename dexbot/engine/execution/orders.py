"""The swap transaction the live path sends, built in one place: the live executor signs and sends it,
and a paper fill on an OP-stack chain builds the very same one to price its L1 data fee, which depends
on every byte (amounts, deadline, fees, gas limit, nonce, signature)."""

from __future__ import annotations

import time

from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.chain.txtypes import TxRequest
from dexbot.engine.execution.live.calls import buy_call, sell_call
from dexbot.engine.execution.types import Market

DEADLINE_S = 300


def min_out(net_quote: int, max_slippage_bps: int) -> int:
    """``amountOutMin``: the exact net quote less the slippage tolerance (rounded down)."""
    return net_quote * (10_000 - max_slippage_bps) // 10_000


async def chain_deadline(
    client: RpcClient, block: int, deadline_s: int = DEADLINE_S, *, wall_clock: bool = True
) -> int:
    """Chain time of ``block`` (or now, if the chain has idled and ``wall_clock``) plus ``deadline_s``.
    Without ``wall_clock`` the block alone decides it: a priced transaction's deadline is calldata, whose
    zero bytes cost less gas, so a replay of the block must build the same one."""
    head = await client.request("eth_getBlockByNumber", [hex(block), False])
    ts = int(head["timestamp"], 16) if isinstance(head, dict) else 0
    return max(ts, int(time.time()) if wall_clock else 0) + deadline_s


def swap_request(
    addrs: DexAddresses,
    m: Market,
    side: str,
    amount_in: int,
    least_out: int,
    wallet: str,
    deadline: int,
    *,
    quoted_out: int = 0,
) -> TxRequest:
    """The router call of a buy (ETH in) or a sell (tokens in, ETH out) for ``wallet``; ``quoted_out``
    (the net quote it is signed on) goes into the ledger with it."""
    make = buy_call if side == "buy" else sell_call
    call = make(addrs, m, amount_in, least_out, wallet, deadline)
    return TxRequest(call.to, call.data, call.value, purpose=side, quoted_out=quoted_out)
