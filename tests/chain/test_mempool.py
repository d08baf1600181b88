"""Competing swaps in the devnet's mempool: others' pending swaps of a token through our routers count,
our own and anything else (another token, a transfer to the token, a call elsewhere) does not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.mempool import competing_swaps
from dexbot.chain.rpc import RpcClient
from dexbot.engine.execution.orders import swap_request
from dexbot.engine.execution.types import Market


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    c = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield c
    finally:
        await c.close()


async def test_pending_swaps_of_the_token_through_our_routers_count(chain: Devnet, client: RpcClient) -> None:
    addrs = DexAddresses.from_deployment(chain.deployment)
    plain = [t for t in chain.deployment.tokens if t.kind == "plain" and t.v2_pair]
    token, other = plain[0], plain[1]
    routers = (addrs.v2_router, addrs.v3_router)
    assert await competing_swaps(client, token.address, routers) == 0

    await client.request("evm_setAutomine", [False])  # what is sent now stays pending
    me, rival, bystander = chain.accounts[5], chain.accounts[6], chain.accounts[7]

    async def send(sender: str, to: str, data: bytes, value: int = 0) -> None:
        tx = {"from": sender, "to": to, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(300_000)}
        await client.request("eth_sendTransaction", [tx])

    for sender, t in ((rival, token), (me, token), (bystander, other)):
        req = swap_request(
            addrs, Market(t.address, str(t.v2_pair), "uniswap_v2"), "buy", 10**16, 0, sender, 2**40
        )
        await send(sender, req.to, req.data, req.value)
    await send(
        bystander, token.address, bytes(4) + bytes(12) + bytes.fromhex(rival[2:])
    )  # names it, not a swap
    pending = await client.request("txpool_status", [])
    assert int(pending["pending"], 16) == 4

    assert await competing_swaps(client, token.address, routers) == 2
    assert await competing_swaps(client, token.address, routers, exclude=me) == 1
    assert await competing_swaps(client, other.address, routers, exclude=me) == 1
    assert await competing_swaps(client, token.address, [addrs.v3_router]) == 0  # the swaps went through V2

    await client.request("evm_mine", [])
    assert await competing_swaps(client, token.address, routers) == 0
