"""The engine's claims, taken before it writes its first row and held until it stops
(dexbot.store.instance_lock: the database server or the kernel drops them when the process dies).

One engine per instance per database: an instance's breakers, thoughts and accounts are its own, and two
engines under one name would trip each other's breakers and interleave one thought log (two `make run`
on one SQLite file are refused for this, though each has its own devnet). One engine per wallet and
chain (chain id, genesis, address) in live mode, whatever the instance: two engines signing from one
wallet would race each other's nonces and each believe the whole balance its own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from dexbot.chain.runtime import ChainRuntime
from dexbot.core.config import Config
from dexbot.core.errors import InstanceLocked
from dexbot.engine.execution.live.signer import live_signer
from dexbot.store.instance_lock import EngineLock, LockBusy, LockHolder, acquire

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount


def wallet_claim(cfg: Config, rt: ChainRuntime, signer: LocalAccount | None) -> tuple[str, str] | None:
    """Live mode's lock key on its wallet, and how a refusal names it (None in paper mode)."""
    if cfg.mode.trading != "live":
        return None
    address = str(live_signer(cfg, signer).address)
    where = f"{rt.chain_name} ({rt.chain_id})"
    return f"{rt.chain_id}:{rt.genesis_hash}:{address.lower()}", f"wallet {address} on {where}"


def _take(db: Engine, key: str, instance: str) -> EngineLock | LockHolder | None:
    """The lock, or who holds it (None when the holder could not be read)."""
    try:
        return acquire(db, key, instance)
    except LockBusy as busy:
        return busy.holder


def take_claims(cfg: Config, rt: ChainRuntime, db: Engine, signer: LocalAccount | None) -> list[EngineLock]:
    """The instance's claim, then the wallet's; InstanceLocked (one line naming the holder) if taken."""
    name = cfg.instance.name
    mine = _take(db, f"instance:{name}", name)
    if not isinstance(mine, EngineLock):
        pid = f"pid {mine.pid}" if mine else "another process"
        raise InstanceLocked(
            f"instance {name!r} is already running on this database ({pid}); refusing to start"
        )
    wallet = wallet_claim(cfg, rt, signer)
    if wallet is None:
        return [mine]
    key, what = wallet
    theirs = _take(db, key, name)
    if not isinstance(theirs, EngineLock):
        mine.release()
        who = theirs.describe() if theirs else "another dexbot (not named)"
        raise InstanceLocked(f"{what} is already traded by {who}; refusing to start")
    return [mine, theirs]


@contextlib.asynccontextmanager
async def holding_claims(
    cfg: Config, rt: ChainRuntime, db: Engine, signer: LocalAccount | None
) -> AsyncIterator[None]:
    """Hold the engine's claims for the body's duration (see take_claims)."""
    held = await asyncio.to_thread(take_claims, cfg, rt, db, signer)
    try:
        yield
    finally:
        for lock in reversed(held):
            await asyncio.to_thread(lock.release)
