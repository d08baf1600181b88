"""A devnet setup batch waits for its transactions on a node that automines: one the node left in its
pool is asked for with a block, one it keeps or dropped unmined is sent again (the stress loop and a clean
clone saw a launch's transaction never mined: queued in anvil's pool though its nonce was the next); and
when one can never be mined, the error says where it is."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dexbot.chain.devnet import Devnet, stuck_tx
from dexbot.chain.devnet import txbatch as txbatch_module
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.core.errors import DevnetError

pytestmark = pytest.mark.chain

DEAD = "0x000000000000000000000000000000000000dEaD"
HIGH_BASE_FEE = 10**12
FLOOR_BASE_FEE = 7  # an EIP-1559 base fee that empty blocks no longer lower (7 // 8 == 0)
# Creation code that stores 450 new slots (~22,100 gas each, ~10 M in all) and deploys nothing:
# PUSH2 450; loop: JUMPDEST DUP1 DUP1 SSTORE PUSH1 1 SWAP1 SUB DUP1 PUSH1 3 JUMPI; STOP
BURN_10M_GAS = bytes.fromhex("6101c25b808055600190038060035700")


class AutominingInName(DevRpc):
    """The node as anvil's automine race leaves it: it says it automines, yet its ready transactions sit
    in the pool (here automine is really off, which puts them there)."""

    async def call(self, method: str, *params: Any) -> Any:
        if method == "anvil_getAutomine":
            return True
        return await super().call(method, *params)


async def _transfers(rpc: DevRpc, sender: str, count: int, *, skip: int = 0) -> TxBatch:
    batch = TxBatch(sender, await pending_nonce(rpc, sender) + skip)
    for i in range(count):
        batch.send(f"transfer {i}", DEAD, b"", value=1, gas=21_000)
    return batch


async def test_transactions_an_automining_node_left_in_its_pool_are_mined(chain: Devnet) -> None:
    sender = chain.deployment.deployer
    async with AutominingInName(chain.rpc_url) as rpc:
        head = int(await rpc.call("eth_blockNumber"), 16)
        await rpc.call("evm_setAutomine", False)
        try:
            batch = await _transfers(rpc, sender, 3)
            receipts = await batch.execute(rpc, mine=False)
        finally:
            await rpc.call("evm_setAutomine", True)

        assert [int(r["status"], 16) for r in receipts] == [1, 1, 1]
        # All three went into the one block the wait asked for.
        assert {int(r["blockNumber"], 16) for r in receipts} == {head + 1}
        assert await rpc.call("txpool_status") == {"pending": "0x0", "queued": "0x0"}


class PricedOut(AutominingInName):
    """As ``AutominingInName``, and once the wait starts asking for blocks, the next block's base fee
    jumps far above what the batch's transactions offer: the node drops them from its pool unmined."""

    async def call(self, method: str, *params: Any) -> Any:
        if method == "anvil_getAutomine":
            await super().call("anvil_setNextBlockBaseFeePerGas", hex(HIGH_BASE_FEE))
        return await super().call(method, *params)


