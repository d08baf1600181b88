"""The periodic re-check of a held token: a token can turn hostile after we bought (tax raised, sells
blocked), so the round trip is re-run on the pool it was bought on (V2 or V3) every few blocks."""

from __future__ import annotations

from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.runtime import ChainRuntime
from dexbot.core.errors import ChainError
from dexbot.engine.exits.holding import Holding
from dexbot.engine.risk.assess import round_trip_on
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store.models import Position

RECHECK_EVERY_BLOCKS = 10


async def recheck(
    rt: ChainRuntime,
    probe_wei: int,
    thoughts: ThoughtLog,
    last: dict[str, RoundTripResult],
    pos: Position,
    h: Holding,
    block: int,
) -> bool:
    """Re-run the round trip, remember it in ``last`` by token; True when it acted (exit started or
    alert raised)."""
    m = h.market
    try:
        result = await round_trip_on(
            rt.client, rt.addrs, pos.token, m.pool, m.dex, m.fee, probe_wei, (), block
        )
    except ChainError:
        return False
    if result is None:
        return False
    last[pos.token.lower()] = result
    if result.can_sell is False:
        await thoughts.record(
            "hold",
            f"ALERT on {pos.symbol}: selling now reverts ('{result.stage('sell').reason}'); the token turned "
            "hostile after entry. Holding — a sale is impossible — and re-checking every "
            f"{RECHECK_EVERY_BLOCKS} blocks.",
            token=pos.token,
            symbol=pos.symbol,
            block_number=block,
            confidence=1.0,
            evidence={"sell_reason": result.stage("sell").reason},
        )
        return True
    if result.sell_tax_bps is not None and result.sell_tax_bps != h.sell_tax_bps:
        h.sell_tax_now = result.sell_tax_bps  # valuations follow the token's real tax; the breaker judges it
    return False
