"""The chaos proxy in front of the session devnet: every fault does what it says to a real RpcClient, and
without faults the proxy is invisible."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.faults import Fault, parse_fault, send_error
from dexbot.chain.dex.states import StateReader
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.errors import ChainIdMismatch, DevnetError, InputError

ADDR = "0x00000000000000000000000000000000000000bb"


@pytest.fixture
async def proxy(chain: Devnet) -> AsyncIterator[ChaosProxy]:
    async with ChaosProxy(chain.rpc_url) as p:
        yield p


@pytest.fixture
async def direct(chain: Devnet) -> AsyncIterator[RpcClient]:
    async with RpcClient([chain.rpc_url]) as c:
        yield c


async def test_without_faults_the_proxy_answers_as_the_node(proxy: ChaosProxy, direct: RpcClient) -> None:
    async with RpcClient([proxy.url]) as via:
        assert await via.request("eth_chainId") == await direct.request("eth_chainId")
        batch = await via.batch([("eth_blockNumber", []), ("net_version", [])])
        assert batch == [await direct.request("eth_blockNumber"), "31337"]
    assert proxy.requests == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault("http", status=503, times=1), "HTTP 503"),
        (Fault("http", status=429, times=1), "HTTP 429"),
        (Fault("drop", times=1), "ServerDisconnectedError"),
        (Fault("garbage", times=1), "JSONDecodeError"),
        (Fault("timeout", times=1), "TimeoutError"),
    ],
)
async def test_an_endpoint_fault_sends_the_client_to_the_next_endpoint(
    chain: Devnet, proxy: ChaosProxy, fault: Fault, error: str
) -> None:
    handle = proxy.inject(fault)
    async with RpcClient([proxy.url, chain.rpc_url], timeout_s=0.5) as client:
        assert await client.request("eth_chainId") == hex(31337)
        assert (client.endpoints[0].errors, client.endpoints[1].requests) == (1, 1)
        assert error in client.endpoints[0].last_error
    assert (handle.hits, handle.cleared.is_set(), proxy.hits) == (1, True, {fault.kind: 1})


async def test_a_lagging_node_answers_latest_with_an_old_block(proxy: ChaosProxy, direct: RpcClient) -> None:
    await direct.request("anvil_mine", [hex(8)])
    head = await direct.block_number()
    proxy.inject(Fault("lag", blocks=5))
    async with RpcClient([proxy.url]) as via:
        assert await via.block_number() == head - 5
        latest = await via.request("eth_getBlockByNumber", ["latest", False])
        assert int(latest["number"], 16) == head - 5
        assert await via.request("eth_getBlockByNumber", [hex(head), False]) is None
        with pytest.raises(RpcError, match="header not found"):
            await via.request("eth_getBalance", [ADDR, hex(head)])
        logs = await via.request("eth_getLogs", [{"fromBlock": hex(head - 1), "toBlock": "latest"}])
        assert logs == []


async def test_a_node_of_another_chain_is_refused_at_connect(proxy: ChaosProxy, chain: Devnet) -> None:
    proxy.inject(Fault("chain_id", chain_id=8453))
    with pytest.raises(ChainIdMismatch, match="serves chain 8453, expected 31337"):
        await RpcClient.connect([chain.rpc_url, proxy.url], chain_id=31337)


async def test_a_lying_node_doubles_reserve0_direct_and_inside_multicall(
    chain: Devnet, proxy: ChaosProxy, direct: RpcClient
) -> None:
    pair = chain.deployment.tokens[0].v2_pair
    assert pair is not None
    block = await direct.block_number()
    truth = await read_pair(direct, pair, block)
    proxy.inject(Fault("wrong_data"))
    async with RpcClient([proxy.url]) as via:
        lie = await read_pair(via, pair, block)
        reader = StateReader(via, multicall=chain.deployment.multicall3)
        reader.add_v2([pair])
        states, failed = await reader.read(block)
    assert (lie.reserve0, lie.reserve1) == (2 * truth.reserve0, truth.reserve1)
    (state,) = states.values()
    assert (state.reserve0, state.reserve1, failed) == (2 * truth.reserve0, truth.reserve1, [])


async def test_a_send_error_after_forwarding_leaves_the_transaction_on_chain(
    chain: Devnet, proxy: ChaosProxy, direct: RpcClient
) -> None:
    proxy.inject(send_error("already known", forward=True, times=1))
    tx = {"from": chain.accounts[1], "to": ADDR, "value": hex(7)}
    async with RpcClient([proxy.url]) as via:
        with pytest.raises(RpcError, match="already known"):
            await via.request("eth_sendTransaction", [tx])
    assert int(await direct.request("eth_getBalance", [ADDR, "latest"]), 16) == 7


async def test_a_reorg_under_the_proxy_replaces_the_newest_blocks(
    proxy: ChaosProxy, direct: RpcClient
) -> None:
    await direct.request("anvil_mine", [hex(3)])
    head = await direct.block_number()
    before = await direct.request("eth_getBlockByNumber", [hex(head), False])
    await proxy.reorg(2)
    after = await direct.request("eth_getBlockByNumber", [hex(head), False])
    assert await direct.block_number() == head
    assert after["hash"] != before["hash"]


async def test_a_reorg_or_rollback_the_node_refuses_stops_the_drill_with_its_reason(
    proxy: ChaosProxy, direct: RpcClient
) -> None:
    """Deeper than the chain: the node says no, and a drill must not go on as if the chain had moved."""
    head = await direct.block_number()
    with pytest.raises(DevnetError, match="the node refused the reorg: "):
        await proxy.reorg(head + 5)
    with pytest.raises(DevnetError, match="the node refused the reorg: "):
        await proxy.rollback(head + 5)
    assert await direct.block_number() == head


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("http:429@0.25", Fault("http", status=429, probability=0.25)),
        ("lag:7", Fault("lag", blocks=7)),
        ("latency:0.5/eth_call", Fault("latency", frozenset({"eth_call"}), delay_s=0.5)),
        ("drop x3", Fault("drop", times=3)),
        ("send_error:underpriced", send_error("replacement transaction underpriced")),
        ("chain_id:8453", Fault("chain_id", chain_id=8453)),
    ],
)
def test_fault_specs_parse(spec: str, fault: Fault) -> None:
    assert parse_fault(spec) == fault


@pytest.mark.parametrize(
    ("spec", "said"),
    [("flood", "kind one of latency"), ("http:4xx", "'4xx' is not a number"), ("drop@2", "outside (0, 1]")],
)
def test_a_bad_fault_spec_is_one_clear_error(spec: str, said: str) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(").replace("]", r"\]")):
        parse_fault(spec)
