"""Token-check latency on the devnet: the round-trip simulation (the probe's buy, transfers, sell and
ladder as four simulated blocks of one eth_simulateV1), owner privileges from bytecode, and the FULL Smart
Lane check (`RiskAssessor.assess` as `dexbot token check` runs it: pools, age, round trip, powers proven
and their rugs simulated, traced transfer, holders, LP, flags), per token, against the cheapest useful
call to the same node (one router quote) measured in the same run. Besides the seeded tokens, one token of
each kind the owner-power proofs exercise is launched, so their extra calls are in the figure.

A check's log searches (the first pool's age, the creator, holders, LP holders) cost the node in
proportion to the blocks they cover, so the full check is measured twice: on the fresh devnet (a chain a
few dozen blocks long) and on fresh launches after LONG_CHAIN_BLOCKS more (a devnet nearly 3 hours old
at its 2 s blocks), the assessor set up as the product sets it up on the devnet."""

from __future__ import annotations

import asyncio
import functools
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from dexbot.chain.bytecode import owner_privileges
from dexbot.chain.devnet import Devnet, DevToken, TokenKind, TokenSpec, launch_tokens, start_devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.seed import seeded_specs
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.roundtrip import default_ladder, simulate_round_trip
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import DevnetConfig, RiskConfig
from dexbot.engine.api.intel import policy
from dexbot.engine.risk.assess import RiskAssessor

TOKENS = 12  # a third of them hostile: every hazard kind the seed draws
LONG_CHAIN_BLOCKS = 5_000
MINE_STEP = 1_000  # blocks per anvil_mine call
ROUNDS = 30
EXTRA_KINDS: tuple[TokenKind, ...] = ("max_tx_percent", "fee_setter", "bot_list", "upgradeable", "hook")
ETH = 10**18
GOAL_P50_MS = 10.0  # the goal for the whole token check
BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
GET_AMOUNTS_OUT = function_signature_to_4byte_selector("getAmountsOut(uint256,address[])")


async def _weth_reserve(client: RpcClient, devnet: Devnet, token: DevToken) -> int:
    data = BALANCE_OF + encode(["address"], [token.v2_pair])
    raw = await client.request(
        "eth_call", [{"to": devnet.deployment.weth, "data": "0x" + data.hex()}, "latest"]
    )
    return int(raw, 16)


