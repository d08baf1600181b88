"""The engine's claim on what it trades: one engine per wallet and chain. Two engines signing from one
wallet would race each other's nonces and each believe the whole balance its own; two of one paper
instance would double every fill into one account. The claim is (chain id, genesis, wallet address) in
live mode and (chain id, genesis, ``paper:<instance>``) in paper mode, so paper instances of different
names run side by side. It is taken before the engine writes its first row and held until it stops
(dexbot.store.instance_lock: the database server or the kernel drops it when the process dies)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from dexbot.core.config import Config
from dexbot.core.errors import InstanceLocked
from dexbot.engine.live_wallet import live_signer
from dexbot.engine.runtime import ChainRuntime
from dexbot.store.instance_lock import LockBusy, acquire

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount


def claim(cfg: Config, rt: ChainRuntime, signer: LocalAccount | None) -> tuple[str, str]:
    """The lock key and how a refusal names what it guards."""
    where = f"{rt.chain_name} ({rt.chain_id})"
    if cfg.mode.trading == "live":
        address = str(live_signer(cfg, signer).address)
        return f"{rt.chain_id}:{rt.genesis_hash}:{address.lower()}", f"wallet {address} on {where}"
    name = cfg.instance.name
    return f"{rt.chain_id}:{rt.genesis_hash}:paper:{name}", f"paper account of instance {name!r} on {where}"


@contextlib.asynccontextmanager
async def holding_claim(
    cfg: Config, rt: ChainRuntime, db: Engine, signer: LocalAccount | None
) -> AsyncIterator[None]:
    """Hold the claim for the body's duration, or raise InstanceLocked (one line naming the holder)."""
    key, what = claim(cfg, rt, signer)
    try:
        lock = await asyncio.to_thread(acquire, db, key, cfg.instance.name)
    except LockBusy as busy:
        who = busy.holder.describe() if busy.holder else "another dexbot (not named)"
        raise InstanceLocked(f"{what} is already traded by {who}; refusing to start") from None
    try:
        yield
    finally:
        await asyncio.to_thread(lock.release)
