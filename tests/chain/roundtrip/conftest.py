"""Fixtures for the round-trip tests: an RpcClient on the devnet, fresh hostile tokens launched per
test (rolled back by ``chain``), and owner actions sent from the token owner's unlocked account.

Everything here is async because the tests are: ``asyncio.run`` cannot nest inside a running loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dexbot.chain.devnet import Devnet, DevToken, TokenKind, TokenSpec, launch_tokens
from dexbot.chain.devnet.anvil import free_port
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import token_calls
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.roundtrip import RoundTripResult, simulate_round_trip
from dexbot.chain.rpc import RpcClient

WEI = 10**18
# Every launched test token: a 1e9 supply, 10 % of it against 20 WETH in a V2 pair (no V3 pool).
SUPPLY = 10**9 * WEI
POOL_TOKENS = 10**8 * WEI
POOL_WETH = 20 * WEI
GET_RESERVES = "0x0902f1ac"

Launcher = Callable[..., Awaitable[DevToken]]
OwnerCall = Callable[..., Awaitable[None]]


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    """An RpcClient on the devnet, created in the test's event loop; the test's changes are rolled back."""
    rpc = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield rpc
    finally:
        await rpc.close()


@pytest.fixture
def launch(chain: Devnet) -> Launcher:
    """``await launch("tax", buy_tax_bps=500, sell_tax_bps=1000)``: a fresh token with a V2 WETH pair."""

    async def run(kind: TokenKind, **hazard: Any) -> DevToken:
        spec = TokenSpec(
            name=f"Probe {kind}",
            symbol=f"P{kind.upper()[:5]}",
            kind=kind,
            supply=SUPPLY,
            token_liquidity=POOL_TOKENS,
            weth_liquidity=POOL_WETH,
            v3=False,
            **hazard,
        )
        async with DevRpc(chain.rpc_url) as rpc:
            (token,) = await launch_tokens(rpc, chain.deployment, [spec])
        return token

    return run


@pytest.fixture
def owner_call(chain: Devnet) -> OwnerCall:
    """``await owner_call(token, "pause")``: the token's owner calls one of its functions (must succeed)."""

    async def run(token: DevToken, function: str, *args: Any) -> None:
        codec = token_calls(token.kind)
        async with DevRpc(chain.rpc_url) as rpc:
            batch = TxBatch(token.owner, await pending_nonce(rpc, token.owner))
            batch.send(f"{token.symbol}.{function}", token.address, codec.call(function, *args))
            await batch.execute(rpc, mine=False)

    return run


@pytest.fixture
async def override_proxy(chain: Devnet) -> AsyncIterator[Callable[[str], str]]:
    """A real HTTP JSON-RPC endpoint in front of the devnet that treats eth_call's state override the way
    some public endpoints do. ``override_proxy(mode)`` is its URL for ``mode``: ``drop`` ignores the
    override silently, ``refuse`` answers a params error, ``no_balance`` keeps the code but not the ETH,
    ``plain`` leaves eth_call alone. Like many public endpoints, none of them has eth_simulateV1."""

    async def forward(request: web.Request) -> web.Response:
        payload = await request.json()
        mode = request.match_info["mode"]
        if isinstance(payload, dict) and payload.get("method") == "eth_simulateV1":
            error = {"code": -32601, "message": "the method eth_simulateV1 does not exist/is not available"}
            return web.json_response({"jsonrpc": "2.0", "id": payload["id"], "error": error})
        if isinstance(payload, dict) and payload.get("method") == "eth_call" and len(payload["params"]) > 2:
            if mode == "refuse":
                error = {"code": -32602, "message": "too many arguments, want at most 2"}
                return web.json_response({"jsonrpc": "2.0", "id": payload["id"], "error": error})
            if mode == "drop":
                payload["params"] = payload["params"][:2]
            if mode == "no_balance":
                for account in payload["params"][2].values():
                    account.pop("balance", None)
        async with session.post(chain.rpc_url, json=payload) as upstream:
            return web.json_response(await upstream.json(content_type=None))

    session = aiohttp.ClientSession()
    app = web.Application()
    app.router.add_post("/{mode}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield lambda mode: f"http://127.0.0.1:{port}/{mode}"
    finally:
        await runner.cleanup()
        await session.close()


Simulate = Callable[..., Awaitable[RoundTripResult]]
Reserves = Callable[[DevToken], Awaitable[tuple[int, int]]]


@pytest.fixture
def reserves(client: RpcClient, chain: Devnet) -> Reserves:
    """``await reserves(token)``: the token's V2 pair reserves as (WETH, token), read with getReserves."""

    async def read(token: DevToken) -> tuple[int, int]:
        assert token.v2_pair is not None
        raw = await client.request("eth_call", [{"to": token.v2_pair, "data": GET_RESERVES}, "latest"])
        data = bytes.fromhex(raw[2:])
        r0, r1 = int.from_bytes(data[:32], "big"), int.from_bytes(data[32:64], "big")
        weth_is_token0 = chain.deployment.weth.lower() < token.address.lower()
        return (r0, r1) if weth_is_token0 else (r1, r0)

    return read


@pytest.fixture
def simulate(client: RpcClient, chain: Devnet) -> Simulate:
    """``await simulate(token, buy_wei=..., ladder_wei=..., **more)``: the round trip of ``token`` through
    the devnet V2 router (``rpc=`` to go through another endpoint)."""

    async def run(token: DevToken, **kwargs: Any) -> RoundTripResult:
        assert token.v2_pair is not None
        dep = chain.deployment
        return await simulate_round_trip(
            kwargs.pop("rpc", client),
            router=dep.v2_router,
            weth=dep.weth,
            token=token.address,
            pair=token.v2_pair,
            **kwargs,
        )

    return run


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut, in integers: what the pair pays, to the wei."""
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


@pytest.fixture(scope="session")
def amount_out() -> Callable[[int, int, int], int]:
    return v2_amount_out