async def _timed(fn: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    await fn()  # warm: connection, code caches
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _measure(devnet: Devnet) -> dict[str, list[float]]:
    dep = devnet.deployment
    client = await RpcClient.connect([devnet.rpc_url], chain_id=devnet.chain_id)
    block = await client.block_number()
    out: dict[str, list[float]] = {
        "quote": [],
        "roundtrip": [],
        "privileges": [],
        "check": [],
        "full": [],
        "full_long": [],
    }
    specs = [
        TokenSpec(f"Bench {k}", f"B{k.upper()[:5]}", 10**9 * ETH, 10**8 * ETH, 20 * ETH, kind=k, v3=False)
        for k in EXTRA_KINDS
    ]
    async with DevRpc(devnet.rpc_url) as rpc:
        # The devnet automines: forced blocks beside it (``mine=True``) left anvil mining empty blocks for
        # a moment after the launch, so the pinned block fell out of the devnet's 8 kept states.
        extra = await launch_tokens(rpc, dep, specs)
    block = await client.block_number()
    logs = DevnetConfig().tx_history_blocks  # the product's assessor on its devnet: logs kept this long
    addrs = DexAddresses.from_deployment(dep)
    assessor = RiskAssessor(client, addrs, RiskConfig(), block_time_s=2, log_blocks=logs)
    try:
        for token in (*dep.tokens, *extra):
            assert token.v2_pair is not None
            reserve = await _weth_reserve(client, devnet, token)
            sim = functools.partial(
                simulate_round_trip,
                client,
                router=dep.v2_router,
                weth=dep.weth,
                token=token.address,
                pair=token.v2_pair,
                buy_wei=reserve // 1000,
                ladder_wei=default_ladder(reserve),
                block=block,
            )
            privileges = functools.partial(owner_privileges, client, token.address, block)
            quote = GET_AMOUNTS_OUT + encode(
                ["uint256", "address[]"], [reserve // 1000, [dep.weth, token.address]]
            )
            one_quote = functools.partial(
                client.request, "eth_call", [{"to": dep.v2_router, "data": "0x" + quote.hex()}, hex(block)]
            )

            def check(sim: Any = sim, privileges: Any = privileges) -> Awaitable[Any]:
                return asyncio.gather(sim(), privileges())

            out["quote"] += await _timed(one_quote, ROUNDS)
            out["roundtrip"] += await _timed(sim, ROUNDS)
            out["privileges"] += await _timed(privileges, ROUNDS)
            out["check"] += await _timed(check, ROUNDS)
        out["full"] = await _full_checks(assessor, [*dep.tokens, *extra], block)
        fresh, block = await _long_chain_launches(devnet, specs)
        out["full_long"] = await _full_checks(assessor, fresh, block)
    finally:
        await client.close()
    return out


async def _full_checks(assessor: RiskAssessor, tokens: list[DevToken], block: int) -> list[float]:
    """The full check, round-robin over the tokens (one check of each per round, after one warm round):
    on a shared machine a burst of load then lands on every kind of token alike, not on whichever
    token's thirty checks it met."""
    smart = policy(5)

    async def full(token: DevToken) -> None:
        await assessor.assess(token.address, policy=smart, size_wei=ETH // 2, block=block, use_cache=False)

    for token in tokens:
        await full(token)
    samples = []
    for _ in range(ROUNDS):
        for token in tokens:
            started = time.perf_counter()
            await full(token)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _long_chain_launches(devnet: Devnet, extra: list[TokenSpec]) -> tuple[list[DevToken], int]:
    """LONG_CHAIN_BLOCKS more blocks, then a fresh launch of every kind measured on the short chain."""
    async with DevRpc(devnet.rpc_url) as rpc:
        for _ in range(LONG_CHAIN_BLOCKS // MINE_STEP):
            await rpc.call("anvil_mine", hex(MINE_STEP))
        specs = [*seeded_specs(DevnetConfig().seed + 1, TOKENS - 1), *extra]
        fresh = await launch_tokens(rpc, devnet.deployment, specs)
        return fresh, int(await rpc.call("eth_blockNumber"), 16)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[dict[str, Any]]:
    async def go() -> dict[str, list[float]]:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = DevnetConfig(block_time_s=0, tokens=TOKENS)
            async with start_devnet(cfg, Path(tmp)) as devnet:
                return await _measure(devnet)

    samples = asyncio.run(go())
    quote_p50 = statistics.median(samples["quote"])
    entries = []
    for key, label in (
        ("roundtrip", "token_check_roundtrip"),
        ("privileges", "token_check_privileges"),
        ("check", "token_check_chain"),
        ("full", "token_check_full"),
        ("full_long", "token_check_full_long_chain"),
    ):
        p50, p95, p99 = statistics.median(samples[key]), _p(samples[key], 0.95), _p(samples[key], 0.99)
        for name, value, goal in (
            (f"{label}_p50", p50, f"<= {GOAL_P50_MS:g} ms"),
            (f"{label}_p95", p95, None),
            (f"{label}_p99", p99, None),
        ):
            entries.append(
                {
                    "name": name,
                    "value": round(value, 3),
                    "unit": "ms",
                    "baseline": round(quote_p50, 3),
                    "ratio": round(value / quote_p50, 2),
                    "goal": goal,
                    "met": value <= GOAL_P50_MS if goal else None,
                }
            )
    return entries


if __name__ == "__main__":
    for entry in run():
        print(entry)
