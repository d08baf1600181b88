"""A token's age comes from its factories' creation logs: the exact block when the window holds it, a
lower bound when the whole window answered without it, and "unknown" when part of it could not be read.
Given the pools the factories name, only the newest blocks are searched when every pool was created
there, and the whole window when one was not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, calldata, launch_tokens
from dexbot.chain.devnet.anvil import free_port
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.creation import RECENT_BLOCKS, PoolAge, first_pool_block
from dexbot.chain.rpc import RpcClient

ETH = 10**18


async def _launch(chain: Devnet, **kw: Any) -> tuple[DevToken, int]:
    spec = TokenSpec("Age", "AGE", 10**6 * ETH, 400_000 * ETH, 20 * ETH, **kw)
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            (token,) = await launch_tokens(rpc, chain.deployment, [spec], mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)
        return token, int(await rpc.call("eth_blockNumber"), 16)


async def _mine(chain: Devnet, blocks: int) -> int:
    async with DevRpc(chain.rpc_url) as rpc:
        await rpc.call("anvil_mine", hex(blocks))
        return int(await rpc.call("eth_blockNumber"), 16)


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    c = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    yield c
    await c.close()


@pytest.mark.parametrize(("v2", "v3"), [(True, False), (False, True), (True, True)])
async def test_the_creation_block_of_a_v2_or_v3_launch_is_found(
    chain: Devnet, client: RpcClient, v2: bool, v3: bool
) -> None:
    token, launched = await _launch(chain, v2=v2, v3=v3)
    head = await _mine(chain, 30)
    addrs = DexAddresses.from_deployment(chain.deployment)

    age = await first_pool_block(client, addrs, token.address, head, chunk=7)

    assert age == PoolAge(launched)
    assert age.blocks(head) == 30


async def test_a_pool_older_than_the_window_is_a_lower_bound_and_no_pool_is_unknown(
    chain: Devnet, client: RpcClient
) -> None:
    token, _ = await _launch(chain, v3=False)
    head = await _mine(chain, 30)
    addrs = DexAddresses.from_deployment(chain.deployment)

    older = await first_pool_block(client, addrs, token.address, head, window=10, chunk=4)
    nothing = await first_pool_block(client, addrs, chain.accounts[3], head)  # searched from block 0

    assert older == PoolAge(None, older_than=head - 9)
    assert older.blocks(head) == 10
    assert (nothing, nothing.blocks(head)) == (PoolAge(None), None)


async def _named(*pools: str | None) -> list[str]:
    return [p for p in pools if p]


@asynccontextmanager
async def _proxy(
    chain: Devnet, answer: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> AsyncIterator[RpcClient]:
    """A client whose every call passes ``answer`` first (its answer replaces the node's when not None)."""

    async def forward(request: web.Request) -> web.Response:
        payload = await request.json()
        calls = payload if isinstance(payload, list) else [payload]
        answers = []
        async with aiohttp.ClientSession() as session:
            for call in calls:
                own = answer(call)
                if own is not None:
                    answers.append({"jsonrpc": "2.0", "id": call["id"], **own})
                    continue
                async with session.post(chain.rpc_url, json=call) as upstream:
                    answers.append(await upstream.json(content_type=None))
        return web.json_response(answers if isinstance(payload, list) else answers[0])

    app = web.Application()
    app.router.add_post("/", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        client = await RpcClient.connect([f"http://127.0.0.1:{port}/"], chain_id=chain.chain_id)
        try:
            yield client
        finally:
            await client.close()
    finally:
        await runner.cleanup()


def _log_ranges(ranges: list[tuple[int, int]]) -> Callable[[dict[str, Any]], None]:
    def note(call: dict[str, Any]) -> None:
        if call.get("method") == "eth_getLogs":
            (q,) = call["params"]
            ranges.append((int(q["fromBlock"], 16), int(q["toBlock"], 16)))

    return note


async def test_a_recent_launch_is_dated_from_the_newest_blocks_alone(chain: Devnet) -> None:
    await _mine(chain, RECENT_BLOCKS + 10)  # a chain longer than the newest blocks searched first
    token, launched = await _launch(chain, v3=True)
    head = await _mine(chain, 30)
    addrs = DexAddresses.from_deployment(chain.deployment)
    ranges: list[tuple[int, int]] = []

    async with _proxy(chain, _log_ranges(ranges)) as client:
        known: Awaitable[list[str]] = _named(token.v2_pair, token.v3_pool)
        age = await first_pool_block(client, addrs, token.address, head, window=head, known=known)

    assert age == PoolAge(launched)
    assert min(lo for lo, _ in ranges) == head - RECENT_BLOCKS + 1  # the window reaches block 0


async def test_a_pool_created_before_the_newest_blocks_is_searched_for_in_the_whole_window(
    chain: Devnet, client: RpcClient
) -> None:
    """A V3 pool first, a V2 pair RECENT_BLOCKS later: the age is the V3 pool's, found past the newest."""
    token, pooled = await _launch(chain, v2=False, v3=True)
    await _mine(chain, RECENT_BLOCKS + 20)
    dep = chain.deployment
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
        factory = calldata.uniswap("UniswapV2Factory")
        batch.send(
            "pair it", dep.v2_factory, factory.call("createPair", token.address, dep.weth), gas=5_000_000
        )
        (receipt,) = await batch.execute(rpc, mine=True)
    paired = int(receipt["blockNumber"], 16)
    head = await _mine(chain, 5)
    addrs = DexAddresses.from_deployment(chain.deployment)
    pair = await client.request(
        "eth_call",
        [
            {"to": dep.v2_factory, "data": "0x" + factory.call("getPair", token.address, dep.weth).hex()},
            hex(head),
        ],
    )

    age = await first_pool_block(
        client, addrs, token.address, head, known=_named("0x" + pair[-40:], token.v3_pool)
    )
    recent_only = await first_pool_block(client, addrs, token.address, head, known=_named("0x" + pair[-40:]))

    assert paired - pooled > RECENT_BLOCKS
    assert (age, recent_only) == (PoolAge(pooled), PoolAge(paired))


async def test_an_unreadable_log_range_makes_the_age_unknown(chain: Devnet) -> None:
    """An endpoint that refuses eth_getLogs ranges (as public ones do past their limit): no made-up age."""
    token, _ = await _launch(chain, v3=False)
    head = await _mine(chain, 30)

    def refuse(call: dict[str, Any]) -> dict[str, Any] | None:
        if call.get("method") != "eth_getLogs":
            return None
        return {"error": {"code": -32005, "message": "query exceeds max block range 3"}}

    async with _proxy(chain, refuse) as client:
        addrs = DexAddresses.from_deployment(chain.deployment)
        age = await first_pool_block(client, addrs, token.address, head, window=20, chunk=5)
        named = await first_pool_block(
            client, addrs, token.address, head, window=20, chunk=5, known=_named(token.v2_pair)
        )

    assert (age, age.blocks(head)) == (PoolAge(None), None)
    assert named == PoolAge(None)
