"""A replayed engine's reads pinned to its block (replay_pin.py): whatever the replay node mines meanwhile,
the engine is answered as the node answered with that block as its head."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from dexbot.chain.devnet import Anvil
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.replay_client import ReplayClient
from dexbot.chain.replay_pin import HEAD_VIEW_CALLS, HeadView

VIEW = HeadView(0x10, "0x7a69", "0x3b9aca00", "0x3b9ae861", "0x1e61", "0x1")
A, B = "0x" + "11" * 20, "0x" + "22" * 20


@pytest.mark.parametrize(
    ("method", "params", "pinned"),
    [
        ("eth_call", [{"to": A}], [{"to": A}, "0x10"]),
        ("eth_call", [{"to": A}, "latest", {A: {}}], [{"to": A}, "0x10", {A: {}}]),
        ("eth_estimateGas", [{"to": A}, "pending"], [{"to": A}, "0x10"]),
        ("eth_getBalance", [A, {"blockNumber": "latest"}], [A, {"blockNumber": "0x10"}]),
        ("eth_getStorageAt", [A, "0x0"], [A, "0x0", "0x10"]),
        ("eth_getBlockByNumber", ["latest", False], ["0x10", False]),
        ("eth_feeHistory", ["0x4", "latest", [50]], ["0x4", "0x10", [50]]),
        ("eth_getLogs", [{"address": A}], [{"address": A, "fromBlock": "0x10", "toBlock": "0x10"}]),
        (
            "eth_getLogs",
            [{"fromBlock": "0x2", "toBlock": "latest"}],
            [{"fromBlock": "0x2", "toBlock": "0x10"}],
        ),
        # what names its block keeps it; what the node places by its head is left to it
        ("eth_getLogs", [{"blockHash": "0xab"}], [{"blockHash": "0xab"}]),
        ("eth_call", [{"to": A}, "0x3"], [{"to": A}, "0x3"]),
        ("eth_getBalance", [A, {"blockHash": "0xab"}], [A, {"blockHash": "0xab"}]),
        ("eth_getBlockByNumber", ["finalized", False], ["finalized", False]),
        ("eth_getTransactionReceipt", ["0xab"], ["0xab"]),
    ],
)
def test_a_head_tag_or_none_becomes_the_pinned_block(
    method: str, params: list[Any], pinned: list[Any]
) -> None:
    assert VIEW.params(method, params) == pinned


def test_the_head_s_own_answers_come_from_the_view() -> None:
    assert VIEW.answer("eth_blockNumber") == (True, "0x10")
    assert VIEW.answer("eth_maxPriorityFeePerGas") == (True, "0x3b9aca00")
    assert VIEW.answer("eth_gasPrice") == (True, "0x3b9ae861")
    assert VIEW.answer("txpool_content") == (True, {"pending": {}, "queued": {}})
    assert VIEW.answer("eth_chainId") == (True, "0x7a69")
    assert VIEW.answer("eth_getTransactionReceipt") == (False, None)


def test_a_fee_history_ending_at_the_block_gets_the_next_base_fee_the_node_gave_then() -> None:
    later = {
        "baseFeePerGas": ["0xa", "0xb", "0x99"],
        "gasUsedRatio": [0.1, 0.2],
        "baseFeePerBlobGas": ["0x1"] * 3,
    }
    assert VIEW.fee_history(["0x2", "0x10", []], later)["baseFeePerGas"] == ["0xa", "0xb", "0x1e61"]
    assert VIEW.fee_history(["0x2", "0xf", []], later) is later  # ends earlier: its next block is mined


@pytest.fixture
async def node() -> AsyncIterator[tuple[Anvil, DevRpc]]:
    async with Anvil(extra_args=("--prune-history", "64")) as anvil, DevRpc(anvil.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        yield anvil, rpc


NAMES = (
    "chain id",
    "block number",
    "balance",
    "pending balance",
    "nonce",
    "fee history",
    "tip",
    "gas price",
    "pool",
    "block",
)


async def _answers(client: ReplayClient, rich: str) -> list[Any]:
    return [
        await client.request("eth_chainId"),
        await client.request("eth_blockNumber"),
        await client.request("eth_getBalance", [rich, "latest"]),
        await client.request("eth_getBalance", [rich, "pending"]),
        await client.request("eth_getTransactionCount", [rich, "latest"]),
        await client.request("eth_feeHistory", ["0x3", "latest", [50]]),
        await client.request("eth_maxPriorityFeePerGas"),
        await client.request("eth_gasPrice"),
        await client.request("txpool_content"),
        await client.request("eth_getBlockByNumber", ["latest", False]),
    ]


@pytest.mark.chain
async def test_pinned_reads_answer_as_the_node_did_at_that_head_after_it_mined_on(
    node: tuple[Anvil, DevRpc],
) -> None:
    anvil, rpc = node
    rich = (await rpc.call("eth_accounts"))[0]
    transfer = {"from": rich, "to": B, "value": hex(10**18)}
    for _ in range(3):
        await rpc.call("eth_sendTransaction", transfer)
        await rpc.call("evm_mine")
    head = int(await rpc.call("eth_blockNumber"), 16)
    client = await ReplayClient.connect([anvil.rpc_url], chain_id=anvil.chain_id)
    assert isinstance(client, ReplayClient)
    try:
        at_head = await _answers(client, rich)  # unpinned, with the block as the head
        client.pin = HeadView.from_answers(head, await rpc.batch(HEAD_VIEW_CALLS))
        # the node moves on: a block with another base fee and a transfer, another one waiting
        await rpc.call("anvil_setNextBlockBaseFeePerGas", hex(7777))
        await rpc.call("eth_sendTransaction", transfer)
        await rpc.call("evm_mine")
        await rpc.call("eth_sendTransaction", transfer)
        assert int(await rpc.call("eth_blockNumber"), 16) == head + 1

        assert await _answers(client, rich) == at_head
        client.pin = None  # and unpinned, the same reads see the node's new head: the pin is what held them
        moved_on = await _answers(client, rich)
        changed = [name for name, a, b in zip(NAMES, at_head, moved_on, strict=True) if a != b]
        assert {"block number", "balance", "pending balance", "fee history", "gas price", "pool"} <= set(
            changed
        )
    finally:
        await client.close()
