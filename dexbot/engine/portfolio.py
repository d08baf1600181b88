"""The portfolio: cash (WETH wei), positions with exact cost basis, realised and unrealised P&L.

Every fill changes the account, the position and the trade log in ONE database transaction, so a crash
never leaves a trade without its position or a balance that disagrees with the trades."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.engine.execution.types import Fill
from dexbot.store import repo
from dexbot.store.models import Account, Position, Trade, utcnow

REORG_WINDOW = 64  # blocks: the watcher re-reads up to this far back after a reorg


@dataclass(frozen=True)
class Booked:
    """One booking of the last blocks, kept so a reorg that takes its block away can take it back
    exactly (dexbot/engine/reorged.py): the trade row, the position as it was before (None: the booking
    opened it, or touched none), the position object it left, and what it moved cash and P&L by."""

    trade: Trade
    block: int
    position_id: int | None
    position: Position | None
    before: Position | None
    cash_delta: int
    pnl_delta: int
    block_hash: str = ""  # the fill's block (live: the receipt's; paper: the one it was priced at)


def _copy(pos: Position | None) -> Position | None:
    return None if pos is None else Position(**pos.model_dump())


def undo(before: Position | None, cash: int, pnl: int, *, position: bool = True) -> dict[str, Any]:
    """What a trade row keeps (``Trade.undo``) to be taken back, after a restart too: the position before
    it (None: it opened it), whether it changed a position at all, and the cash and P&L it moved."""
    snap = None if before is None else before.model_dump(mode="json")
    return {"position": position, "before": snap, "cash": cash, "pnl": pnl}


def booked(trade: Trade, position: Position | None) -> Booked:
    """The journal entry of a trade row, from its ``undo``; ``position``: the one it left (when any)."""
    u = trade.undo or {}
    moved = bool(u.get("position"))
    before = u.get("before")
    return Booked(
        trade,
        trade.block_number,
        trade.position_id if moved else None,
        position if moved else None,
        Position.model_validate(before) if before else None,
        int(u.get("cash", 0)),
        int(u.get("pnl", 0)),
        trade.block_hash,
    )


@dataclass(frozen=True)
class Snapshot:
    cash: int
    equity: int
    realised_pnl: int
    unrealised_pnl: int
    peak_equity: int
    open_positions: int
    invested: int  # cost basis of open positions

    @property
    def drawdown_bps(self) -> int:
        if self.peak_equity <= 0:
            return 0
        return max(0, (self.peak_equity - self.equity) * 10_000 // self.peak_equity)


class Portfolio:
    def __init__(self, db: Engine, account: Account, mode: str) -> None:
        self.db = db
        self.account = account
        self.mode = mode
        self.positions: dict[int, Position] = {}
        self.values: dict[int, int] = {}  # position id -> net WETH receivable now
        self.realised_pnl = 0
        self.peak_equity = account.balance
        self._lock = asyncio.Lock()
        self.journal: list[Booked] = []  # the newest blocks' bookings (see ``resume_journal``)
        self.new_account = False  # True when this run opened the account (none on this chain before)

    @classmethod
    def load(
        cls,
        db: Engine,
        *,
        kind: str,
        chain_id: int,
        genesis_hash: str,
        address: str,
        starting_balance: int,
        instance: str = DEFAULT_INSTANCE,
    ) -> Portfolio:
        """Resume the instance's account of this exact chain (id and genesis) and its open positions from
        the store, or create it: an account of another chain is never resumed (its pools are not on this
        one), nor another instance's."""
        before = repo.list_accounts(db, kind=kind, address=address, instance=instance)
        acct = repo.get_or_create_account(
            db,
            instance=instance,
            kind=kind,
            chain_id=chain_id,
            genesis_hash=genesis_hash,
            address=address,
            starting_balance=starting_balance,
        )
        pf = cls(db, acct, kind)
        pf.new_account = all(a.id != acct.id for a in before)
        for p in repo.list_positions(db, account_id=acct.id, limit=100_000):
            if p.status == "open":
                pf.positions[p.id or 0] = p
                pf.values[p.id or 0] = p.value_now or p.entry_value or p.entry_cost
            pf.realised_pnl += p.realised_pnl
        pf.peak_equity = max(acct.starting_balance, pf.equity())
        pf.resume_journal()
        return pf

    @property
    def cash(self) -> int:
        return self.account.balance

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.status == "open"]

    def position_for(self, token: str) -> Position | None:
        for p in self.positions.values():
            if p.status == "open" and p.token == token:
                return p
        return None

    def equity(self) -> int:
        return self.cash + sum(self.values.get(pid, 0) for pid in self.positions)

    def mark(self, position_id: int, value_now: int, block: int = 0) -> None:
        """Record what the position would net if sold now (exact quote after tax)."""
        self.values[position_id] = value_now
        pos = self.positions.get(position_id)
        if pos is not None:
            pos.value_now, pos.marked_block = value_now, block or pos.marked_block
            pos.peak_value = max(pos.peak_value, value_now)
        self.peak_equity = max(self.peak_equity, self.equity())

    async def persist_marks(self) -> None:
        """Write the latest marks of open positions (what `dexbot pnl` shows as unrealised)."""
        rows = self.open_positions()
        if rows:
            await asyncio.to_thread(repo.save_all, self.db, rows)

    def snapshot(self) -> Snapshot:
        invested = sum(p.entry_cost for p in self.open_positions())
        unrealised = sum(self.values.get(p.id or 0, 0) for p in self.open_positions()) - invested
        eq = self.equity()
        self.peak_equity = max(self.peak_equity, eq)
        return Snapshot(
            cash=self.cash,
            equity=eq,
            realised_pnl=self.realised_pnl,
            unrealised_pnl=unrealised,
            peak_equity=self.peak_equity,
            open_positions=len(self.open_positions()),
            invested=invested,
        )

    async def apply_buy(self, fill: Fill, *, symbol: str, decimals: int) -> tuple[Position, Trade]:
        async with self._lock:
            cost = fill.amount_in + fill.gas_cost
            if cost > self.account.balance:
                raise ValueError(f"buy of {cost} wei exceeds cash {self.account.balance}")
            found = self.position_for(fill.token)
            before = _copy(found)
            pos = (
                found
                if found is not None
                else Position(
                    instance=self.account.instance,
                    account_id=self.account.id or 0,
                    token=fill.token,
                    symbol=symbol,
                    decimals=decimals,
                    pool=fill.pool,
                    dex=fill.dex,
                    opened_block=fill.block_number,
                )
            )
            pos.size += fill.amount_out
            pos.entry_cost += cost
            pos.gas_cost += fill.gas_cost
            pos.l1_fee += fill.l1_fee
            pos.peak_value = max(pos.peak_value, fill.amount_in)
            self.account.balance -= cost
            trade = self._trade(fill, pos)
            trade.undo = undo(before, -cost, 0)
            pos, trade = await asyncio.to_thread(self._persist, pos, trade)
            self.positions[pos.id or 0] = pos
            self.values[pos.id or 0] = fill.amount_in
            self.journal.append(booked(trade, pos))
            return pos, trade

    async def apply_sell(self, position_id: int, fill: Fill, *, reason: str) -> tuple[Position, Trade]:
        """A full or partial sell. Cost basis leaves pro rata; the last sell takes what remains. What is
        still held after a slice keeps its share of the exit rules' baselines (entry value, peak) and of
        the last mark, so the rules judge the remainder like for like."""
        async with self._lock:
            pos = self.positions[position_id]
            before = _copy(pos)
            if fill.amount_in > pos.size:
                raise ValueError(f"sell of {fill.amount_in} exceeds position size {pos.size}")
            share = (
                pos.entry_cost if fill.amount_in == pos.size else pos.entry_cost * fill.amount_in // pos.size
            )
            if fill.amount_in < pos.size:
                kept = pos.size - fill.amount_in
                pos.entry_value = pos.entry_value * kept // pos.size
                pos.peak_value = pos.peak_value * kept // pos.size
                pos.value_now = pos.value_now * kept // pos.size
                if position_id in self.values:
                    self.values[position_id] = self.values[position_id] * kept // pos.size
            proceeds = fill.amount_out - fill.gas_cost
            pnl = proceeds - share
            pos.size -= fill.amount_in
            pos.entry_cost -= share
            pos.exit_proceeds += proceeds
            pos.realised_pnl += pnl
            pos.gas_cost += fill.gas_cost
            pos.l1_fee += fill.l1_fee
            self.account.balance += proceeds
            self.realised_pnl += pnl
            if pos.size == 0:
                pos.status = "closed"
                pos.closed_at = utcnow()
                pos.exit_reason = reason
            trade = self._trade(fill, pos, reason=reason)
            trade.undo = undo(before, proceeds, pnl)
            pos, trade = await asyncio.to_thread(self._persist, pos, trade)
            if pos.status == "closed":
                self.positions.pop(position_id, None)
                self.values.pop(position_id, None)
            else:
                self.positions[position_id] = pos
            self.journal.append(booked(trade, pos))
            return pos, trade

    def booked_gas(self, trade: Trade) -> None:
        """A trade row that only paid gas (book.record_failed, its ``undo`` written with it) joins the
        journal like a fill."""
        self.journal.append(booked(trade, None))

    def resume_journal(self) -> None:
        """At load: the bookings of the newest ``REORG_WINDOW`` blocks before the restart, from their trade
        rows, so a reorg that replaces one of their blocks is taken back as if this run had booked it."""
        rows = repo.journalled_trades(self.db, self.account.id or 0, REORG_WINDOW)
        ids = {t.position_id for t in rows if t.position_id is not None}
        closed = {p.id: p for p in repo.positions_by_id(self.db, ids - set(self.positions))}
        self.journal = [
            booked(t, self.positions.get(t.position_id or 0) or closed.get(t.position_id)) for t in rows
        ]

    def forget_booked(self, before_block: int) -> None:
        """Bookings of blocks older than ``before_block`` are past any reorg the engine acts on."""
        self.journal = [b for b in self.journal if b.block >= before_block]

    def _trade(self, fill: Fill, pos: Position, reason: str = "") -> Trade:
        buy = fill.side == "buy"
        return Trade(
            instance=self.account.instance,
            account_id=self.account.id or 0,
            position_id=pos.id,
            mode=self.mode,
            side=fill.side,
            status=fill.status,
            token=fill.token,
            pool=fill.pool,
            dex=fill.dex,
            token_in="WETH" if buy else fill.token,
            token_out=fill.token if buy else "WETH",
            amount_in=fill.amount_in,
            amount_out=fill.amount_out,
            quoted_out=fill.quoted_out,
            gas_used=fill.gas_used,
            gas_cost=fill.gas_cost,
            l1_fee=fill.l1_fee,
            block_number=fill.block_number,
            block_hash=fill.block_hash,
            tx_hash=fill.tx_hash,
            reason=reason,
        )

    def _persist(self, pos: Position, trade: Trade) -> tuple[Position, Trade]:
        return repo.save_fill(self.db, self.account, pos, trade)
