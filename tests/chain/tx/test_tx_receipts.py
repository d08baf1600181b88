"""Waiting on a transaction the node forgot: it is rebroadcast (same bytes), and one that cannot be
rebroadcast for ``drop_after_blocks`` blocks is dropped, freeing its nonce."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
RECIPIENT = dev_account(13).address


async def test_transaction_evicted_from_the_pool_is_rebroadcast_and_mines(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    account: LocalAccount,
    node: Callable[..., Any],
    w3: Web3,
) -> None:
    sender = make_sender()
    before = w3.eth.get_balance(RECIPIENT)
    entry = await sender.submit(TxRequest(RECIPIENT, value=4_321), FEES)
    node("anvil_dropTransaction", entry.tx_hash)
    assert w3.eth.get_transaction_count(account.address, "pending") == entry.nonce  # really gone

    pending = await sender.wait(entry.tx_hash, timeout_s=0.2)  # looks, finds nothing, sends it again
    manual_mining()
    mined = await sender.wait(entry.tx_hash)

    assert pending.status == "sent"
    assert (mined.status, mined.nonce) == ("mined", entry.nonce)
    assert w3.eth.get_balance(RECIPIENT) - before == 4_321


async def test_transaction_unknown_for_n_blocks_is_dropped_and_its_nonce_reused(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    account: LocalAccount,
    ledger: LedgerStore,
    node: Callable[..., Any],
    w3: Web3,
) -> None:
    sender = make_sender(drop_after_blocks=3)
    funds = w3.eth.get_balance(account.address)
    entry = await sender.submit(TxRequest(RECIPIENT, value=1), FEES)
    node("anvil_dropTransaction", entry.tx_hash)
    node("anvil_setBalance", account.address, "0x0")  # a rebroadcast is now refused

    waiting = asyncio.create_task(sender.wait(entry.tx_hash))
    blocks = 0
    while not waiting.done() and blocks < 50:
        await asyncio.sleep(0.1)
        manual_mining()
        blocks += 1
    outcome = await waiting

    assert (outcome.status, outcome.reason) == ("dropped", "unknown to the node for 3 blocks")
    row = await ledger.get(entry.tx_hash)
    assert row is not None
    assert row.status == "dropped"
    node("anvil_setBalance", account.address, hex(funds))
    assert await sender.nonces.resync(account.address) == entry.nonce  # the nonce is free again
