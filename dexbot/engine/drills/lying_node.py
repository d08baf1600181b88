"""The drill of a node that lies about pool states with nothing to outvote it (chain.quorum = 1, one
endpoint): while a position is held, every getReserves answer comes back with reserve0 doubled for a few
blocks, then the node is honest again.

Before the watcher checked states against the chain's logs (chain/state_check.py), one such answer was a
price: the held token looked +100 %, take-profit sold it in paper at twice its worth, and every pool's
price and volatility breakers tripped at once. Now the lie is read again, not trusted, and nothing is
priced, marked, exited or tripped on it."""

from __future__ import annotations

from dexbot.chain.devnet.faults import Fault
from dexbot.chain.dex.states import V2State
from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.engine.api.events import BreakerChanged, ThoughtRecorded, TradeFilled
from dexbot.engine.drills.rig import DrillFailed, Rig, spec

LIE_BLOCKS = 3
PRICE_BREAKERS = frozenset({"price_deviation", "volatility_spike", "liquidity_drop"})


async def lying_node(rig: Rig) -> str:
    (tok,) = await rig.launch(spec("LIED"))
    await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == "LIED", "the buy booked")
    (pos,) = [p for p in rig.svc.portfolio.open_positions() if p.token == tok.address]
    assert tok.v2_pair
    before = len(rig.events)
    lie = rig.proxies[0].inject(Fault("wrong_data", frozenset({"eth_call"})))
    lied_to = await rig.mine(LIE_BLOCKS)
    await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and e.symbol == "LIED" and "disagree" in e.reasoning,
        "the held token left unpriced while its pool's state is not trusted",
    )
    await rig.block(lied_to)
    rig.proxies[0].clear("wrong_data")
    honest = await rig.mine(1)
    await rig.block(honest)
    during = rig.events[before:]
    sold = [e for e in during if isinstance(e, TradeFilled) and e.symbol == "LIED"]
    tripped = [
        e.name
        for e in during
        if isinstance(e, BreakerChanged) and e.name in PRICE_BREAKERS and e.new_state == "open"
    ]
    watcher = rig.svc.watcher
    res = await read_pair(rig.svc.rt.client, tok.v2_pair, honest)
    truth = V2State(tok.v2_pair, res.reserve0, res.reserve1, honest)
    still = [p.id for p in rig.svc.portfolio.open_positions()]
    observed = (
        f"{lie.hits} lies, {watcher.answers_disagreed} caught against the logs; sells {len(sold)}; "
        f"price breakers opened {tripped or 'none'}; position held: {pos.id in still}; "
        f"state after the lie = the chain's: {watcher.states.get(tok.v2_pair) == truth}"
    )
    if (
        lie.hits < LIE_BLOCKS
        or watcher.answers_disagreed < 1
        or sold
        or tripped
        or pos.id not in still
        or watcher.states.get(tok.v2_pair) != truth
    ):
        raise DrillFailed(observed)
    return observed
