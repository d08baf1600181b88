"""Picking the market and the positions up at start: the pools the chain already has, and each open
position handed back to the exit desk with the taxes its last assessment measured."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from dexbot.chain.dex.uniswap_v3.pool import pool_fee
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.holding import Holding
from dexbot.store import repo

if TYPE_CHECKING:
    from dexbot.engine.engine import EngineService


async def seed_known_pools(svc: EngineService, head: int) -> None:
    """At start: the devnet's deployed pools (a remote chain: only the USD price pair) become the known
    market, watched from ``head``."""
    dep = svc.rt.deployment
    if dep is None:  # a remote chain: of its pools only the USD price pair is watched from the start
        if svc.rt.usdc_pool:
            svc.watcher.watch_v2([svc.rt.usdc_pool])
            await svc.watcher.refresh(head)
        return
    pairs, pools = [], []
    for tok in dep.tokens:
        lo, hi = sorted((tok.address, dep.weth), key=str.lower)
        if tok.v2_pair:
            await svc.market.add_pool(tok.v2_pair, lo, hi, "uniswap_v2", None, head, announce=False)
            pairs.append(tok.v2_pair)
        if tok.v3_pool:
            await svc.market.add_pool(tok.v3_pool, lo, hi, "uniswap_v3", tok.v3_fee, head, announce=False)
            pools.append(tok.v3_pool)
    svc.watcher.watch_v2([*pairs, dep.usdc_v2_pair])
    svc.watcher.watch_v3(pools)
    await svc.watcher.refresh(head)
    svc.market.price_pools(svc.watcher.states, head)


async def restore_holding(svc: EngineService, position_id: int) -> None:
    """Resume managing a position after a restart, with the taxes its last assessment measured."""
    pos = svc.portfolio.positions[position_id]
    info = svc.market.view.pools.get(pos.pool)
    fee = info.fee if info else None
    if pos.dex == "uniswap_v3" and fee is None:
        fee = await pool_fee(svc.rt.client, pos.pool)  # a pool the engine has not found again
    m = Market(pos.token, pos.pool, pos.dex, fee)
    if pos.dex == "uniswap_v2":
        svc.watcher.watch_v2([pos.pool])
    else:
        svc.watcher.watch_v3([pos.pool])
    last = await asyncio.to_thread(
        repo.latest_assessment,
        svc.db,
        svc.rt.chain_id,
        svc.rt.genesis_hash,
        pos.token,
        instance=svc.cfg.instance.name,
    )
    buy_tax = last.buy_tax_bps or 0 if last else 0
    sell_tax = last.sell_tax_bps or 0 if last else 0
    rules = svc.exits.exit_rules(svc.policy())
    svc.exits.hold(position_id, Holding(m, buy_tax, sell_tax, rules, pos.opened_at.timestamp()))
