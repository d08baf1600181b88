"""Keeping the live account equal to the wallet: gas paid for trades that did not happen, positions
reconciled with the token balance after every trade (the chain wins), and the wallet's ETH adopted as
the cash at start.

Each change is one database transaction written before the in-memory state moves on, and each
correction the chain forces writes a thought, so the store never quietly disagrees with the wallet."""

from __future__ import annotations

import asyncio

from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import token_balance
from dexbot.core.units import fmt_units
from dexbot.engine.execution.live.tx import Bill
from dexbot.engine.execution.types import Market
from dexbot.engine.portfolio import Portfolio, undo
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.models import Position, Trade, utcnow


async def record_failed(
    pf: Portfolio,
    *,
    side: str,
    m: Market,
    amount_in: int,
    quoted_out: int,
    bill: Bill,
    status: str,
    tx_hash: str,
    block: int,
    reason: str,
) -> Trade | None:
    """A trade that did not happen but paid gas (a reverted swap, an approval before a failed swap, a
    cancel): the cash drops by that gas and a trade row with the status and nothing swapped records
    why, together. Nothing is written when no gas was paid."""
    if bill.gas_cost == 0:
        return None
    pos = pf.position_for(m.token) if side == "sell" else None
    buy = side == "buy"
    paid = bill.parts.get(bill.last_hash)  # the newest receipt's block: the booking's
    trade = Trade(
        instance=pf.account.instance,
        account_id=pf.account.id or 0,
        position_id=pos.id if pos is not None else None,
        mode=pf.mode,
        side=side,
        status=status,
        token=m.token,
        pool=m.pool,
        dex=m.dex,
        token_in="WETH" if buy else m.token,
        token_out=m.token if buy else "WETH",
        amount_in=amount_in,
        amount_out=0,
        quoted_out=quoted_out,
        gas_used=bill.gas_used,
        gas_cost=bill.gas_cost,
        l1_fee=bill.l1_fee,
        block_number=block,
        block_hash=paid.block_hash if paid is not None else "",
        tx_hash=tx_hash,
        reason=reason[:64],
        undo=undo(None, -bill.gas_cost, 0, position=False),
    )
    pf.account.balance -= bill.gas_cost
    try:
        await asyncio.to_thread(repo.save_all, pf.db, [pf.account, trade])
    except BaseException:
        pf.account.balance += bill.gas_cost
        raise
    pf.booked_gas(trade)
    return trade


async def reconcile_position(
    pf: Portfolio, thoughts: ThoughtLog, client: RpcClient, wallet: str, pos: Position, block: int
) -> int:
    """Compare a position with the wallet's token balance at ``block``; if they differ the chain wins
    (an open position takes the balance as its size; one whose tokens are gone closes at a loss of its
    cost). Returns the balance."""
    held = await token_balance(client, pos.token, wallet, block)
    if held == pos.size:
        return held
    before = pos.size
    pid = pos.id or 0
    if held == 0:
        lost = pos.entry_cost
        pos.size, pos.entry_cost = 0, 0
        pos.realised_pnl -= lost
        pos.status, pos.exit_reason, pos.closed_at = "closed", "reconciled", utcnow()
    else:
        pos.size = held
    await asyncio.to_thread(repo.save_all, pf.db, [pos])
    if held == 0:
        pf.realised_pnl -= lost
        pf.positions.pop(pid, None)
        pf.values.pop(pid, None)
    what = "closed it at a loss of its cost" if held == 0 else "the position now has the wallet's size"
    await thoughts.record(
        "hold",
        f"Reconciled {pos.symbol}: the store said {before} units, the wallet holds {held} at block {block}. "
        f"The chain wins: {what}.",
        token=pos.token,
        symbol=pos.symbol,
        block_number=block,
        confidence=1.0,
        evidence={"position_id": pid, "stored": before, "on_chain": held},
    )
    return held


async def reconcile_closed(
    thoughts: ThoughtLog, client: RpcClient, wallet: str, token: str, block: int
) -> int:
    """After a position closed: tokens still in the wallet (kept back by the token) are noted, not
    traded. Returns the balance."""
    held = await token_balance(client, token, wallet, block)
    if held:
        await thoughts.record(
            "hold",
            f"Reconciled {token}: the position is closed but the wallet still holds {held} units at block "
            f"{block} (kept back by the token); left in the wallet, not traded.",
            token=token,
            block_number=block,
            evidence={"on_chain": held},
        )
    return held


async def adopt_wallet(pf: Portfolio, thoughts: ThoughtLog, wallet: str, balance: int, block: int) -> None:
    """Live cash is the wallet's ETH. A new live account starts from it; a known one whose stored cash
    differs (a deposit, a withdrawal, gas spent outside dexbot) takes the chain's figure and moves its
    starting balance by the same amount, so P&L keeps counting trading only."""
    acct = pf.account
    delta = balance - acct.balance
    fresh = acct.balance == 0 and acct.starting_balance == 0
    if delta:
        acct.balance = balance
        acct.starting_balance += delta
        try:
            await asyncio.to_thread(repo.save_all, pf.db, [acct])
        except BaseException:
            acct.balance -= delta
            acct.starting_balance -= delta
            raise
    pf.peak_equity = pf.equity()
    eth = fmt_units(balance, 18, 6)
    if fresh:
        text = f"Live trading from wallet {wallet}: its {eth} ETH at block {block} is the starting cash."
    elif delta:
        text = (
            f"Live wallet {wallet} holds {eth} ETH at block {block}, the store said "
            f"{fmt_units(balance - delta, 18, 6)}; the chain wins (cash and starting balance move by "
            f"{fmt_units(delta, 18, 6)} ETH)."
        )
    else:
        text = f"Live trading from wallet {wallet}: {eth} ETH at block {block}, as the store says."
    await thoughts.record(
        "hold", text, block_number=block, evidence={"wallet": wallet, "balance": balance, "delta": delta}
    )
