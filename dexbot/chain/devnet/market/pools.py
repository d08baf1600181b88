"""The pools the market trades, as the executor knows them: addresses, sides, and how to read depth.

A pool is traded as *asset* against *quote*: a token against WETH, or WETH against the stablecoin. The
plan sizes swaps in millionths of the input side's depth; depth is the V2 reserve or, for a V3 pool
(full-range positions only), the pool's token balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dexbot.chain.devnet import calldata
from dexbot.chain.devnet.addresses import sort_tokens
from dexbot.chain.devnet.deployment import Deployment, DevToken
from dexbot.chain.devnet.jsonrpc import Call, DevRpc
from dexbot.chain.devnet.launch import TAXED_KINDS

from .actions import PoolRef, Side, Venue, pool_key

USDC_POOL_WEIGHT = 2


@dataclass(frozen=True)
class MarketPool:
    key: str
    asset: str
    asset_symbol: str
    asset_decimals: int
    quote: str
    quote_symbol: str
    quote_decimals: int
    v2_pair: str | None
    v3_pool: str | None
    v3_fee: int | None
    taxed: bool = False
    asset_is_weth: bool = False

    def ref(self) -> PoolRef:
        weight = USDC_POOL_WEIGHT if self.asset_is_weth else 1
        return PoolRef(
            self.key, self.v2_pair is not None, self.v3_pool is not None, self.asset_is_weth, weight
        )

    def token_in(self, side: Side) -> tuple[str, str, int]:
        """(address, symbol, decimals) of what a ``side`` swap spends."""
        if side == "buy":
            return self.quote, self.quote_symbol, self.quote_decimals
        return self.asset, self.asset_symbol, self.asset_decimals

    def token_out(self, side: Side) -> str:
        return self.asset if side == "buy" else self.quote

    def address(self, venue: Venue) -> str | None:
        return self.v2_pair if venue == "v2" else self.v3_pool


def usdc_pool(dep: Deployment) -> MarketPool:
    return MarketPool(
        key=pool_key("WETH", "USDC"),
        asset=dep.weth,
        asset_symbol="WETH",
        asset_decimals=18,
        quote=dep.usdc,
        quote_symbol="USDC",
        quote_decimals=6,
        v2_pair=dep.usdc_v2_pair,
        v3_pool=dep.usdc_v3_pool,
        v3_fee=3000,
        asset_is_weth=True,
    )


def token_pool(dep: Deployment, token: DevToken) -> MarketPool:
    return MarketPool(
        key=pool_key(token.symbol),
        asset=token.address,
        asset_symbol=token.symbol,
        asset_decimals=token.decimals,
        quote=dep.weth,
        quote_symbol="WETH",
        quote_decimals=18,
        v2_pair=token.v2_pair,
        v3_pool=token.v3_pool,
        v3_fee=token.v3_fee,
        taxed=token.kind in TAXED_KINDS,
    )


def deployment_pools(dep: Deployment) -> list[MarketPool]:
    """The pools tradable from the start: WETH/USDC first, then the seeded tokens in deployment order."""
    return [usdc_pool(dep), *(token_pool(dep, t) for t in dep.tokens)]


def eth_call(to: str, data: bytes) -> Call:
    return ("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])


async def read(rpc: DevRpc, call: Call) -> Any:
    method, params = call
    return await rpc.call(method, *params)


def balance_call(token: str, holder: str) -> Call:
    return eth_call(token, calldata.own("PlainToken").call("balanceOf", holder))


def depth_call(pool: MarketPool, venue: Venue, token: str) -> Call:
    """The read that gives ``token``'s depth in ``pool`` on ``venue``; decode with ``decode_depth``."""
    address = pool.address(venue)
    assert address is not None
    if venue == "v2":
        return eth_call(address, calldata.uniswap("UniswapV2Pair").call("getReserves"))
    return balance_call(token, address)


def decode_depth(pool: MarketPool, venue: Venue, token: str, raw: Any) -> int:
    if venue == "v3":
        return decode_uint(raw)
    data = bytes.fromhex(str(raw)[2:])
    r0, r1, _ = calldata.uniswap("UniswapV2Pair").decode("getReserves", 0, data)
    token0, _ = sort_tokens(pool.asset, pool.quote)
    return int(r0 if token0.lower() == token.lower() else r1)


def decode_uint(raw: Any) -> int:
    return int(str(raw), 16) if raw not in (None, "0x") else 0
