"""Binding the engine's state to the chain it runs on. A chain is its id AND its genesis hash: a restarted
devnet keeps the id but is a new chain, and its predecessor's positions are in pools that no longer
exist. Paper runs on a new chain therefore open a new account (the old ones stay readable); live runs
refuse to start when the wallet's rows or open transactions belong to another genesis under this id."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dexbot.chain.identity import ChainIdentity, short_genesis
from dexbot.core.errors import ChainError, ChainIdentityMismatch
from dexbot.store import repo
from dexbot.store.models import Account


def require_identity(ident: ChainIdentity) -> None:
    if not ident.genesis_hash:
        raise ChainError(f"chain {ident.chain_id}: genesis hash unknown; state cannot be bound to it")


def check_live(db: Engine, ident: ChainIdentity, address: str) -> None:
    """Refuse a live start when this wallet has rows under this chain id from another known genesis
    (a different chain with the same id: its balance and positions are not ours here) or open
    transactions from any other genesis (their nonces may collide with this chain's)."""
    for acct in repo.list_accounts(db, kind="live", address=address):
        if acct.chain_id == ident.chain_id and acct.genesis_hash and acct.genesis_hash != ident.genesis_hash:
            raise ChainIdentityMismatch(
                f"live account #{acct.id} of {address} belongs to chain ({acct.chain_id}, genesis "
                f"{short_genesis(acct.genesis_hash)}) but the endpoint serves ({ident.describe()}): "
                "a different chain under the same id; refusing to trade live on it"
            )
    foreign = repo.ledger_foreign_open(db, ident.chain_id, ident.genesis_hash, address)
    if foreign:
        tx = foreign[0]
        raise ChainIdentityMismatch(
            f"{len(foreign)} open transaction(s) of {address} (first {tx.tx_hash[:12]}…, nonce {tx.nonce}) "
            f"were signed for chain ({tx.chain_id}, genesis {short_genesis(tx.genesis_hash)}) but the "
            f"endpoint serves ({ident.describe()}); refusing to start live until they are settled"
        )


def start_note(db: Engine, account: Account, chain_name: str, *, new: bool) -> str:
    """One line for the start when the database also holds accounts of this kind on other chains:
    which account this run uses, and that the others are kept (readable, never resumed)."""
    others = [
        a
        for a in repo.list_accounts(db, kind=account.kind, instance=account.instance)
        if a.id != account.id and (a.chain_id, a.genesis_hash) != (account.chain_id, account.genesis_hash)
    ]
    if not others:
        return ""
    what = "New" if new else "Resumed"
    where = ChainIdentity(account.chain_id, account.genesis_hash).describe()
    plural = "account" if len(others) == 1 else "accounts"
    return (
        f"{what} {account.kind} account #{account.id} for {chain_name} ({where}); {len(others)} {plural} "
        "on other chains kept (dexbot pnl --all)."
    )
