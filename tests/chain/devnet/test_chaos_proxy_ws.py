"""The chaos proxy's WebSocket side, and the RPC client's ws:// transport, on the session devnet: the same
fault schedule as over HTTP (latency, a dropped connection, a lagging node, another chain, wrong data),
subscriptions passed through to the node's own socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainIdMismatch


@pytest.fixture
async def proxy(chain: Devnet) -> AsyncIterator[ChaosProxy]:
    async with ChaosProxy(chain.rpc_url) as p:
        yield p


@pytest.fixture
async def direct(chain: Devnet) -> AsyncIterator[RpcClient]:
    async with RpcClient([chain.rpc_url]) as c:
        yield c


async def test_over_websocket_without_faults_the_proxy_answers_as_the_node(
    proxy: ChaosProxy, direct: RpcClient
) -> None:
    async with await RpcClient.connect([proxy.ws_url], chain_id=31337) as via:
        head = await direct.request("eth_blockNumber")
        answers = await asyncio.gather(via.request("eth_blockNumber"), via.request("net_version"))
        batch = await via.batch([("eth_blockNumber", []), ("eth_chainId", [])])
    assert (answers, batch) == ([head, "31337"], [head, "0x7a69"])
    assert proxy.requests == 4  # connect's eth_chainId, two requests, one batch: one socket


async def test_a_dropped_socket_fails_over_to_the_next_endpoint_and_is_reopened(
    chain: Devnet, proxy: ChaosProxy
) -> None:
    handle = proxy.inject(Fault("drop", times=1))
    async with RpcClient([proxy.ws_url, chain.rpc_url], timeout_s=2) as client:
        assert await client.request("eth_chainId") == hex(31337)
        ep0, ep1 = client.endpoints
        assert (ep0.errors, ep1.requests, handle.hits) == (1, 1, 1)
        assert "WsClosed" in ep0.last_error
        ep0.cooldown_until = 0  # healthy again: the next request is #0's, on a new socket
        assert await client.request("eth_chainId") == hex(31337)
        assert (ep0.requests, ep0.errors, ep1.requests) == (2, 1, 1)


async def test_over_websocket_latency_delays_and_a_timeout_withholds_the_answer(
    chain: Devnet, proxy: ChaosProxy
) -> None:
    slow = proxy.inject(Fault("latency", delay_s=0.2, times=1))
    async with RpcClient([proxy.ws_url, chain.rpc_url], timeout_s=1) as client:
        assert await client.request("eth_chainId") == hex(31337)
        assert (slow.hits, client.endpoints[0].errors) == (1, 0)
        stuck = proxy.inject(Fault("timeout", times=1))
        assert await client.request("eth_chainId") == hex(31337)  # from #1, #0 timed out
        assert (stuck.hits, client.endpoints[0].errors, client.endpoints[1].requests) == (1, 1, 1)
        assert "TimeoutError" in client.endpoints[0].last_error


async def test_over_websocket_a_lagging_a_foreign_and_a_lying_node(
    chain: Devnet, proxy: ChaosProxy, direct: RpcClient
) -> None:
    await direct.request("anvil_mine", [hex(8)])
    head = await direct.block_number()
    pair = chain.deployment.tokens[0].v2_pair
    assert pair is not None
    truth = await read_pair(direct, pair, head)
    proxy.inject(Fault("lag", blocks=5))
    proxy.inject(Fault("wrong_data"))
    async with RpcClient([proxy.ws_url]) as via:
        assert await via.block_number() == head - 5
        lie = await read_pair(via, pair, head - 5)
    assert (lie.reserve0, lie.reserve1) == (2 * truth.reserve0, truth.reserve1)
    proxy.clear()
    proxy.inject(Fault("chain_id", chain_id=8453))
    with pytest.raises(ChainIdMismatch, match="serves chain 8453, expected 31337"):
        await RpcClient.connect([chain.rpc_url, proxy.ws_url], chain_id=31337)


async def test_a_subscription_through_the_proxy_is_the_nodes_own(
    proxy: ChaosProxy, direct: RpcClient
) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(proxy.ws_url) as ws:
        await ws.send_str(
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
        )
        answer = json.loads((await ws.receive()).data)
        assert answer["id"] == 1
        await direct.request("anvil_mine", ["0x1"])
        head = await direct.request("eth_getBlockByNumber", ["latest", False])
        note = json.loads((await ws.receive()).data)
    assert note["method"] == "eth_subscription"
    assert note["params"]["subscription"] == answer["result"]
    assert note["params"]["result"]["hash"] == head["hash"]
