"""A live fill whose block a reorg replaces before the engine's watcher ever read it: no Reorg is seen
(the watcher never had the old block), yet the fill must come out of the books all the same, because
its receipt's block hash is not the chain's at that height (reorged.py ``ReorgDesk.replaced``). The
reorg the watcher does see is the reorged_fill drill (tests/engine/test_engine_faults.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dexbot.chain.devnet import Devnet, launch_tokens
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.events import ThoughtRecorded, TradeFilled
from dexbot.engine.drills.rig import Node, Rig, spec
from dexbot.store import repo

from .conftest import Sends


def _said(text: str):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, ThoughtRecorded) and text in e.reasoning


async def test_a_live_fill_from_a_block_the_engine_never_read_is_taken_back_when_that_block_is_replaced(
    chain: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    node = Node(chain.rpc_url, chain.deployment, genesis_hash)
    async with Rig(node, tmp_path, mode="live", endpoints=1) as rig:
        live = rig.svc.live
        assert live is not None
        assert rig._task is not None
        sends = Sends(live.runner)
        proxy = rig.proxies[0]
        await rig.dev.call("evm_setAutomine", False)
        try:
            (tok,) = await launch_tokens(rig.dev, chain.deployment, [spec("UNSEEN")], mine=True)
            sent = await sends.next(rig._task)  # the engine read the launch block and sent its buy
            proxy.inject(Fault("lag", frozenset({"eth_getBlockByNumber"}), blocks=1))
            await rig.mine(1)  # the buy lands in block N; the engine's watcher still sees N - 1
        finally:
            await rig.dev.call("evm_setAutomine", True)
        await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == "UNSEEN", "the buy booked")
        (first,) = await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address)
        assert first.tx_hash == sent
        assert rig.svc.watcher.hash_of(first.block_number) is None  # never read by the engine

        await proxy.reorg(1)  # block N replaced: the buy is in no block now
        proxy.clear()
        await rig.mine(1)
        await rig.until(_said("took 1 booking(s) out of the books"), "the fill taken out of the books")
        await rig.until(_said("a reorg took its block away"), "the buy booked again from its new receipt")

        head = int(await rig.dev.call("eth_blockNumber"), 16)
        receipt = await rig.dev.call("eth_getTransactionReceipt", sent)
        rows = sorted(
            await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address), key=lambda t: t.id or 0
        )
        assert [(t.status, t.tx_hash, t.block_number) for t in rows] == [
            ("reorged", sent, first.block_number),
            ("filled", sent, int(receipt["blockNumber"], 16)),
        ]
        assert int(receipt["blockNumber"], 16) > first.block_number
        assert not [e for e in rig.events if _said("Chain reorganised")(e)]  # the watcher saw no reorg
        pf = rig.svc.portfolio
        (pos,) = pf.open_positions()
        assert pos.size == await token_balance(rig.svc.rt.client, tok.address, live.address, head)
        assert pf.cash == await eth_balance(rig.svc.rt.client, live.address, head)


async def test_a_live_fill_whose_transaction_the_reorg_moves_to_a_later_block_is_booked_there(
    chain: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    """The new chain has the buy, one block later: no resend, no hold; it is booked again from the receipt
    it has there (its block, its amounts, its gas), and the books equal the wallet."""
    node = Node(chain.rpc_url, chain.deployment, genesis_hash)
    async with Rig(node, tmp_path, mode="live", endpoints=1) as rig:
        live = rig.svc.live
        assert live is not None
        (tok,) = await rig.launch(spec("MOVED"))
        await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == "MOVED", "the buy booked")
        (first,) = await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address)
        await rig.block(first.block_number)
        head = await rig.mine(1)
        await rig.block(head)
        raw = await rig.dev.call("eth_getRawTransactionByHash", first.tx_hash)
        me = (await rig.dev.call("eth_accounts"))[0]
        nudge = {"from": me, "to": me, "value": "0x1"}  # so the replacement blocks hash differently
        await rig.dev.call("anvil_reorg", head - first.block_number + 1, [[nudge, 0], [raw, 1]])
        await rig.mine(1)
        await rig.until(_said("took 1 booking(s) out of the books"), "the fill taken out of the books")
        await rig.until(_said("a reorg took its block away"), "the buy booked again from its new receipt")

        receipt = await rig.dev.call("eth_getTransactionReceipt", first.tx_hash)
        moved_to = int(receipt["blockNumber"], 16)
        rows = sorted(
            await asyncio.to_thread(repo.list_trades, rig.svc.db, token=tok.address), key=lambda t: t.id or 0
        )
        assert moved_to == first.block_number + 1
        assert [(t.status, t.tx_hash, t.block_number) for t in rows] == [
            ("reorged", first.tx_hash, first.block_number),
            ("filled", first.tx_hash, moved_to),
        ]
        assert rows[1].gas_cost == int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
        assert not [e for e in rig.events if _said("is not in the chain after the reorg")(e)]  # no resend
        now = int(await rig.dev.call("eth_blockNumber"), 16)
        pf = rig.svc.portfolio
        (pos,) = pf.open_positions()
        assert pos.size == await token_balance(rig.svc.rt.client, tok.address, live.address, now)
        assert pf.cash == await eth_balance(rig.svc.rt.client, live.address, now)
