"""The drill of a fill whose block a reorg takes away (engine/reorged.py): the engine books a buy in
block N, then the node reorganises N away (anvil_reorg drops its transactions).

Paper: the fill is dropped (its trade row marked "reorged", its position closed as "reorged", the cash
back). Live: the transaction is not in the new chain, so its signed bytes go out again; it lands in a
later block and is booked from that receipt; the books end equal to the wallet to the wei, with one
swap on chain and one filled trade naming it."""

from __future__ import annotations

import asyncio

from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.events import ThoughtRecorded, TradeFilled
from dexbot.engine.drills.rig import DrillFailed, Rig, spec
from dexbot.store import repo
from dexbot.store.models import Trade


def _cash(start: int, trades: list[Trade]) -> int:
    """What the cash must be after ``trades`` (those still booked) from ``start``."""
    cash = start
    for t in trades:
        if t.status == "reorged":
            continue
        if t.status != "filled":
            cash -= t.gas_cost
        elif t.side == "buy":
            cash -= t.amount_in + t.gas_cost
        else:
            cash += t.amount_out - t.gas_cost
    return cash


async def reorged_fill(rig: Rig) -> str:
    (tok,) = await rig.launch(spec("REORG"))
    await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == "REORG", "the buy booked")
    db = rig.svc.db
    (first,) = await asyncio.to_thread(repo.list_trades, db, token=tok.address)
    await rig.block(first.block_number)  # the engine has read block N: the reorg replaces a block it saw
    head = int(await rig.dev.call("eth_blockNumber"), 16)
    await rig.proxies[0].reorg(head - first.block_number + 1)  # block N and all after it
    await rig.mine(1)
    taken = await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and "took 1 booking(s) out of the books" in e.reasoning,
        "the fill taken out of the books",
    )
    assert isinstance(taken, ThoughtRecorded)
    live = rig.svc.live
    if live is not None:
        await rig.until(
            lambda e: isinstance(e, ThoughtRecorded) and "a reorg took its block away" in e.reasoning,
            "the buy booked again from its new receipt",
        )
    rows = sorted(await asyncio.to_thread(repo.list_trades, db, token=tok.address), key=lambda t: t.id or 0)
    pf = rig.svc.portfolio
    expected_cash = _cash(pf.account.starting_balance, await asyncio.to_thread(repo.list_trades, db))
    statuses = [(t.status, t.tx_hash == first.tx_hash, t.block_number) for t in rows]
    if live is None:
        positions = await asyncio.to_thread(repo.list_positions, db, limit=10_000)
        pos = next((p for p in positions if p.id == first.position_id), None)
        ok = rows[0].status == "reorged" and pos is not None and pos.exit_reason == "reorged"
        ok = ok and pf.cash == expected_cash
        observed = (
            f"paper buy of block {first.block_number} dropped (trade {rows[0].status}, position "
            f"{pos.exit_reason if pos else '?'}); cash {pf.cash} == booked trades' {expected_cash}: "
            f"{pf.cash == expected_cash}"
        )
    else:
        block = int(await rig.dev.call("eth_blockNumber"), 16)
        wallet = await eth_balance(rig.svc.rt.client, live.address, block)
        held = sum(p.size for p in pf.open_positions() if p.token == tok.address)
        on_chain = await token_balance(rig.svc.rt.client, tok.address, live.address, block)
        receipt = await rig.dev.call("eth_getTransactionReceipt", first.tx_hash)
        again = int(receipt["blockNumber"], 16) if isinstance(receipt, dict) else -1
        n = first.block_number
        ok = statuses[:2] == [("reorged", True, n), ("filled", True, again)] and again > n
        ok = ok and held == on_chain and pf.cash == wallet == expected_cash
        observed = (
            f"buy of block {first.block_number} taken back, sent again, landed in {again} and booked "
            f"again ({[s for s, _, _ in statuses]}); DB {held} == chain {on_chain} tokens, cash == "
            f"wallet: {pf.cash == wallet}"
        )
    if not ok:
        raise DrillFailed(observed + f" — rows {statuses}")
    return observed
