"""Inside ``client.coalescing()`` the reads started together go out as one HTTP batch, each answered (or
failed) exactly as it would be on its own; outside, every request is its own HTTP request again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_coalesce import Coalescer
from dexbot.chain.rpc_errors import RpcError

REVERTING = "0x" + "fe" * 20  # given code that reverts every call (PUSH0 PUSH0 REVERT)


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    rpc = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield rpc
    finally:
        await rpc.close()


async def reads(client: RpcClient, chain: Devnet) -> list[object]:
    dep = chain.deployment
    return list(
        await asyncio.gather(
            client.request("eth_chainId"),
            client.request("eth_getBalance", [dep.deployer, "latest"]),
            client.batch([("eth_getCode", [dep.weth, "latest"]), ("eth_getCode", [dep.deployer, "latest"])]),
            client.request("eth_call", [{"to": REVERTING, "data": "0x"}, "latest"]),
            return_exceptions=True,
        )
    )


async def test_reads_started_together_are_one_batch_with_the_same_answers(
    chain: Devnet, client: RpcClient
) -> None:
    await client.request("anvil_setCode", [REVERTING, "0x5f5ffd"])
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))

    alone = await reads(client, chain)
    alone_posts, posts[:] = list(posts), []
    with client.coalescing():
        together = await reads(client, chain)

    assert posts == ["batch"]
    assert len(alone_posts) == 4
    assert together[:3] == alone[:3]
    assert together[0] == hex(chain.chain_id)
    assert isinstance(together[3], RpcError)
    assert isinstance(alone[3], RpcError)
    assert (together[3].is_revert, together[3].message) == (True, alone[3].message)


async def test_tasks_started_inside_keep_coalescing_and_later_turns_make_new_batches(
    chain: Devnet, client: RpcClient
) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))

    with client.coalescing():
        first = asyncio.create_task(client.request("eth_blockNumber"))
        head = await client.request("eth_blockNumber")
        second = await client.request("eth_chainId")  # a later turn: its own batch

    assert (await first, head, second) == (head, head, hex(chain.chain_id))
    assert posts == ["batch", "batch"]


async def test_a_read_started_a_few_turns_later_by_a_task_chain_joins_the_batch(
    chain: Devnet, client: RpcClient
) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))

    async def through_tasks(depth: int) -> object:
        """A read issued ``depth`` task hops later: each hop starts on a later loop turn."""
        if depth == 0:
            return await client.request("eth_chainId")
        return await asyncio.create_task(through_tasks(depth - 1))

    with client.coalescing():
        late = asyncio.create_task(through_tasks(3))
        head = await client.request("eth_blockNumber")

    assert await late == hex(chain.chain_id)
    assert int(head, 16) >= 0
    assert posts == ["batch"]


async def test_simulations_and_traces_go_out_on_their_own(chain: Devnet, client: RpcClient) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))
    simulate = [{"blockStateCalls": [{"calls": []}], "validation": False}, "latest"]

    with client.coalescing():
        head, chain_id, blocks = await asyncio.gather(  # two reads batched, the simulation alone
            client.request("eth_blockNumber"),
            client.request("eth_chainId"),
            client.request("eth_simulateV1", simulate),
        )

    assert (int(head, 16) >= 0, len(blocks), chain_id) == (True, 1, hex(chain.chain_id))
    assert posts.count("batch") == 1
    assert len(posts) == 2


async def test_a_coalescing_block_inside_another_joins_its_batch(chain: Devnet, client: RpcClient) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))

    async def nested() -> list[object]:
        with client.coalescing():  # a reader that coalesces its own reads, started beside another
            reads = client.request("eth_chainId"), client.request("eth_blockNumber")
            return list(await asyncio.gather(*reads))

    with client.coalescing():
        (chain_id, head), balance = await asyncio.gather(
            nested(), client.request("eth_getBalance", [chain.deployment.deployer, "latest"])
        )

    assert (chain_id, int(head, 16) >= 0, int(balance, 16) > 0) == (hex(chain.chain_id), True, True)
    assert posts == ["batch"]


async def test_sent_returns_once_the_batch_so_far_is_on_its_way(chain: Devnet, client: RpcClient) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))

    async def after_sent(coalescer: Coalescer) -> str:
        await coalescer.sent()
        return str(await client.request("eth_blockNumber"))

    with client.coalescing() as coalescer:
        await coalescer.sent()  # nothing waiting: returns at once
        first = asyncio.ensure_future(client.request("eth_chainId"))
        later = asyncio.ensure_future(after_sent(coalescer))  # started in the same turn, sent after
        answers = await asyncio.gather(first, later)

    assert posts == ["batch", "batch"]
    assert answers[0] == hex(chain.chain_id)
    assert int(answers[1], 16) == await client.block_number()


async def test_a_call_sent_alone_is_not_held_in_the_batch(chain: Devnet, client: RpcClient) -> None:
    posts: list[str] = []
    client.observers.append(lambda _i, cls, _status, _s: posts.append(cls))
    with client.coalescing():
        answers = await asyncio.gather(
            client.request("eth_chainId"),
            client.request("eth_blockNumber"),
            client.request("eth_chainId", alone=True),
        )

    assert sorted(posts) == ["batch", "read"]
    assert answers[0] == answers[2] == hex(chain.chain_id)
