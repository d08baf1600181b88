"""The reason a mined transaction reverted comes from its own trace, which ran on the state at its
position in the block; a node that cannot trace gets a replay at block − 1, labelled as one, and is
not asked to trace again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from dexbot.chain.abi import address_word, selector, uint_word
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
FAST = {"maxFeePerGas": 50 * 10**9, "maxPriorityFeePerGas": 10 * 10**9}  # mined first in the block
SPENDER = dev_account(15)  # allowed to pull our tokens: it front-runs our transfer in the same block
RECIPIENT = dev_account(16).address
USDC = 10**6


def call(signature: str, *words: bytes) -> bytes:
    return selector(signature) + b"".join(words)


def transfer(to: str, amount: int) -> bytes:
    return call("transfer(address,uint256)", address_word(to), uint_word(amount))


class NoTraceClient:
    """The devnet's client, but a node without ``debug_*`` methods; counts the traces asked for."""

    def __init__(self, inner: RpcClient) -> None:
        self.inner = inner
        self.chain_id = inner.chain_id
        self.traces = 0

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "debug_traceTransaction":
            self.traces += 1
            raise RpcError(method, {"code": -32601, "message": "Method not found"})
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return await self.inner.batch(calls)

    async def send_raw(self, raw_tx: str) -> str:
        return await self.inner.send_raw(raw_tx)


async def front_run_transfer(
    sender: Sender, chain: Devnet, w3: Web3, mine: Callable[[], None], account: LocalAccount
) -> tuple[str, int]:
    """We hold 10 USDC and send a transfer of all 10 (its simulation passes); in the same block, mined
    before it, SPENDER pulls 6 of them with our allowance. Returns our transaction and its block."""
    usdc, owner = chain.deployment.usdc, chain.deployment.deployer
    w3.eth.send_transaction(
        {"from": owner, "to": usdc, "data": "0x" + transfer(account.address, 10 * USDC).hex()}
    )
    approve = call("approve(address,uint256)", address_word(SPENDER.address), uint_word(6 * USDC))
    await sender.submit(TxRequest(usdc, approve, purpose="approve"), FEES)
    mine()
    entry = await sender.submit(TxRequest(usdc, transfer(RECIPIENT, 10 * USDC), purpose="pay"), FEES)
    pull = call(
        "transferFrom(address,address,uint256)",
        address_word(account.address),
        address_word(SPENDER.address),
        uint_word(6 * USDC),
    )
    pulled = w3.eth.send_transaction({"from": SPENDER.address, "to": usdc, "data": "0x" + pull.hex(), **FAST})  # type: ignore[arg-type]
    mine()
    receipt = w3.eth.get_transaction_receipt(entry.tx_hash)  # type: ignore[arg-type]
    block = w3.eth.get_block(receipt["blockNumber"])
    assert [h.to_0x_hex() for h in block["transactions"]] == [pulled.to_0x_hex(), entry.tx_hash]  # type: ignore[union-attr]
    return entry.tx_hash, receipt["blockNumber"]


async def replay_before(client: RpcClient, account: LocalAccount, usdc: str, block: int) -> str:
    """Our transfer replayed on the state before its block (what the old reason finder did)."""
    params = TxRequest(usdc, transfer(RECIPIENT, 10 * USDC)).call_params(account.address)
    return str(await client.request("eth_call", [params, hex(block - 1)]))


async def test_a_transfer_front_run_in_its_block_reports_the_revert_it_really_hit(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    chain: Devnet,
    account: LocalAccount,
    client: RpcClient,
    ledger: LedgerStore,
    w3: Web3,
) -> None:
    sender = make_sender()
    tx_hash, block = await front_run_transfer(sender, chain, w3, manual_mining, account)

    outcome = await sender.wait(tx_hash)

    reason = f"ERC20InsufficientBalance(sender={account.address}, balance=4000000, needed=10000000)"
    assert (outcome.status, outcome.block_number, outcome.reason) == ("reverted", block, reason)
    row = await ledger.get(tx_hash)
    assert row is not None
    assert (row.status, row.error) == ("reverted", reason)
    assert sender.tracker.explainer.can_trace is True
    # The proof that a replay at block − 1 could not have found it: there, the transfer succeeds.
    assert int(await replay_before(client, account, chain.deployment.usdc, block), 16) == 1


async def test_without_tracing_the_reason_is_a_labelled_replay_and_tracing_is_not_asked_again(
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    chain: Devnet,
    account: LocalAccount,
    client: RpcClient,
    w3: Web3,
) -> None:
    no_trace = NoTraceClient(client)
    sender = make_sender(client=no_trace)
    tx_hash, block = await front_run_transfer(sender, chain, w3, manual_mining, account)

    front_run = await sender.wait(tx_hash)
    # Now only 4 USDC are left: a transfer of 5 reverts on every state, so the replay finds the reason.
    blind = TxRequest(chain.deployment.usdc, transfer(RECIPIENT, 5 * USDC), gas=100_000, purpose="blind")
    entry = await sender.submit(blind, FEES, simulate=False)
    manual_mining()
    plain = await sender.wait(entry.tx_hash)

    assert front_run.status == "reverted"
    assert front_run.reason == (
        "reverted on chain for a reason the node did not give: it has no trace of the transaction and "
        f"the call replayed at block {block - 1} does not revert (a transaction before it in block "
        f"{block} may have changed the state it depends on)"
    )
    needed = f"ERC20InsufficientBalance(sender={account.address}, balance=4000000, needed=5000000)"
    assert plain.status == "reverted"
    assert plain.reason == (
        f"{needed} (from a replay of the call at block {block}, not a trace of the transaction)"
    )
    assert no_trace.traces == 1  # asked once, told "method not found", never again
    assert sender.tracker.explainer.can_trace is False
