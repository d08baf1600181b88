"""Repository functions: the only place SQL is written. Each call is one transaction.

Reads that resume an engine's state take its ``instance`` and see only that instance's rows; read
commands pass one to show one instance (None: every instance). The transaction ledger is the wallet's:
its reads by sender see every instance's entries, since a nonce is the wallet's whoever signed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.store.db import session_scope
from dexbot.store.models import (
    Account,
    BreakerEvent,
    Position,
    Thought,
    TokenAssessment,
    Trade,
    TxLedger,
    utcnow,
)


def get_or_create_account(
    engine: Engine,
    *,
    kind: str,
    chain_id: int,
    genesis_hash: str,
    address: str = "",
    starting_balance: int = 0,
    instance: str = DEFAULT_INSTANCE,
) -> Account:
    """The instance's account of this kind and address on this exact chain (id AND genesis). Rows with
    genesis "" (written before chain identity) are unknown chains: asking for one is refused, so none is
    resumed."""
    if not genesis_hash:
        raise ValueError("an account is bound to a known genesis hash; got none")
    with session_scope(engine) as s:
        found = s.exec(
            select(Account).where(
                Account.instance == instance,
                Account.kind == kind,
                Account.chain_id == chain_id,
                Account.genesis_hash == genesis_hash,
                Account.address == address,
            )
        ).first()
        if found is not None:
            return found
        acct = Account(
            instance=instance,
            kind=kind,
            chain_id=chain_id,
            genesis_hash=genesis_hash,
            address=address,
            balance=starting_balance,
            starting_balance=starting_balance,
        )
        s.add(acct)
        s.flush()
        s.refresh(acct)
        return acct


def get_account(engine: Engine, account_id: int) -> Account | None:
    with session_scope(engine) as s:
        return s.get(Account, account_id)


def list_accounts(
    engine: Engine, *, kind: str | None = None, address: str | None = None, instance: str | None = None
) -> list[Account]:
    """Every account (of ``kind``, of ``address``, of ``instance``), oldest first."""
    with session_scope(engine) as s:
        q = select(Account).order_by(col(Account.id))
        if instance is not None:
            q = q.where(Account.instance == instance)
        if kind is not None:
            q = q.where(Account.kind == kind)
        if address is not None:
            q = q.where(Account.address == address)
        return list(s.exec(q).all())


def add(engine: Engine, row: Any) -> Any:
    """Insert one row and return it with its id."""
    with session_scope(engine) as s:
        s.add(row)
        s.flush()
        s.refresh(row)
        return row


def save_all(engine: Engine, rows: Sequence[Any]) -> None:
    """Insert or update several rows atomically: all are written or none."""
    with session_scope(engine) as s:
        s.add_all([row for row in rows if row.id is None])
        for row in rows:
            if row.id is not None:
                s.merge(row)


def save_fill(engine: Engine, account: Account, position: Position, trade: Trade) -> tuple[Position, Trade]:
    """One fill, atomically: the account balance, the position and the trade row are written together."""
    with session_scope(engine) as s:
        s.merge(account)
        pos = s.merge(position)
        s.flush()
        trade.position_id = pos.id
        s.add(trade)
        s.flush()
        s.refresh(pos)
        s.refresh(trade)
        return pos, trade


def list_positions(
    engine: Engine, *, status: str | None = None, limit: int = 200, account_id: int | None = None
) -> list[Position]:
    with session_scope(engine) as s:
        q = select(Position).order_by(col(Position.id).desc()).limit(limit)
        if status:
            q = q.where(Position.status == status)
        if account_id is not None:
            q = q.where(Position.account_id == account_id)
        return list(s.exec(q).all())


def list_trades(
    engine: Engine, *, limit: int = 200, token: str | None = None, account_id: int | None = None
) -> list[Trade]:
    with session_scope(engine) as s:
        q = select(Trade).order_by(col(Trade.id).desc()).limit(limit)
        if token:
            q = q.where(Trade.token == token)
        if account_id is not None:
            q = q.where(Trade.account_id == account_id)
        return list(s.exec(q).all())


def list_thoughts(
    engine: Engine,
    *,
    limit: int = 100,
    after_id: int = 0,
    decision: str | None = None,
    instance: str | None = None,
) -> list[Thought]:
    """Newest first when ``after_id`` is 0; otherwise the ones after it, oldest first (for --follow)."""
    with session_scope(engine) as s:
        q = select(Thought)
        if instance is not None:
            q = q.where(Thought.instance == instance)
        if decision:
            q = q.where(Thought.decision == decision)
        if after_id:
            q = q.where(col(Thought.id) > after_id).order_by(col(Thought.id)).limit(limit)
        else:
            q = q.order_by(col(Thought.id).desc()).limit(limit)
        return list(s.exec(q).all())


def repeat_thought(engine: Engine, thought_id: int, block_number: int) -> Thought:
    """The same thought again: one more in its count and the block of this repeat, not a new row."""
    with session_scope(engine) as s:
        row = s.exec(select(Thought).where(Thought.id == thought_id)).one()
        row.count += 1
        row.last_block = block_number
        s.add(row)
        s.flush()
        s.refresh(row)
        return row


ChainKey = tuple[int, str]  # (chain id, genesis hash): the chain a breaker transition belongs to


def _on_chain(q: Any, chain: ChainKey | None) -> Any:
    """Only the transitions of ``chain`` and those of any chain (genesis ""); None: every one."""
    if chain is None:
        return q
    chain_id, genesis = chain
    mine = and_(col(BreakerEvent.chain_id) == chain_id, col(BreakerEvent.genesis_hash) == genesis)
    return q.where(or_(mine, col(BreakerEvent.genesis_hash) == ""))


def list_breaker_events(
    engine: Engine,
    *,
    name: str | None = None,
    limit: int = 200,
    instance: str | None = None,
    chain: ChainKey | None = None,
) -> list[BreakerEvent]:
    with session_scope(engine) as s:
        q = select(BreakerEvent).order_by(col(BreakerEvent.id).desc()).limit(limit)
        if instance is not None:
            q = q.where(BreakerEvent.instance == instance)
        if name:
            q = q.where(BreakerEvent.name == name)
        return list(s.exec(_on_chain(q, chain)).all())


def breaker_events_after(
    engine: Engine, after_id: int, instance: str, chain: ChainKey | None = None
) -> list[BreakerEvent]:
    """The instance's events (of ``chain``) with an id above ``after_id``, oldest first: the engine asks
    every block, and mostly there are none (the primary key's index answers that without loading a row)."""
    with session_scope(engine) as s:
        q = (
            select(BreakerEvent)
            .where(BreakerEvent.instance == instance, col(BreakerEvent.id) > after_id)
            .order_by(col(BreakerEvent.id))
        )
        return list(s.exec(_on_chain(q, chain)).all())


def latest_breaker_states(
    engine: Engine, instance: str = DEFAULT_INSTANCE, chain: ChainKey | None = None
) -> dict[str, BreakerEvent]:
    """The last transition of every breaker of the instance (on ``chain``): a restart resumes each in
    this state."""
    latest: dict[str, BreakerEvent] = {}
    q = select(BreakerEvent).where(BreakerEvent.instance == instance).order_by(col(BreakerEvent.id))
    q = _on_chain(q, chain)
    with session_scope(engine) as s:
        for ev in s.exec(q).all():
            latest[ev.name] = ev
    return latest


def ledger_pending(engine: Engine, chain_id: int, genesis_hash: str) -> list[TxLedger]:
    with session_scope(engine) as s:
        q = (
            select(TxLedger)
            .where(
                TxLedger.chain_id == chain_id,
                TxLedger.genesis_hash == genesis_hash,
                col(TxLedger.status).in_(("signed", "sent")),
            )
            .order_by(col(TxLedger.nonce))
        )
        return list(s.exec(q).all())


def ledger_foreign_open(engine: Engine, chain_id: int, genesis_hash: str, sender: str) -> list[TxLedger]:
    """``sender``'s open entries with this chain id but another (or unknown) genesis: transactions signed
    for a chain this one is not, which no nonce on this chain may be reckoned from."""
    with session_scope(engine) as s:
        q = select(TxLedger).where(
            TxLedger.chain_id == chain_id,
            TxLedger.genesis_hash != genesis_hash,
            TxLedger.sender == sender,
            col(TxLedger.status).in_(("signed", "sent")),
        )
        return list(s.exec(q.order_by(col(TxLedger.id))).all())


def ledger_set_status(
    engine: Engine, tx_hash: str, status: str, *, block_number: int | None = None, error: str = ""
) -> None:
    with session_scope(engine) as s:
        row = s.exec(select(TxLedger).where(TxLedger.tx_hash == tx_hash)).one()
        row.status = status
        row.block_number = block_number if block_number is not None else row.block_number
        row.error = error or row.error
        row.updated_at = utcnow()
        s.add(row)


def latest_assessment(
    engine: Engine,
    chain_id: int,
    genesis_hash: str,
    token: str,
    *,
    min_block: int = 0,
    since: datetime | None = None,
    instance: str = DEFAULT_INSTANCE,
) -> TokenAssessment | None:
    with session_scope(engine) as s:
        q = (
            select(TokenAssessment)
            .where(
                TokenAssessment.instance == instance,
                TokenAssessment.chain_id == chain_id,
                TokenAssessment.genesis_hash == genesis_hash,
                TokenAssessment.token == token,
                col(TokenAssessment.block_number) >= min_block,
            )
            .order_by(col(TokenAssessment.block_number).desc())
            .limit(1)
        )
        if since is not None:
            q = q.where(col(TokenAssessment.created_at) >= since)
        return s.exec(q).first()


# -- transaction ledger (the sender's crash-safe record; see dexbot.store.ledger) ---------------------


def ledger_insert(engine: Engine, row: TxLedger) -> None:
    """Write a signed transaction; committed when this returns (the sender broadcasts only after).

    The same bytes signed again after the node refused them (same nonce and fields after a false "nonce
    too low") hash the same: the dropped row is revived rather than a second one refused by the unique
    tx hash, which once left the trade unwritable."""
    with session_scope(engine) as s:
        old = s.exec(select(TxLedger).where(TxLedger.tx_hash == row.tx_hash)).first()
        if old is not None and old.status == "dropped":
            old.status = row.status
            old.block_number = row.block_number
            old.error = f"signed again after: {old.error}"[:500] if old.error else ""
            old.updated_at = utcnow()
            s.add(old)
            return
        s.add(row)


def ledger_get(engine: Engine, tx_hash: str) -> TxLedger | None:
    with session_scope(engine) as s:
        return s.exec(select(TxLedger).where(TxLedger.tx_hash == tx_hash)).first()


def ledger_open(
    engine: Engine, chain_id: int, genesis_hash: str, sender: str | None = None
) -> list[TxLedger]:
    """Entries still signed or sent on this exact chain, lowest nonce first (then oldest first)."""
    with session_scope(engine) as s:
        q = select(TxLedger).where(
            TxLedger.chain_id == chain_id,
            TxLedger.genesis_hash == genesis_hash,
            col(TxLedger.status).in_(("signed", "sent")),
        )
        if sender is not None:
            q = q.where(TxLedger.sender == sender)
        return list(s.exec(q.order_by(col(TxLedger.nonce), col(TxLedger.id))).all())


def ledger_settled_tip(engine: Engine, chain_id: int, genesis_hash: str, sender: str) -> TxLedger | None:
    """The mined or reverted entry with the highest nonce (newest first among equals)."""
    with session_scope(engine) as s:
        q = (
            select(TxLedger)
            .where(
                TxLedger.chain_id == chain_id,
                TxLedger.genesis_hash == genesis_hash,
                TxLedger.sender == sender,
                col(TxLedger.status).in_(("mined", "reverted")),
            )
            .order_by(col(TxLedger.nonce).desc(), col(TxLedger.id).desc())
            .limit(1)
        )
        return s.exec(q).first()


def ledger_history(
    engine: Engine, *, chain_id: int | None = None, sender: str | None = None, limit: int = 100
) -> list[TxLedger]:
    """Newest first."""
    with session_scope(engine) as s:
        q = select(TxLedger)
        if chain_id is not None:
            q = q.where(TxLedger.chain_id == chain_id)
        if sender is not None:
            q = q.where(TxLedger.sender == sender)
        return list(s.exec(q.order_by(col(TxLedger.id).desc()).limit(limit)).all())


def ledger_landed(
    engine: Engine, chain_id: int, genesis_hash: str, sender: str, instance: str
) -> list[TxLedger]:
    """``sender``'s entries signed by ``instance`` that reached a block (mined or reverted) on this exact
    chain, by nonce. Another instance's trades on the same wallet are its own books, never this one's."""
    with session_scope(engine) as s:
        q = select(TxLedger).where(
            TxLedger.chain_id == chain_id,
            TxLedger.genesis_hash == genesis_hash,
            TxLedger.sender == sender,
            TxLedger.instance == instance,
            col(TxLedger.status).in_(("mined", "reverted")),
        )
        return list(s.exec(q.order_by(col(TxLedger.nonce), col(TxLedger.id))).all())


def trade_hashes(engine: Engine, account_id: int) -> dict[str, str]:
    """Every transaction hash the account's trade rows name (what the books already hold), with the
    token its row is for (lower case): what pairs an approval with the sell that booked its gas. A row
    taken back by a reorg ("reorged") does not hold its transaction any more."""
    with session_scope(engine) as s:
        q = select(Trade.tx_hash, Trade.token).where(
            Trade.account_id == account_id, Trade.tx_hash != "", Trade.status != "reorged"
        )
        return {h: t.lower() for h, t in s.exec(q).all()}


def journalled_trades(engine: Engine, account_id: int, window: int) -> list[Trade]:
    """The account's trade rows a reorg could still take back: written with their ``undo`` (revision
    0008 on), not taken back already, in the newest ``window`` blocks it booked in; oldest first."""
    with session_scope(engine) as s:
        mine = Trade.account_id == account_id
        newest = s.exec(select(func.max(Trade.block_number)).where(mine)).one()
        if newest is None:
            return []
        q = (
            select(Trade)
            .where(mine, col(Trade.undo).is_not(None), Trade.status != "reorged")
            .where(Trade.block_number >= newest - window)
            .order_by(col(Trade.id))
        )
        return list(s.exec(q).all())


def positions_by_id(engine: Engine, ids: set[int]) -> list[Position]:
    if not ids:
        return []
    with session_scope(engine) as s:
        return list(s.exec(select(Position).where(col(Position.id).in_(ids))).all())
