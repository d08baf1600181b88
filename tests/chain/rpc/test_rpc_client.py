"""RpcClient against real anvil processes and a real misbehaving HTTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from dexbot.chain.devnet.anvil import Anvil, free_port
from dexbot.chain.rpc import RpcClient, _safe_urls
from dexbot.chain.rpc_errors import RpcError, RpcQuorumError
from dexbot.core.errors import ChainIdMismatch, RpcUnavailable

pytestmark = pytest.mark.chain

ADDR = "0x00000000000000000000000000000000000000aa"
API_KEY = "k3y-0f-the-rpc-provider"


@pytest.fixture(scope="module")
def anvils() -> Iterator[tuple[Anvil, Anvil, Anvil]]:
    a, b = Anvil(chain_id=31337, accounts=2), Anvil(chain_id=31337, accounts=2)
    other = Anvil(chain_id=8453, accounts=2)
    for node in (a, b, other):
        node.start()
    try:
        yield a, b, other
    finally:
        for node in (a, b, other):
            node.stop()


@pytest.fixture
async def broken_server() -> AsyncIterator[dict[str, str]]:
    """A real HTTP endpoint that fails the ways public RPCs do: 503s, garbage, rate limits."""

    async def http_503(_: web.Request) -> web.Response:
        return web.Response(status=503, text="upstream overloaded")

    async def garbage(_: web.Request) -> web.Response:
        return web.Response(text="<html>not json</html>")

    async def rate_limited(_: web.Request) -> web.Response:
        return web.json_response({"jsonrpc": "2.0", "id": 1, "error": {"code": 429, "message": "rate limit"}})

    async def redirect_loop(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(str(request.rel_url))

    async def echo_unauthorized(request: web.Request) -> web.Response:
        return web.Response(status=401, text=f"invalid key in {request.url}")

    async def echo_path(request: web.Request) -> web.Response:
        return web.Response(status=401, text=f"Cannot POST {request.path_qs}")

    async def limited_echo(request: web.Request) -> web.Response:
        key = request.query.get("apikey") or request.match_info.get("key", "")
        error = {"code": -32005, "message": f"rate limit exceeded for key {key}"}
        return web.json_response({"jsonrpc": "2.0", "id": 1, "error": error})

    app = web.Application()
    app.router.add_post("/503", http_503)
    app.router.add_post("/garbage", garbage)
    app.router.add_post("/limited", rate_limited)
    app.router.add_post(f"/redirect/v2/{API_KEY}", redirect_loop)
    app.router.add_post(f"/echo/v2/{API_KEY}", echo_unauthorized)
    app.router.add_post(f"/path/v2/{API_KEY}", echo_path)
    app.router.add_post("/limited-query", limited_echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    base = f"http://127.0.0.1:{port}"
    yield (
        {k: f"{base}/{k}" for k in ("503", "garbage", "limited")}
        | {k: f"{base}/{k}/v2/{API_KEY}" for k in ("redirect", "echo", "path")}
        | {"limited-query": f"{base}/limited-query?apikey={API_KEY}"}
    )
    await runner.cleanup()


async def test_falls_back_when_the_first_endpoint_is_dead(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = await RpcClient.connect([dead, anvils[0].rpc_url], chain_id=31337, timeout_s=2)
    try:
        assert await client.request("eth_chainId") == hex(31337)
        assert client.endpoints[0].healthy is False
        assert client.endpoints[0].last_error
        assert client.ordered()[0].url == anvils[0].rpc_url
        assert client.stats.by_key[(0, "read", "transport_error")] >= 1
    finally:
        await client.close()


@pytest.mark.parametrize("kind", ["503", "garbage", "limited"])
async def test_falls_back_when_the_first_endpoint_returns_errors(
    anvils: tuple[Anvil, Anvil, Anvil], broken_server: dict[str, str], kind: str
) -> None:
    client = await RpcClient.connect([broken_server[kind], anvils[0].rpc_url], timeout_s=2)
    try:
        assert client.chain_id == 31337
        assert int(await client.request("eth_blockNumber"), 16) >= 0
        assert client.endpoints[0].errors >= 1
        assert client.endpoints[1].requests >= 1
    finally:
        await client.close()


async def test_refuses_a_wrong_chain_at_connect(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    with pytest.raises(ChainIdMismatch, match=r"serves chain 8453, expected 31337"):
        await RpcClient.connect([anvils[0].rpc_url, anvils[2].rpc_url], chain_id=31337)
    with pytest.raises(ChainIdMismatch, match="expected 1"):
        await RpcClient.connect([anvils[0].rpc_url], chain_id=1)


async def test_all_endpoints_dead_is_one_clear_error() -> None:
    urls = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    with pytest.raises(RpcUnavailable, match="no RPC endpoint answered") as info:
        await RpcClient.connect(urls, timeout_s=1)
    assert "#0" in str(info.value)
    assert "#1" in str(info.value)


@pytest.mark.parametrize(
    ("route", "error"),
    [
        ("redirect", "TooManyRedirects"),
        ("echo", "HTTP 401: invalid key in http://127.0.0.1"),
        ("path", "HTTP 401: Cannot POST /path/v2/***"),
        ("limited-query", "rate limit exceeded for key ***"),
    ],
)
async def test_an_api_key_in_an_endpoint_url_stays_out_of_its_errors(
    broken_server: dict[str, str], route: str, error: str
) -> None:
    """aiohttp names the whole URL in some errors, and providers echo the URL, its path or the key
    itself: none of it may show the key."""
    with pytest.raises(RpcUnavailable) as info:
        await RpcClient.connect([broken_server[route]], timeout_s=2, retries=0)
    message = str(info.value)
    assert error in message
    assert API_KEY not in message
    assert broken_server[route].split("/v2/")[0].rsplit("/", 1)[0] in message  # scheme and host stay


def test_urls_in_a_message_keep_only_scheme_and_host() -> None:
    text = f"a https://user:pw@rpc.example:8545/v2/{API_KEY}?x=1 and url='http://h?apikey={API_KEY}'"
    assert _safe_urls(text) == "a https://rpc.example:8545 and url='http://h'"


async def test_json_rpc_errors_are_answers_not_endpoint_faults(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    client = await RpcClient.connect([anvils[0].rpc_url, anvils[1].rpc_url])
    try:
        before = client.endpoints[1].requests
        with pytest.raises(RpcError) as info:
            await client.request("eth_noSuchMethod", [])
        assert info.value.code != 0
        assert client.endpoints[1].requests == before
        assert client.endpoints[0].healthy
    finally:
        await client.close()


async def test_quorum_read_refuses_when_endpoints_disagree(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    a, b, _ = anvils
    client = await RpcClient.connect([a.rpc_url, b.rpc_url])
    try:
        await client.request("anvil_setBalance", [ADDR, hex(10**18)])
        async with RpcClient([b.rpc_url]) as other:
            await other.request("anvil_setBalance", [ADDR, hex(10**18)])
        agreed = await client.quorum_request("eth_getBalance", [ADDR, "latest"], quorum=2)
        assert int(agreed, 16) == 10**18
        await client.request("anvil_setBalance", [ADDR, hex(5 * 10**18)])  # only the first endpoint
        with pytest.raises(RpcQuorumError, match="disagree"):
            await client.quorum_request("eth_getBalance", [ADDR, "latest"], quorum=2)
    finally:
        await client.close()


async def test_batch_returns_results_and_per_call_errors(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    client = await RpcClient.connect([anvils[0].rpc_url])
    try:
        out = await client.batch([("eth_chainId", []), ("eth_noSuchMethod", []), ("net_version", [])])
        assert out[0] == hex(31337)
        assert isinstance(out[1], RpcError)
        assert out[2] == "31337"
    finally:
        await client.close()


async def test_lagging_endpoint_is_moved_last(anvils: tuple[Anvil, Anvil, Anvil]) -> None:
    a, b, _ = anvils
    client = await RpcClient.connect([a.rpc_url, b.rpc_url])
    try:
        heads = await client.check_heads()
        await client.request("anvil_mine", [hex(heads[1] - heads[0] + 10)])  # endpoint 0 pulls ahead
        await client.check_heads()
        assert client.endpoints[1].lag_blocks >= 10
        assert [ep.index for ep in client.ordered()] == [0, 1]
        async with RpcClient([b.rpc_url]) as other:
            await other.request("anvil_mine", [hex(30)])
        await client.check_heads()
        assert [ep.index for ep in client.ordered()] == [1, 0]
    finally:
        await client.close()
