"""Nonces under concurrency: consecutive, gap-free, and a nonce lost before broadcast is reused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.ledger_port import LedgerEntry
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRejected, TxRequest
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
RECIPIENT = dev_account(8).address


def sends(client: RpcClient) -> int:
    return sum(n for (_, cls, _), n in client.stats.by_key.items() if cls == "send")


async def test_twenty_concurrent_sends_use_consecutive_nonces_and_all_mine(
    make_sender: SenderFactory, client: RpcClient, account: LocalAccount, w3: Web3
) -> None:
    sender = make_sender()
    start = w3.eth.get_transaction_count(account.address)
    before = w3.eth.get_balance(RECIPIENT)
    sends_before = sends(client)

    # Identical requests: a nonce handed out twice would sign the same hash twice (refused by the
    # ledger), and every send is counted, so a duplicate cannot hide behind a retry either.
    outcomes = await asyncio.gather(
        *(sender.send(TxRequest(RECIPIENT, value=1_000), FEES) for _ in range(20))
    )

    assert sorted(o.nonce for o in outcomes) == list(range(start, start + 20))
    assert [o.status for o in outcomes] == ["mined"] * 20
    assert sends(client) - sends_before == 20
    assert w3.eth.get_transaction_count(account.address) == start + 20
    assert w3.eth.get_balance(RECIPIENT) - before == 20 * 1_000
    for o in outcomes:
        tx = w3.eth.get_transaction(o.tx_hash)  # type: ignore[arg-type]
        assert (tx["nonce"], tx["from"]) == (o.nonce, account.address)


async def test_released_nonce_below_an_in_flight_one_is_handed_out_again(
    make_sender: SenderFactory, account: LocalAccount, w3: Web3
) -> None:
    nonces = make_sender().nonces
    start = w3.eth.get_transaction_count(account.address)
    first = await nonces.reserve(account.address)
    second = await nonces.reserve(account.address)
    nonces.release(account.address, first)  # its transaction failed before broadcast

    assert (first, second) == (start, start + 1)
    assert await nonces.reserve(account.address) == start
    assert await nonces.reserve(account.address) == start + 2


async def test_rejected_transaction_is_dropped_and_its_nonce_reused(
    make_sender: SenderFactory, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    sender = make_sender()
    start = w3.eth.get_transaction_count(account.address)
    too_much = w3.eth.get_balance(account.address) + 1

    with pytest.raises(TxRejected, match="Insufficient funds for gas \\* price \\+ value"):
        await sender.send(
            TxRequest(RECIPIENT, value=too_much, gas=21_000, purpose="bad"), FEES, simulate=False
        )
    good = await sender.send(TxRequest(RECIPIENT, value=3, gas=21_000), FEES, simulate=False)

    (bad,) = [e for e in await ledger.history(sender=account.address) if e.purpose == "bad"]
    assert (bad.nonce, bad.status) == (start, "dropped")
    assert bad.error == "rejected: Insufficient funds for gas * price + value"
    assert (good.nonce, good.status) == (start, "mined")
    assert w3.eth.get_transaction_count(account.address) == start + 1


async def test_hole_left_by_a_failed_send_is_filled_so_the_queue_behind_it_mines(
    make_sender: SenderFactory, account: LocalAccount, w3: Web3
) -> None:
    sender = make_sender()
    start = w3.eth.get_transaction_count(account.address)
    held = await sender.nonces.reserve(account.address)  # a send that will fail before broadcast
    queued = [
        await sender.submit(TxRequest(RECIPIENT, value=10 + i, gas=21_000), FEES, simulate=False)
        for i in range(4)
    ]
    assert [q.nonce for q in queued] == [start + 1, start + 2, start + 3, start + 4]
    assert w3.eth.get_transaction_count(account.address) == start  # all stuck behind the hole

    sender.nonces.release(account.address, held)
    filler = await sender.send(TxRequest(RECIPIENT, value=99, gas=21_000), FEES, simulate=False)
    waited = [await sender.wait(q.tx_hash) for q in queued]

    assert (held, filler.nonce, filler.status) == (start, start, "mined")
    assert [w.status for w in waited] == ["mined"] * 4
    assert w3.eth.get_transaction_count(account.address) == start + 5


@pytest.mark.parametrize("external", [1, 3])
async def test_nonces_used_by_another_wallet_are_skipped(
    make_sender: SenderFactory, account: LocalAccount, w3: Web3, external: int
) -> None:
    """The same key used elsewhere (another tool): the chain's count moves past what we knew."""
    sender = make_sender()
    await sender.send(TxRequest(RECIPIENT, value=1), FEES)
    start = w3.eth.get_transaction_count(account.address)
    for i in range(external):
        signed = account.sign_transaction(
            {
                "type": 2,
                "chainId": 31337,
                "nonce": start + i,
                "to": RECIPIENT,
                "value": 5,
                "gas": 21_000,
                "maxFeePerGas": FEES.max_fee_per_gas,
                "maxPriorityFeePerGas": FEES.max_priority_fee_per_gas,
            }
        )
        w3.eth.send_raw_transaction(signed.raw_transaction)

    outcome = await sender.send(TxRequest(RECIPIENT, value=2), FEES)

    assert (outcome.nonce, outcome.status) == (start + external, "mined")


async def _settled(ledger: LedgerStore, account: LocalAccount, nonce: int, block: int) -> None:
    """A ledger entry saying ``nonce`` was mined in ``block`` (the bytes are never looked at here)."""
    await ledger.record_signed(
        LedgerEntry(
            31337, account.address, nonce, "0x" + f"{nonce:064x}", "0x02", status="mined", block_number=block
        )
    )


async def test_ledger_nonce_mined_in_a_block_the_node_has_not_reached_is_skipped(
    make_sender: SenderFactory, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    """The node lags behind the block where we saw our transaction land: trust the ledger."""
    start = w3.eth.get_transaction_count(account.address)
    await _settled(ledger, account, start + 2, w3.eth.block_number + 10)

    assert await make_sender().nonces.reserve(account.address) == start + 3


async def test_ledger_nonce_the_chain_has_passed_without_counting_is_ignored(
    make_sender: SenderFactory, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    """The node is past that block yet does not count the nonce: the chain was reset (a fresh devnet)."""
    start = w3.eth.get_transaction_count(account.address)
    await _settled(ledger, account, start + 5, 1)

    assert await make_sender().nonces.reserve(account.address) == start
