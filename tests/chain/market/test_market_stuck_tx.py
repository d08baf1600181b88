"""The market's waits unstick what anvil leaves unmined. A clean clone saw a rug test's launch never
mined within 30 s on the automining session devnet: the same race that once held a devnet setup batch
(a transaction queued in anvil's pool though its nonce is the next). A launch, rug or swap now waits
through ``wait_mined``: the stalled transaction is sent again on its nonce, and the wait takes its new
hash; one that can never be mined ends in a TimeoutError that says where it waits."""

from __future__ import annotations

import logging

import pytest

from dexbot.chain.devnet import Devnet, stuck_tx
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.market.receipts import ReceiptWatcher, wait_mined
from dexbot.chain.devnet.txbatch import pending_nonce

pytestmark = pytest.mark.chain

DEAD = "0x000000000000000000000000000000000000dEaD"
TIMEOUT_S = 20.0  # a hang guard: a stall is a tenth of it, the transaction goes again at the third


def transfer(sender: str, nonce: int) -> dict[str, str]:
    return {"from": sender, "to": DEAD, "value": "0x1", "gas": hex(21_000), "nonce": hex(nonce)}


async def queued_though_next(rpc: DevRpc, sender: str) -> tuple[str, dict[str, str], int]:
    """anvil's pool as the race leaves it: nonce n+1 queued, then the account's nonce set to n+1."""
    n = await pending_nonce(rpc, sender)
    tx = transfer(sender, n + 1)
    await rpc.call("evm_setAutomine", False)
    try:
        stuck = str(await rpc.call("eth_sendTransaction", tx))
        await rpc.call("anvil_setNonce", sender, hex(n + 1))
    finally:
        await rpc.call("evm_setAutomine", True)
    await rpc.call("evm_mine")
    assert await rpc.call("eth_getTransactionReceipt", stuck) is None  # a block does not take it
    return stuck, tx, n + 1


async def test_a_market_transaction_queued_though_its_nonce_is_next_is_sent_again_and_mined(
    chain: Devnet, watcher: ReceiptWatcher, caplog: pytest.LogCaptureFixture
) -> None:
    sender = chain.accounts[6]
    stuck, tx, nonce = await queued_though_next(watcher.rpc, sender)
    with caplog.at_level(logging.WARNING, logger=stuck_tx.__name__):
        (receipt,) = await wait_mined(watcher, [stuck], [tx], TIMEOUT_S)
    mined = await watcher.rpc.call("eth_getTransactionByHash", receipt["transactionHash"])

    assert int(receipt["status"], 16) == 1
    assert receipt["transactionHash"] != stuck
    assert int(mined["nonce"], 16) == nonce  # the same place in the account's order
    (line,) = [r.getMessage() for r in caplog.records if "was not mined" in r.getMessage()]
    assert f"nonce {nonce} (mined: {nonce}); queued in the pool" in line


async def test_a_market_transaction_that_can_never_be_mined_times_out_saying_where_it_waits(
    chain: Devnet, watcher: ReceiptWatcher
) -> None:
    sender = chain.accounts[6]
    n = await pending_nonce(watcher.rpc, sender)
    tx = transfer(sender, n + 1)  # a nonce gap: no block, no replacement can take it
    gap = str(await watcher.rpc.call("eth_sendTransaction", tx))
    with pytest.raises(TimeoutError) as err:
        await wait_mined(watcher, [gap], [tx], 2.0)

    said = str(err.value)  # it was sent again meanwhile: the first is named by its newest hash
    assert said.startswith("1 market transaction(s) not mined within 2 s (first: 0x")
    assert f", waits for nonce {n}; nonce {n + 1} (mined: {n});" in said
