"""A crash at any point of a send neither loses nor duplicates the transaction: a new Sender's
``reconcile`` on the same ledger finds it on chain, or broadcasts the recorded bytes exactly once."""

from __future__ import annotations

from collections.abc import Callable

from eth_account.signers.local import LocalAccount
from web3 import Web3

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.ledger_port import LedgerEntry
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
RECIPIENT = dev_account(10).address


def sends(client: RpcClient) -> int:
    """eth_sendRawTransaction calls this client has made (every endpoint, every outcome)."""
    return sum(n for (_, cls, _), n in client.stats.by_key.items() if cls == "send")


async def signed_not_sent(sender: Sender, value: int) -> LedgerEntry:
    """What a crash right after the ledger write leaves: a signed entry never broadcast."""
    nonce = await sender.nonces.reserve(sender.address)
    entry = sender.sign(sender.build(TxRequest(RECIPIENT, value=value), FEES, nonce=nonce, gas=21_000))
    await sender.ledger.record_signed(entry)
    return entry


async def test_crash_between_sign_and_send_is_broadcast_once_on_restart(
    make_sender: SenderFactory, client: RpcClient, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    start = w3.eth.get_transaction_count(account.address)
    before = w3.eth.get_balance(RECIPIENT)
    entry = await signed_not_sent(make_sender(), 777)
    assert w3.eth.get_transaction_count(account.address) == start  # nothing reached the chain

    restarted = make_sender()
    sent_before = sends(client)
    first = await restarted.reconcile()
    mined = await restarted.wait(entry.tx_hash)
    second = await make_sender().reconcile()  # and again after another restart: nothing left to do

    assert [(o.tx_hash, o.status) for o in first] == [(entry.tx_hash, "sent")]
    assert (mined.status, mined.nonce) == ("mined", start)
    assert second == []
    assert sends(client) - sent_before == 1
    assert w3.eth.get_transaction_count(account.address) == start + 1
    assert w3.eth.get_balance(RECIPIENT) - before == 777  # moved once
    row = await ledger.get(entry.tx_hash)
    assert row is not None
    assert (row.status, row.block_number) == ("mined", mined.block_number)


async def test_crash_after_send_before_receipt_is_marked_mined_without_resending(
    make_sender: SenderFactory, client: RpcClient, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    start = w3.eth.get_transaction_count(account.address)
    before = w3.eth.get_balance(RECIPIENT)
    crashed = make_sender()
    sent_entry = await crashed.submit(TxRequest(RECIPIENT, value=5), FEES)  # marked sent, mined at once
    half_entry = await signed_not_sent(crashed, 6)
    await client.send_raw(half_entry.raw_tx)  # broadcast, then the crash before marking it sent

    sent_before = sends(client)
    outcomes = await make_sender().reconcile()

    assert sends(client) == sent_before  # found on chain: nothing sent again
    assert [(o.tx_hash, o.status, o.nonce) for o in outcomes] == [
        (sent_entry.tx_hash, "mined", start),
        (half_entry.tx_hash, "mined", start + 1),
    ]
    assert w3.eth.get_balance(RECIPIENT) - before == 11
    for entry in (sent_entry, half_entry):
        row = await ledger.get(entry.tx_hash)
        assert row is not None
        assert row.status == "mined"


async def test_broadcast_but_unmined_at_restart_is_left_pending_not_resent(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    client: RpcClient,
    ledger: LedgerStore,
) -> None:
    crashed = make_sender()
    entry = await signed_not_sent(crashed, 8)
    await client.send_raw(entry.raw_tx)

    sent_before = sends(client)
    outcomes = await make_sender().reconcile()
    row = await ledger.get(entry.tx_hash)
    manual_mining()
    mined = await make_sender().wait(entry.tx_hash)

    assert [o.status for o in outcomes] == ["sent"]
    assert row is not None
    assert row.status == "sent"  # known to the node's pool: recorded as sent, not re-broadcast
    assert sends(client) == sent_before
    assert mined.status == "mined"


async def test_signed_entry_whose_nonce_went_to_another_transaction_is_dropped(
    make_sender: SenderFactory, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    """The crash left a signed entry, then the same key was used elsewhere on the same nonce."""
    before = w3.eth.get_balance(RECIPIENT)
    entry = await signed_not_sent(make_sender(), 900)
    other = account.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": entry.nonce,
            "to": RECIPIENT,
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": FEES.max_fee_per_gas,
            "maxPriorityFeePerGas": FEES.max_priority_fee_per_gas,
        }
    )
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(other.raw_transaction))

    (outcome,) = await make_sender().reconcile()

    assert outcome.status == "dropped"
    assert outcome.reason == f"nonce {entry.nonce} was used by a transaction that is not in the ledger"
    assert w3.eth.get_balance(RECIPIENT) - before == 1  # the recorded 900 wei never moved
    row = await ledger.get(entry.tx_hash)
    assert row is not None
    assert row.status == "dropped"
