"""A token's age comes from its factories' creation logs: the exact block when the window holds it, a
lower bound when the whole window answered without it, and "unknown" when part of it could not be read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.anvil import free_port
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.creation import PoolAge, first_pool_block
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


async def test_an_unreadable_log_range_makes_the_age_unknown(chain: Devnet) -> None:
    """An endpoint that refuses eth_getLogs ranges (as public ones do past their limit): no made-up age."""
    token, _ = await _launch(chain, v3=False)
    head = await _mine(chain, 30)

    async def forward(request: web.Request) -> web.Response:
        payload = await request.json()
        calls = payload if isinstance(payload, list) else [payload]
        answers = []
        async with aiohttp.ClientSession() as session:
            for call in calls:
                if call.get("method") == "eth_getLogs":
                    error = {"code": -32005, "message": "query exceeds max block range 3"}
                    answers.append({"jsonrpc": "2.0", "id": call["id"], "error": error})
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
            addrs = DexAddresses.from_deployment(chain.deployment)
            age = await first_pool_block(client, addrs, token.address, head, window=20, chunk=5)
        finally:
            await client.close()
    finally:
        await runner.cleanup()

    assert (age, age.blocks(head)) == (PoolAge(None), None)
