"""A devnet setup batch waits for its transactions on a node that automines, even when anvil's automine
leaves a ready transaction in its pool (the stress loop saw a launch's third transaction sit there until
the wait gave up); and when one can never be mined, the error says where it is."""

from __future__ import annotations

from typing import Any

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet import txbatch as txbatch_module
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.core.errors import DevnetError

pytestmark = pytest.mark.chain

DEAD = "0x000000000000000000000000000000000000dEaD"


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
    where = f"waits for nonce {mined}; nonce {mined + 1} (mined: {mined}); in the pool; its block None"
    assert where in str(err.value)
