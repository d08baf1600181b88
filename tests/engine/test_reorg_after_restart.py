"""A fill booked before a restart whose block a reorg replaces after it: the restarted engine takes it back
all the same, from the trade row's block hash and ``undo`` (Portfolio.resume_journal), as exactly as the
run that booked it would have. Paper: the fill is dropped, the cash back. Live: the buy is sent again and
booked from the receipt of the block it lands in; the books equal the wallet to the wei.

A reorg while the bot is stopped shows no Reorg to the restarted engine (its watcher starts on the new
chain): the fill's block hash, which is no longer the chain's at its height, is what tells."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.events import ThoughtRecorded, TradeFilled, TradesTakenBack
from dexbot.engine.drills.rig import Node, Rig, spec
from dexbot.store import repo
from dexbot.store.models import Trade


def _said(text: str):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, ThoughtRecorded) and text in e.reasoning


async def _bought(node: Node, tmp_path: Path, mode: str, symbol: str) -> tuple[DevToken, Trade, int]:
    """A first run buys a launch and handles the buy's block, then stops: the token, the buy's trade row
    and the cash before the buy."""
    async with Rig(node, tmp_path, mode=mode, endpoints=1) as rig:
        (tok,) = await rig.launch(spec(symbol))
        await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == symbol, "the buy booked")
        (first,) = await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address)
        await rig.block(first.block_number)
        return tok, first, rig.svc.portfolio.cash + first.amount_in + first.gas_cost


async def _taken_back(rig: Rig, tok: DevToken, first: Trade, mode: str, cash_before_buy: int) -> None:
    """The buy is out of the books. Paper: nothing more, the cash back. Live: it was sent again and is
    booked from the receipt of the block it landed in; the books equal the wallet to the wei."""
    pf = rig.svc.portfolio

    async def rows() -> list[tuple[str, str, int]]:
        got = await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address)
        return [(t.status, t.tx_hash, t.block_number) for t in sorted(got, key=lambda t: t.id or 0)]

    if mode == "paper":
        assert await rows() == [("reorged", first.tx_hash, first.block_number)]
        assert (pf.open_positions(), pf.cash) == ([], cash_before_buy)
        (pos,) = await asyncio.to_thread(repo.list_positions, rig.svc.db)
        assert (pos.status, pos.exit_reason, pos.size) == ("closed", "reorged", 0)
        return
    live = rig.svc.live
    assert live is not None
    await rig.until(_said("a reorg took its block away"), "the buy booked again from its new receipt")
    receipt = await rig.dev.call("eth_getTransactionReceipt", first.tx_hash)
    landed = int(receipt["blockNumber"], 16)
    assert landed > first.block_number
    assert await rows() == [
        ("reorged", first.tx_hash, first.block_number),
        ("filled", first.tx_hash, landed),
    ]
    now = int(await rig.dev.call("eth_blockNumber"), 16)
    (pos,) = pf.open_positions()
    assert pos.size == await token_balance(rig.svc.rt.client, tok.address, live.address, now)
    assert pf.cash == await eth_balance(rig.svc.rt.client, live.address, now)


@pytest.mark.parametrize("mode", ["paper", "live"])
async def test_a_fill_booked_before_a_restart_is_taken_back_when_a_reorg_replaces_its_block(
    chain: Devnet, genesis_hash: str, tmp_path: Path, mode: str
) -> None:
    node = Node(chain.rpc_url, chain.deployment, genesis_hash)
    tok, first, cash_before_buy = await _bought(node, tmp_path, mode, "RESTART")
    async with DevRpc(chain.rpc_url) as dev:
        block = await dev.call("eth_getBlockByNumber", hex(first.block_number), False)
    assert first.undo is not None
    assert first.block_hash == block["hash"]  # paper: the block it was priced at

    async with Rig(node, tmp_path, mode=mode, endpoints=1) as rig:  # the same store: a restart
        assert [b.trade.id for b in rig.svc.portfolio.journal] == [first.id]  # resumed from the trade row
        head = int(await rig.dev.call("eth_blockNumber"), 16)
        await rig.proxies[0].reorg(head - first.block_number + 1)  # the buy's block and all after it
        await rig.mine(1)
        await rig.until(_said("took 1 booking(s) out of the books"), "the pre-restart fill taken back")
        told = await rig.until(lambda e: isinstance(e, TradesTakenBack), "the lists of fills told")
        assert isinstance(told, TradesTakenBack)
        assert told.trade_ids == (first.id,)
        await _taken_back(rig, tok, first, mode, cash_before_buy)


@pytest.mark.parametrize("mode", ["paper", "live"])
async def test_a_fill_whose_block_a_reorg_replaced_while_the_bot_was_stopped_is_taken_back(
    chain: Devnet, genesis_hash: str, tmp_path: Path, mode: str
) -> None:
    """Live: the start takes the fill back before it adopts the wallet's balance (which no longer paid
    for it), then sends the buy again."""
    node = Node(chain.rpc_url, chain.deployment, genesis_hash)
    tok, first, cash_before_buy = await _bought(node, tmp_path, mode, "STOPPED")
    async with DevRpc(chain.rpc_url) as dev:  # the bot is stopped: the fill's block and all after it go
        head = int(await dev.call("eth_blockNumber"), 16)
        (me, *_) = await dev.call("eth_accounts")
        depth = head - first.block_number + 1
        await dev.call("anvil_reorg", depth, [[{"from": me, "to": me, "value": "0x1"}, 0]])
        now = await dev.call("eth_getBlockByNumber", hex(first.block_number), False)
    assert now["hash"] != first.block_hash

    async with Rig(node, tmp_path, mode=mode, endpoints=1) as rig:  # the same store: a restart
        taken = await rig.until(_said("took 1 booking(s) out of the books"), "the fill taken back at start")
        assert isinstance(taken, ThoughtRecorded)
        assert taken.evidence["trade_ids"] == [first.id]
        await _taken_back(rig, tok, first, mode, cash_before_buy)


async def test_a_live_buy_the_new_chain_carries_in_another_block_is_booked_once_from_it_at_start(
    chain: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    """The reorg while stopped put the buy into another block of the new chain: the start takes the old
    booking back and books it again from the new receipt before it adopts the wallet, so the wallet
    (which paid the buy once) and the books agree to the wei, and nothing is sent again."""
    node = Node(chain.rpc_url, chain.deployment, genesis_hash)
    tok, first, _ = await _bought(node, tmp_path, "live", "CARRIED")
    async with DevRpc(chain.rpc_url) as dev:
        tx = await dev.call("eth_getTransactionByHash", first.tx_hash)
        again = {
            "from": tx["from"], "to": tx["to"], "input": tx["input"], "value": tx["value"],
            "nonce": tx["nonce"], "gas": tx["gas"], "maxFeePerGas": tx["maxFeePerGas"],
            "maxPriorityFeePerGas": tx["maxPriorityFeePerGas"], "chainId": tx["chainId"], "type": "0x2",
        }  # fmt: skip
        (me, *_) = await dev.call("eth_accounts")
        await dev.call("evm_mine")  # a block after the buy's, for the new chain to carry it in
        head = int(await dev.call("eth_blockNumber"), 16)
        depth = head - first.block_number + 1
        await dev.call("anvil_reorg", depth, [[{"from": me, "to": me, "value": "0x1"}, 0], [again, 1]])
        receipt = await dev.call("eth_getTransactionReceipt", first.tx_hash)
    assert receipt is not None, "the new chain carries the same signed buy"
    landed = int(receipt["blockNumber"], 16)
    assert landed == first.block_number + 1

    async with Rig(node, tmp_path, mode="live", endpoints=1) as rig:
        await rig.until(_said("took 1 booking(s) out of the books"), "the fill taken back at start")
        live = rig.svc.live
        assert live is not None
        rows = await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address)
        assert sorted((t.status, t.tx_hash, t.block_number) for t in rows) == [
            ("filled", first.tx_hash, landed),
            ("reorged", first.tx_hash, first.block_number),
        ]
        now = int(await rig.dev.call("eth_blockNumber"), 16)
        (pos,) = rig.svc.portfolio.open_positions()
        assert pos.size == await token_balance(rig.svc.rt.client, tok.address, live.address, now)
        assert rig.svc.portfolio.cash == await eth_balance(rig.svc.rt.client, live.address, now)
        assert not live.rebook.held  # booked from the chain, nothing sent again
