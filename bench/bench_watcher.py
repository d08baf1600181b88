"""Pool states per second through the watcher's Multicall3 refresh, against a naive web3 loop of
``contract.functions.getReserves().call()`` measured in the same run, on a fresh devnet with over a
thousand V2 pools (every pair of ``TOKENS`` plain tokens, each with its own liquidity).

The setup is batched too: the token deployments, the ``createPair`` calls and the liquidity (two
transfers and a ``mint`` per pair) each go out as JSON-RPC batches of ``eth_sendTransaction`` and are
mined in one block, so building 1,000+ pools takes seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_abi import encode
from web3 import Web3

from dexbot.chain.abi import address_word, eth_calls, selector, uint_word, word_address
from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, start_devnet
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.states import V2State
from dexbot.chain.dex.uniswap_v2.pair import get_pair_calldata
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.watcher import PoolWatcher
from dexbot.core.config import DevnetConfig

TOKENS = 47  # 47 * 46 / 2 = 1,081 pairs
ROUNDS = 25
NAIVE_POOLS = 200
CHUNK_SIZES = (250, 500, 1000)
GOAL_RATE = 50_000
GOAL_RATIO = 100.0
SEND_BATCH = 500
TRANSFER = selector("transfer(address,uint256)")
CREATE_PAIR = selector("createPair(address,address)")
MINT = selector("mint(address)")


async def _send_all(
    client: RpcClient, sender: str, txs: Sequence[tuple[str | None, bytes, int]]
) -> list[Any]:
    """Send ``(to, data, gas)`` transactions with explicit nonces, a block of ``SEND_BATCH`` at a time
    (anvil rebuilds a block's receipts per lookup, so huge blocks make receipts slow); check receipts."""
    nonce = int(await client.request("eth_getTransactionCount", [sender, "pending"]), 16)
    receipts: list[Any] = []
    for start in range(0, len(txs), SEND_BATCH):
        calls = []
        for i, (to, data, gas) in enumerate(txs[start : start + SEND_BATCH], start=nonce + start):
            tx = {"from": sender, "data": "0x" + data.hex(), "gas": hex(gas), "nonce": hex(i)}
            if to is not None:
                tx["to"] = to
            calls.append(("eth_sendTransaction", [tx]))
        hashes = await client.batch(calls)
        bad = next((a for a in hashes if isinstance(a, RpcError)), None)
        if bad is not None:
            raise RuntimeError(f"bench setup transaction refused: {bad}")
        await client.request("evm_mine", [])
        receipts += await client.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    failed = [r for r in receipts if not isinstance(r, dict) or int(r["status"], 16) != 1]
    if failed:
        raise RuntimeError(f"{len(failed)} bench setup transactions failed, first: {failed[0]}")
    return receipts


async def _make_pools(client: RpcClient, dn: Devnet) -> list[str]:
    dep = dn.deployment
    me = dep.deployer
    await client.batch([("evm_setAutomine", [False]), ("evm_setBlockGasLimit", [hex(30_000_000_000)])])
    try:
        code = load_own("PlainToken").bytecode
        ctor = ["string", "string", "uint8", "uint256"]
        deploys = [
            (None, code + encode(ctor, [f"Bench {i}", f"B{i}", 18, 10**30]), 3_000_000) for i in range(TOKENS)
        ]
        receipts = await _send_all(client, me, deploys)
        tokens = [str(Web3.to_checksum_address(r["contractAddress"])) for r in receipts]
        combos = list(itertools.combinations(tokens, 2))
        creates = [
            (dep.v2_factory, CREATE_PAIR + address_word(a) + address_word(b), 3_000_000) for a, b in combos
        ]
        await _send_all(client, me, creates)
        block = await client.block_number()
        found = await eth_calls(client, [(dep.v2_factory, get_pair_calldata(a, b)) for a, b in combos], block)
        pairs = [word_address(r, 0) for r in found if not isinstance(r, RpcError)]
        liquidity: list[tuple[str | None, bytes, int]] = []
        for i, ((a, b), pair) in enumerate(zip(combos, pairs, strict=True)):
            amount_a, amount_b = (10 + i % 97) * 10**18, (1_000 + 7 * i) * 10**18
            liquidity += [
                (a, TRANSFER + address_word(pair) + uint_word(amount_a), 100_000),
                (b, TRANSFER + address_word(pair) + uint_word(amount_b), 100_000),
                (pair, MINT + address_word(me), 300_000),
            ]
        await _send_all(client, me, liquidity)
    finally:
        await client.batch([("evm_setAutomine", [True]), ("evm_setBlockGasLimit", [hex(30_000_000)])])
    return pairs


async def _measure(dn: Devnet) -> dict[str, Any]:
    client = await RpcClient.connect([dn.rpc_url], chain_id=dn.chain_id, timeout_s=120)
    try:
        pairs = await _make_pools(client, dn)
        block = await client.block_number()
        rates: dict[int, float] = {}
        states: dict[str, Any] = {}
        for chunk in CHUNK_SIZES:
            watcher = PoolWatcher(client, DexAddresses.from_deployment(dn.deployment), chunk_size=chunk)
            watcher.watch_v2(pairs)
            await watcher.refresh(block)  # first read encodes the calldata once; later reads reuse it
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                states = await watcher.refresh(block)
                times.append(time.perf_counter() - started)
            rates[chunk] = len(pairs) / statistics.median(times)
        naive_rate, naive = _naive(dn.rpc_url, pairs[:NAIVE_POOLS])
        mismatched = [p for p, (r0, r1) in naive.items() if states[p] != V2State(p, r0, r1, block)]
        if mismatched or len(states) != len(pairs):
            raise RuntimeError(f"multicall states differ from web3 reads for {len(mismatched)} pools")
        return {"pools": len(pairs), "rates": rates, "naive": naive_rate}
    finally:
        await client.close()


def _naive(rpc_url: str, pairs: list[str]) -> tuple[float, dict[str, tuple[int, int]]]:
    """The loop the watcher replaces: one web3 contract call per pool (contracts built beforehand)."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    abi = load_uniswap("UniswapV2Pair").abi
    contracts = [w3.eth.contract(address=Web3.to_checksum_address(p), abi=abi) for p in pairs]
    out: dict[str, tuple[int, int]] = {}
    started = time.perf_counter()
    for pair, contract in zip(pairs, contracts, strict=True):
        r0, r1, _ = contract.functions.getReserves().call()
        out[pair] = (r0, r1)
    return len(pairs) / (time.perf_counter() - started), out


async def _main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with start_devnet(DevnetConfig(block_time_s=0, tokens=0), Path(tmp)) as dn:
            return await _measure(dn)


def run() -> list[dict[str, Any]]:
    measured = asyncio.run(_main())
    rates: dict[int, float] = measured["rates"]
    best_chunk = max(rates, key=lambda c: rates[c])
    rate, naive = rates[best_chunk], measured["naive"]
    ratio = rate / naive
    return [
        {
            "name": f"watcher_pool_states_{measured['pools']}_v2_pools",
            "value": round(rate),
            "unit": "pools/s",
            "baseline": round(naive, 1),
            "ratio": round(ratio, 1),
            "goal": f">= {GOAL_RATE:,} pools/s and >= {GOAL_RATIO:g}x the naive web3 loop",
            "met": rate >= GOAL_RATE and ratio >= GOAL_RATIO,
            "chunk_size": best_chunk,
            "by_chunk_size": {str(c): round(r) for c, r in rates.items()},
            "naive_pools": NAIVE_POOLS,
        }
    ]
