"""What the engine shows: the snapshot the TUI, the headless host and the metrics read, and the counters
the metrics export. Read-only views of the engine's collaborators, taken between blocks."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from dexbot.engine.api.snapshot import EngineCounters, EngineSnapshot, TaxesSeen

if TYPE_CHECKING:
    from dexbot.engine.engine import EngineService


def engine_counters(svc: EngineService) -> EngineCounters:
    return EngineCounters(
        gas_price=svc.gas_price,
        base_fee=svc.base_fee,
        wins=svc.exits.wins,
        losses=svc.exits.losses,
        risk_cache_hits=svc.entries.assessor.hits,
        risk_cache_misses=svc.entries.assessor.misses,
        events_dropped=svc.bus.dropped,
    )


def taxes_seen(svc: EngineService, token: str) -> TaxesSeen | None:
    """The token's taxes by its latest assessment; None when it has none."""
    a = svc.entries.assessments.get(token.lower())
    return None if a is None else TaxesSeen(a.buy_tax_bps, a.sell_tax_bps)


def engine_snapshot(svc: EngineService) -> EngineSnapshot:
    snap = svc.portfolio.snapshot()
    p = svc.policy()
    positions = svc.exits.position_views()
    pools = svc.market.pool_views(svc.entries.assessments, svc.block)
    breakers = tuple(svc.breakers.views())
    return EngineSnapshot(
        mode=svc.cfg.mode.trading,
        chain=svc.rt.chain_name,
        chain_id=svc.rt.chain_id,
        state=svc.state,
        state_reason=svc.state_reason,
        block_number=svc.block,
        block_age_s=max(0.0, time.time() - svc.block_ts) if svc.block_ts else 0.0,
        rpc_ok=svc.rpc_ok,
        intel_level=svc.level,
        lane=p.lane,
        cash=snap.cash,
        equity=snap.equity,
        realised_pnl=snap.realised_pnl,
        unrealised_pnl=snap.unrealised_pnl,
        peak_equity=snap.peak_equity,
        drawdown_bps=snap.drawdown_bps,
        wins=svc.exits.wins,
        losses=svc.exits.losses,
        eth_usd_e6=svc.eth_usd_e6,
        positions=positions,
        breakers=breakers,
        pools=pools,
        equity_curve=tuple(svc.equity_curve),
    )
