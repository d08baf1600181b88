"""A reorg that shortens the chain between two reads of one look at a nonce is no verdict: the look
says "look again" instead of failing, and the transaction is followed to its receipt afterwards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from web3 import Web3

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.receipts import ReceiptTracker
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
FEES = Fees(max_fee_per_gas=20 * 10**9, max_priority_fee_per_gas=2 * 10**9)
RECIPIENT = dev_account(14).address


class RollsBackAfterHead:
    """The real client, except that right after its first answer to eth_blockNumber the real node is
    rolled back to ``snapshot`` (a shorter chain), as a reorg does between two reads."""

    def __init__(self, client: RpcClient, node: Callable[..., Any], snapshot: str) -> None:
        self.client, self.node, self.snapshot = client, node, snapshot
        self.rolled_back = False

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        answer = await self.client.request(method, params)
        if method == "eth_blockNumber" and not self.rolled_back:
            self.node("evm_revert", self.snapshot)
            self.rolled_back = True
        return answer

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        return await self.client.batch(calls)

    async def send_raw(self, raw_tx: str) -> str:
        return await self.client.send_raw(raw_tx)


async def test_a_reorg_shortening_the_chain_mid_look_is_looked_at_again(
    chain: Devnet,
    client: RpcClient,
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    ledger: LedgerStore,
    node: Callable[..., Any],
    w3: Web3,
) -> None:
    snapshot = node("evm_snapshot")
    manual_mining()
    manual_mining()  # the head the look reads first; the rollback takes these two blocks away
    sender = make_sender()
    entry = await sender.submit(TxRequest(RECIPIENT, value=777), FEES)
    shaky = RollsBackAfterHead(client, node, snapshot)
    tracker = ReceiptTracker(shaky, ledger, chain.chain_id, poll_s=0.05)

    look = await tracker.settle([entry], rebroadcast=True, drop_on_reject=False)

    assert shaky.rolled_back  # the count was asked at a block the chain no longer has
    assert (look.outcomes, look.known) == (None, True)
    row = await ledger.get(entry.tx_hash)
    assert row is not None
    assert row.status == "sent"  # nothing concluded from the vanished block
    before = w3.eth.get_balance(RECIPIENT)
    node("anvil_dropAllTransactions")  # the pool outlives the revert on anvil; a reorg's may not
    pending = await tracker.settle([entry], rebroadcast=True, drop_on_reject=False)
    manual_mining()
    mined = await tracker.wait(entry.tx_hash, timeout_s=30.0)
    assert pending.known  # sent again, same bytes
    assert (mined.status, mined.nonce) == ("mined", entry.nonce)
    assert w3.eth.get_balance(RECIPIENT) - before == 777


class RollsBackThenRegrows(RollsBackAfterHead):
    """As ``RollsBackAfterHead``, and once the look's batch has failed on the vanished block, the node
    mines as many new blocks: the chain is as long as before when the look asks again (a reorg unwinds,
    then mines its replacement blocks; the engine's stress loop met it as 'block height is 3 but requested
    was 4')."""

    def __init__(self, client: RpcClient, node: Callable[..., Any], snapshot: str, blocks: int) -> None:
        super().__init__(client, node, snapshot)
        self.blocks, self.regrown = blocks, False

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        answers = await self.client.batch(calls)
        if self.rolled_back and not self.regrown:
            for _ in range(self.blocks):
                self.node("evm_mine")
            self.regrown = True
        return answers


async def test_a_reorg_that_regrew_the_chain_before_the_look_asked_again_is_no_verdict_either(
    chain: Devnet,
    client: RpcClient,
    make_sender: SenderFactory,
    manual_mining: Callable[[], None],
    ledger: LedgerStore,
    node: Callable[..., Any],
) -> None:
    snapshot = node("evm_snapshot")
    manual_mining()
    manual_mining()
    sender = make_sender()
    entry = await sender.submit(TxRequest(RECIPIENT, value=777), FEES)
    shaky = RollsBackThenRegrows(client, node, snapshot, blocks=3)
    tracker = ReceiptTracker(shaky, ledger, chain.chain_id, poll_s=0.05)

    look = await tracker.settle([entry], rebroadcast=True, drop_on_reject=False)

    assert shaky.rolled_back  # the count was asked at a block the chain no longer had
    assert shaky.regrown  # and the chain was as long again when the look asked after it
    assert (look.outcomes, look.known) == (None, True)
    row = await ledger.get(entry.tx_hash)
    assert row is not None
    assert row.status == "sent"
