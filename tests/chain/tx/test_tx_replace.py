"""A stuck transaction (automine off) is sped up or cancelled on the same nonce with fees +12.5 %."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import TransactionNotFound

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.core.errors import InputError
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
BUMPED = Fees(max_fee_per_gas=22_500_000_000, max_priority_fee_per_gas=2_250_000_000)
RECIPIENT = dev_account(9).address


async def test_stuck_transaction_sped_up_mines_the_replacement_and_marks_the_original_replaced(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    account: LocalAccount,
    ledger: LedgerStore,
    w3: Web3,
) -> None:
    sender = make_sender()
    start = w3.eth.get_transaction_count(account.address)
    before = w3.eth.get_balance(RECIPIENT)
    stuck = await sender.submit(TxRequest(RECIPIENT, value=12_345), FEES)
    waited = await sender.wait(stuck.tx_hash, timeout_s=0.3)
    assert waited.status == "sent"  # no block: still pending at the timeout

    fast = await sender.speed_up(stuck.tx_hash)
    assert (fast.nonce, fast.replaces) == (stuck.nonce, stuck.tx_hash)
    assert (fast.max_fee_per_gas, fast.max_priority_fee_per_gas) == (
        BUMPED.max_fee_per_gas,
        BUMPED.max_priority_fee_per_gas,
    )
    manual_mining()
    mined = await sender.wait(fast.tx_hash)
    original = await sender.wait(stuck.tx_hash)

    assert mined.status == "mined"
    assert (original.status, original.replaced_by) == ("replaced", fast.tx_hash)
    row = await ledger.get(stuck.tx_hash)
    assert row is not None
    assert (row.status, row.block_number) == ("replaced", mined.block_number)
    block = w3.eth.get_block(mined.block_number or 0)
    assert [h.to_0x_hex() for h in block["transactions"]] == [fast.tx_hash]  # type: ignore[union-attr]
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction(stuck.tx_hash)  # type: ignore[arg-type]
    assert w3.eth.get_balance(RECIPIENT) - before == 12_345  # paid once
    assert w3.eth.get_transaction_count(account.address) == start + 1
    tx = w3.eth.get_transaction(fast.tx_hash)  # type: ignore[arg-type]
    assert (tx["maxFeePerGas"], tx["maxPriorityFeePerGas"]) == (22_500_000_000, 2_250_000_000)


async def test_cancel_takes_the_nonce_back_with_a_zero_value_self_transfer(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    account: LocalAccount,
    w3: Web3,
) -> None:
    sender = make_sender()
    before = w3.eth.get_balance(RECIPIENT)
    sender_before = w3.eth.get_balance(account.address)
    stuck = await sender.submit(TxRequest(RECIPIENT, value=10**18), FEES)

    cancel = await sender.cancel(stuck.tx_hash)
    manual_mining()
    done = await sender.wait(cancel.tx_hash)
    original = await sender.wait(stuck.tx_hash)

    assert (done.status, original.status, original.replaced_by) == ("mined", "replaced", cancel.tx_hash)
    tx = w3.eth.get_transaction(cancel.tx_hash)  # type: ignore[arg-type]
    assert (tx["to"], tx["value"], tx["nonce"], tx["gas"]) == (account.address, 0, stuck.nonce, 21_000)
    assert w3.eth.get_balance(RECIPIENT) == before  # the 1 ETH never moved
    assert done.gas_used == 21_000
    assert sender_before - w3.eth.get_balance(account.address) == 21_000 * done.effective_gas_price


async def test_speed_up_twice_raises_fees_on_the_latest_replacement(
    make_sender: SenderFactory, manual_mining: Callable[[], None], w3: Web3
) -> None:
    sender = make_sender()
    stuck = await sender.submit(TxRequest(RECIPIENT, value=1), FEES)
    first = await sender.speed_up(stuck.tx_hash)
    second = await sender.speed_up(first.tx_hash, Fees(30 * 10**9, 2 * 10**9))
    manual_mining()

    outcomes = [await sender.wait(h) for h in (second.tx_hash, first.tx_hash, stuck.tx_hash)]

    assert (second.max_fee_per_gas, second.max_priority_fee_per_gas) == (30 * 10**9, 2_531_250_000)
    assert [o.status for o in outcomes] == ["mined", "replaced", "replaced"]
    assert {o.replaced_by for o in outcomes[1:]} == {second.tx_hash}


async def test_a_mined_transaction_cannot_be_sped_up(make_sender: SenderFactory) -> None:
    sender = make_sender()
    done = await sender.send(TxRequest(RECIPIENT, value=1), FEES)
    with pytest.raises(InputError, match="is already mined; nothing to replace"):
        await sender.speed_up(done.tx_hash)
