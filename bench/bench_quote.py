"""Quote latency (p50) on the devnet: an exact V2 quote (pair lookup, then reserves, then the library
math), a V3 quote (pool lookup, then slot0 + QuoterV2) and a full route search (every V2/V3 route,
direct and via WETH, at one block), each against the web3 contract call that answers a weaker question
(Router02.getAmountsOut, QuoterV2.quoteExactInputSingle: no impact, no route choice) in the same run.
``ratio`` is our p50 over the web3 call's p50: below 1 means faster."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from web3 import Web3

from dexbot.chain.contracts import load_uniswap
from dexbot.chain.devnet import Devnet, start_devnet
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.route import best_quote
from dexbot.chain.dex.uniswap_v2.quote import quote_v2
from dexbot.chain.dex.uniswap_v3.quote import quote_v3
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import DevnetConfig

ROUNDS = 200
AMOUNT = 10**18
GOAL_P50_MS = 5.0


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _timed(fn: Callable[[], Awaitable[Any]]) -> list[float]:
    await fn()  # warm: connection, caches
    out = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - started)
    return out


def _timed_sync(fn: Callable[[], Any]) -> list[float]:
    fn()
    out = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


async def _measure(dn: Devnet) -> dict[str, tuple[float, float]]:
    dep = dn.deployment
    addrs = DexAddresses.from_deployment(dep)
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair and t.v3_pool)
    fee = token.v3_fee or 3000
    path = [dep.weth, token.address]
    w3 = Web3(Web3.HTTPProvider(dn.rpc_url, request_kwargs={"timeout": 30}))
    router = w3.eth.contract(
        address=Web3.to_checksum_address(dep.v2_router), abi=load_uniswap("UniswapV2Router02").abi
    )
    quoter = w3.eth.contract(
        address=Web3.to_checksum_address(dep.v3_quoter), abi=load_uniswap("QuoterV2").abi
    )
    client = await RpcClient.connect([dn.rpc_url], chain_id=dn.chain_id)
    try:
        block = await client.block_number()
        ours = {
            "v2": await _timed(lambda: quote_v2(client, addrs, path, AMOUNT, block)),
            "v3": await _timed(lambda: quote_v3(client, addrs, path, [fee], AMOUNT, block)),
            "route": await _timed(lambda: best_quote(client, addrs, dep.weth, dep.usdc, AMOUNT, block=block)),
        }
    finally:
        await client.close()
    web3_v2 = _timed_sync(lambda: router.functions.getAmountsOut(AMOUNT, path).call())
    web3_v3 = _timed_sync(lambda: quoter.functions.quoteExactInputSingle((*path, AMOUNT, fee, 0)).call())
    base = {"v2": web3_v2, "v3": web3_v3, "route": web3_v2}
    return {k: (_p50_ms(ours[k]), _p50_ms(base[k])) for k in ours}


async def _main() -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with start_devnet(DevnetConfig(block_time_s=0), Path(tmp)) as dn:
            return await _measure(dn)


def run() -> list[dict[str, Any]]:
    measured = asyncio.run(_main())
    what = {
        "v2": ("quote_v2_p50", "exact V2 quote vs web3 Router02.getAmountsOut"),
        "route": ("quote_best_route_p50", "all V2/V3 routes at one block vs one web3 getAmountsOut"),
        "v3": ("quote_v3_p50", "V3 quote + impact vs web3 QuoterV2.quoteExactInputSingle"),
    }
    out = []
    for key, (name, goal) in what.items():
        ours, base = measured[key]
        out.append(
            {
                "name": name,
                "value": round(ours, 3),
                "unit": "ms",
                "baseline": round(base, 3),
                "ratio": round(ours / base, 3),
                "goal": f"<= {GOAL_P50_MS:g} ms ({goal})",
                "met": ours <= GOAL_P50_MS,
            }
        )
    return out