async def test_transactions_a_node_dropped_unmined_are_sent_again_and_priced_anew(
    chain: Devnet, caplog: pytest.LogCaptureFixture
) -> None:
    sender = chain.deployment.deployer
    async with PricedOut(chain.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            batch = await _transfers(rpc, sender, 3)
            sent = [tx["nonce"] for _, tx in batch.txs]
            with caplog.at_level(logging.WARNING, logger=stuck_tx.__name__):
                receipts = await batch.execute(rpc, mine=False)
        finally:
            await rpc.call("evm_setAutomine", True)
        mined = [await rpc.call("eth_getTransactionByHash", r["transactionHash"]) for r in receipts]

    assert [int(r["status"], 16) for r in receipts] == [1, 1, 1]
    assert [tx["nonce"] for tx in mined] == sent  # the same transactions, in their order
    assert all(int(tx["maxFeePerGas"], 16) >= HIGH_BASE_FEE // 10 for tx in mined)  # priced anew
    resent = [r.getMessage() for r in caplog.records if "was not mined" in r.getMessage()]
    assert len(resent) == 3, resent
    assert all("(the node does not know it): sent again as 0x" in line for line in resent)


async def test_a_transaction_that_can_never_be_mined_is_named_with_where_it_waits(
    chain: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(txbatch_module, "POLLS", 2 * txbatch_module.STALL_POLLS)
    monkeypatch.setattr(txbatch_module, "POLL_S", 0.0)
    sender = chain.deployment.deployer
    async with DevRpc(chain.rpc_url) as rpc:
        mined = await pending_nonce(rpc, sender)
        batch = await _transfers(rpc, sender, 1, skip=1)  # a nonce gap: nothing can mine it
        with pytest.raises(DevnetError) as err:
            await batch.execute(rpc, mine=False)

    assert str(err.value).startswith("1 devnet setup transactions were never mined (first: 0x")
    where = f"waits for nonce {mined}; nonce {mined + 1} (mined: {mined}); queued in the pool; its block None"
    assert where in str(err.value)


async def test_a_transaction_queued_though_its_nonce_is_next_is_replaced_and_mined(
    chain: Devnet, caplog: pytest.LogCaptureFixture
) -> None:
    """anvil's pool as the race leaves it: a transaction queued behind an earlier nonce that its chain
    already has (made here by queueing nonce n+1 and then setting the account's nonce to n+1). No block
    takes it and anvil_dropTransaction does not drop it; sent unchanged it is "already imported" (the
    clean clone's failure). The wait replaces it at higher fees: mined, same nonce, its new hash returned."""
    sender = chain.deployment.deployer
    async with DevRpc(chain.rpc_url) as rpc:
        # the base fee at 7 wei, where empty blocks leave it (as in that run): fees filled anew are the
        # very fees the transaction was sent with
        await rpc.call("anvil_setNextBlockBaseFeePerGas", hex(FLOOR_BASE_FEE))
        await rpc.call("evm_mine")
        n = await pending_nonce(rpc, sender)
        await rpc.call("evm_setAutomine", False)
        try:
            batch = await _transfers(rpc, sender, 1, skip=1)
            (stuck,) = await rpc.batch([("eth_sendTransaction", [tx]) for _, tx in batch.txs])
            await rpc.call("anvil_setNonce", sender, hex(n + 1))
        finally:
            await rpc.call("evm_setAutomine", True)
        await rpc.call("evm_mine")
        assert await rpc.call("eth_getTransactionReceipt", stuck) is None  # a block does not take it
        assert await rpc.call("txpool_status") == {"pending": "0x0", "queued": "0x1"}
        old = await rpc.call("eth_getTransactionByHash", stuck)
        with caplog.at_level(logging.WARNING, logger=stuck_tx.__name__):
            (receipt,) = await txbatch_module._mine_until_included(
                rpc, [stuck], [tx for _, tx in batch.txs], mine=False
            )
        mined = await rpc.call("eth_getTransactionByHash", receipt["transactionHash"])

    assert int(receipt["status"], 16) == 1
    assert receipt["transactionHash"] != stuck
    assert int(mined["nonce"], 16) == n + 1
    assert int(mined["maxPriorityFeePerGas"], 16) > int(old["maxPriorityFeePerGas"], 16)
    (line,) = [r.getMessage() for r in caplog.records if "was not mined" in r.getMessage()]
    assert f"nonce {n + 1} (mined: {n + 1}); queued in the pool" in line
    assert line.endswith(f"sent again as {receipt['transactionHash']}")


def test_a_batch_is_cut_into_parts_that_each_fit_a_block() -> None:
    txs = [{"gas": hex(g)} for g in (10, 10, 5, 30, 1, 1, 25)]
    parts = txbatch_module.block_parts(txs, 25)

    assert [[int(tx["gas"], 16) for tx in part] for part in parts] == [[10, 10, 5], [30], [1, 1], [25]]
    assert [tx for part in parts for tx in part] == txs  # every one, in nonce order


@pytest.mark.parametrize("forced", [True, False], ids=["mining forced", "automine"])
async def test_a_batch_of_more_gas_than_a_block_holds_is_mined_whole(chain: Devnet, forced: bool) -> None:
    """Three deployments that each burn ~10 M gas (limit 12 M; a block holds 30 M), then a transfer. Sent
    at once, anvil's block took two, could not fit the third, took the transfer behind it (its nonce then
    too high), called it invalid and dropped it: the fourth was never mined; with mining forced, every
    time."""
    sender = chain.deployment.deployer
    async with DevRpc(chain.rpc_url) as rpc:
        was = (await rpc.call("eth_getBlockByNumber", "pending", False))["gasLimit"]
        batch = TxBatch(sender, await pending_nonce(rpc, sender))
        for i in range(3):
            batch.deploy(f"gas burner {i}", BURN_10M_GAS, gas=12_000_000)
        batch.send("transfer", DEAD, b"", value=1, gas=21_000)
        await rpc.call("evm_setBlockGasLimit", hex(txbatch_module.NORMAL_BLOCK_GAS))
        if forced:
            await rpc.call("evm_setAutomine", False)
        try:
            receipts = await batch.execute(rpc, mine=forced)
        finally:
            await rpc.call("evm_setAutomine", True)
            await rpc.call("evm_setBlockGasLimit", was)
        after = await pending_nonce(rpc, sender)

    assert [int(r["status"], 16) for r in receipts] == [1, 1, 1, 1]
    assert all(int(r["gasUsed"], 16) > 9_000_000 for r in receipts[:3])
    blocks = [int(r["blockNumber"], 16) for r in receipts]
    assert blocks == sorted(blocks)
    assert len(set(blocks)) >= 2  # more than a block's worth: two blocks or more
    assert after == batch.nonce
