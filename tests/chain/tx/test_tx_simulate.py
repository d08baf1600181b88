"""Simulation before signing, revert reasons (custom errors and strings), and exact approvals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from dexbot.chain.abi import address_word, selector, uint_word
from dexbot.chain.approvals import MAX_UINT256, allowance, allowances, approve_exact, revoke
from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.core.errors import SimulationRevert
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
TRANSFER = selector("transfer(address,uint256)")
SPENDER = dev_account(11).address


def transfer(to: str, amount: int) -> bytes:
    return TRANSFER + address_word(to) + uint_word(amount)


async def test_transfer_beyond_balance_fails_simulation_with_the_decoded_custom_error(
    make_sender: SenderFactory, chain: Devnet, account: LocalAccount, ledger: LedgerStore, w3: Web3
) -> None:
    sender = make_sender()
    start = w3.eth.get_transaction_count(account.address)
    usdc = chain.deployment.usdc

    with pytest.raises(SimulationRevert) as caught:
        await sender.send(TxRequest(usdc, transfer(SPENDER, 10**6), purpose="pay"), FEES)

    reason = f"ERC20InsufficientBalance(sender={account.address}, balance=0, needed=1000000)"
    assert caught.value.reason == reason
    assert str(caught.value) == f"simulation of pay to {usdc} reverted: {reason}"
    assert caught.value.data[:4] == bytes.fromhex("e450d38c")
    assert await ledger.pending(chain.chain_id) == []  # nothing signed, nothing recorded
    assert w3.eth.get_transaction_count(account.address) == start


async def test_honeypot_sell_fails_simulation_with_the_tokens_string_reason(
    make_sender: SenderFactory, chain: Devnet, account: LocalAccount, w3: Web3
) -> None:
    token = next(t for t in chain.deployment.tokens if t.kind == "honeypot")
    assert token.v2_pair is not None
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(token.address), abi=load_own("HoneypotToken").abi
    )
    contract.functions.transfer(account.address, 1000).transact({"from": token.owner})  # owner is exempt

    with pytest.raises(SimulationRevert) as caught:  # a transfer into the pair is a sell
        await make_sender().send(TxRequest(token.address, transfer(token.v2_pair, 1000)), FEES)

    assert caught.value.reason == "HP: trading not enabled"


async def test_reverted_on_chain_reports_the_decoded_reason_from_the_transactions_trace(
    make_sender: SenderFactory, chain: Devnet, account: LocalAccount, ledger: LedgerStore
) -> None:
    req = TxRequest(chain.deployment.usdc, transfer(SPENDER, 5), gas=100_000, purpose="blind")

    outcome = await make_sender().send(req, FEES, simulate=False)

    reason = f"ERC20InsufficientBalance(sender={account.address}, balance=0, needed=5)"
    assert (outcome.status, outcome.reason) == ("reverted", reason)
    assert 21_000 < outcome.gas_used < 100_000
    row = await ledger.get(outcome.tx_hash)
    assert row is not None
    assert (row.status, row.error, row.block_number) == ("reverted", reason, outcome.block_number)


async def test_approve_exact_approves_the_amount_once_and_revoke_zeroes_it(
    make_sender: SenderFactory, client: RpcClient, chain: Devnet, account: LocalAccount
) -> None:
    sender = make_sender()
    usdc, weth = chain.deployment.usdc, chain.deployment.weth

    first = await approve_exact(sender, usdc, SPENDER, 2_500_000, FEES)
    again = await approve_exact(sender, usdc, SPENDER, 2_000_000, FEES)  # covered: nothing sent
    exact = await allowance(sender.client, usdc, account.address, SPENDER)
    raised = await approve_exact(sender, weth, SPENDER, 1, FEES, unlimited=True)
    listed = await allowances(client, account.address, [usdc, weth], [SPENDER, chain.deployment.v2_router])
    revoked = await revoke(sender, usdc, SPENDER, FEES)
    after = await allowances(client, account.address, [usdc, weth], [SPENDER])

    assert first is not None
    assert first.status == "mined"
    assert again is None
    assert exact == 2_500_000
    assert raised is not None
    assert raised.status == "mined"
    assert [(a.token, a.spender, a.amount, a.unlimited) for a in listed] == [
        (usdc, SPENDER, 2_500_000, False),
        (weth, SPENDER, MAX_UINT256, True),
    ]
    assert revoked.status == "mined"
    assert [(a.token, a.amount) for a in after] == [(weth, MAX_UINT256)]
