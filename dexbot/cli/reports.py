"""Reports read from the store: P&L per account, exact integers (WETH wei)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dexbot.engine.api.events import REORGED_NOTE, TradeFilled
from dexbot.store.models import Account, Position, Trade


@dataclass(frozen=True)
class PnlReport:
    account_id: int
    instance: str
    kind: str
    chain_id: int
    genesis_hash: str
    starting_balance: int
    cash: int
    open_cost: int
    open_value: int  # latest marks written by the engine
    marked_block: int
    realised_pnl: int
    unrealised_pnl: int
    equity: int
    gas_spent: int
    l1_fees: int  # the part of gas_spent that was OP-stack L1 data fees
    trades: int
    wins: int
    losses: int
    open_positions: int

    @property
    def return_bps(self) -> int:
        if not self.starting_balance:
            return 0
        return (self.equity - self.starting_balance) * 10_000 // self.starting_balance

    @property
    def win_rate_bps(self) -> int:
        done = self.wins + self.losses
        return self.wins * 10_000 // done if done else 0

    def to_json(self) -> dict[str, Any]:
        data = {k: (str(v) if isinstance(v, int) and abs(v) >= 2**53 else v) for k, v in asdict(self).items()}
        data["return_bps"] = self.return_bps
        data["win_rate_bps"] = self.win_rate_bps
        return data


def pnl_reports(db: Engine, instance: str | None = None) -> list[PnlReport]:
    """One report per account (of ``instance``; None: of every instance), oldest account first."""
    out = []
    q = select(Account).order_by(col(Account.id))
    if instance is not None:
        q = q.where(Account.instance == instance)
    with Session(db) as s:
        for acct in s.exec(q).all():
            positions = s.exec(select(Position).where(Position.account_id == acct.id)).all()
            # a booking a reorg took back (engine/reorged.py) is history, not a trade: its gas was never paid
            every = s.exec(select(Trade).where(Trade.account_id == acct.id)).all()
            trades = [t for t in every if t.status != "reorged"]
            open_ = [p for p in positions if p.status == "open"]
            closed = [p for p in positions if p.status == "closed" and p.exit_reason != "reorged"]
            open_cost = sum(p.entry_cost for p in open_)
            open_value = sum(p.value_now or p.entry_value for p in open_)
            realised = sum(p.realised_pnl for p in positions)
            out.append(
                PnlReport(
                    account_id=acct.id or 0,
                    instance=acct.instance,
                    kind=acct.kind,
                    chain_id=acct.chain_id,
                    genesis_hash=acct.genesis_hash,
                    starting_balance=acct.starting_balance,
                    cash=acct.balance,
                    open_cost=open_cost,
                    open_value=open_value,
                    marked_block=max((p.marked_block for p in open_), default=0),
                    realised_pnl=realised,
                    unrealised_pnl=open_value - open_cost,
                    equity=acct.balance + open_value,
                    gas_spent=sum(t.gas_cost for t in trades),
                    l1_fees=sum(t.l1_fee for t in trades),
                    trades=len(trades),
                    wins=sum(1 for p in closed if p.realised_pnl >= 0),
                    losses=sum(1 for p in closed if p.realised_pnl < 0),
                    open_positions=len(open_),
                )
            )
    return out


def trade_events(
    db: Engine, limit: int = 500, instance: str | None = None, account_id: int | None = None
) -> list[TradeFilled]:
    """Stored trades (of ``instance``, of ``account_id``) as TradeFilled events (oldest first), for the UI's
    trade history. A fill a reorg took back stays listed, since it happened, but its reason says it is
    not on the chain."""
    q = select(Trade).order_by(col(Trade.id).desc()).limit(limit)
    if instance is not None:
        q = q.where(Trade.instance == instance)
    if account_id is not None:
        q = q.where(Trade.account_id == account_id)
    with Session(db) as s:
        rows = s.exec(q).all()
        ids = {t.position_id for t in rows if t.position_id is not None}
        meta = {p.id: p for p in s.exec(select(Position).where(col(Position.id).in_(ids))).all()}
    out = []
    for t in reversed(rows):
        pos = meta.get(t.position_id)
        out.append(
            TradeFilled(
                trade_id=t.id or 0,
                position_id=t.position_id,
                mode=t.mode,
                side=t.side,
                token=t.token,
                symbol=pos.symbol if pos else t.token[:8],
                amount_in=t.amount_in,
                amount_out=t.amount_out,
                gas_cost=t.gas_cost,
                l1_fee=t.l1_fee,
                tx_hash=t.tx_hash,
                reason=REORGED_NOTE + t.reason if t.status == "reorged" else t.reason,
                decimals=pos.decimals if pos else 18,
                at=t.created_at,
            )
        )
    return out
