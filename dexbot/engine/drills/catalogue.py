"""Every fault drill: the fault, the behaviour the engine must show, and the run that checks it. A run
returns what it observed, or raises DrillFailed saying what it saw instead."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dexbot.chain.devnet.faults import Fault, send_error
from dexbot.chain.tokens import token_balance
from dexbot.engine.api.events import BlockSeen, EngineError, ThoughtRecorded, TradeFilled
from dexbot.engine.drills.inflight_reorg import inflight_reorg, inflight_reorg_stale
from dexbot.engine.drills.lying_node import lying_node
from dexbot.engine.drills.meta_read import meta_read_fails
from dexbot.engine.drills.reorg_fill import reorged_fill
from dexbot.engine.drills.rig import WAIT_S, DrillFailed, Node, Rig, spec

Run = Callable[[Rig], Awaitable[str]]


@dataclass(frozen=True)
class Drill:
    name: str
    fault: str
    expected: str
    run: Run
    mode: str = "paper"
    endpoints: int = 2
    config: dict[str, Any] = field(default_factory=dict)
    faults: tuple[tuple[int, Fault], ...] = ()  # in force from the start: (endpoint, fault)
    ws: bool = False  # the engine's endpoints are the proxies' WebSocket side
    paper_too: bool = False  # a live drill the bench also runs in paper mode


@dataclass(frozen=True)
class Row:
    name: str
    fault: str
    expected: str
    observed: str
    passed: bool


def check(ok: bool, observed: str) -> str:
    if not ok:
        raise DrillFailed(observed)
    return observed


def _fallback(fault: Fault) -> Run:
    async def run(rig: Rig) -> str:
        handle = rig.proxies[0].inject(fault)
        head = await rig.mine(3)
        await rig.block(head)
        await handle.hit.wait()
        ep0, ep1 = rig.svc.rt.client.endpoints
        errors = rig.seen(EngineError)
        return check(
            not errors and ep0.errors > 0 and ep1.requests > 0,
            f"block {head} processed via #1; #0 failed {ep0.errors} request(s); engine errors: {len(errors)}",
        )

    return run


async def _latency(rig: Rig) -> str:
    rig.proxies[0].inject(Fault("latency", delay_s=0.2))
    first = await rig.mine(1)
    await rig.block(first)
    head = await rig.mine(2)
    await rig.block(head)
    numbers = [e.number for e in rig.seen(BlockSeen) if isinstance(e, BlockSeen) and e.number >= first]
    return check(
        numbers == sorted(set(numbers)) and not rig.seen(EngineError) and rig.svc.state == "running",
        f"blocks {numbers} processed in order, no engine error, engine {rig.svc.state}",
    )


async def _ws_reconnect(rig: Rig) -> str:
    handle = rig.proxies[0].inject(Fault("drop", times=1))
    head = await rig.mine(1)
    await rig.block(head)
    await handle.hit.wait()
    ep0, ep1 = rig.svc.rt.client.endpoints
    failed_over = ep1.requests > 0
    await asyncio.wait_for(rig.proxies[0].opened(2), WAIT_S)  # #0 back in rotation: a new socket
    head = await rig.mine(1)
    await rig.block(head)
    errors = rig.seen(EngineError)
    return check(
        not errors and ep0.errors == 1 and failed_over and rig.svc.state == "running",
        f"#0's socket dropped once ({ep0.last_error[:30]}); #1 answered meanwhile: {failed_over}; #0 "
        f"reconnected (sockets {rig.proxies[0].sockets_opened}); block {head} processed; engine errors: "
        f"{len(errors)}",
    )


async def _outage(rig: Rig) -> str:
    handle = rig.proxies[0].inject(Fault("http", status=503))
    await rig.mine(1)
    err = await rig.until(lambda e: isinstance(e, EngineError) and e.where == "watcher", "a watcher error")
    down_ok = rig.svc.rpc_ok
    rig.proxies[0].clear()
    head = await rig.mine(1)
    await rig.block(head)
    return check(
        handle.hits > 0 and not down_ok and rig.svc.rpc_ok and rig.svc.state == "running",
        f"outage reported ({str(getattr(err, 'message', ''))[:48]}…), rpc_ok {down_ok}→{rig.svc.rpc_ok}, "
        f"block {head} processed after recovery",
    )


async def _lag(rig: Rig) -> str:
    # the engine first catches up, so the lagging first endpoint's stale head equals the engine's own and
    # no new block ever shows through it: the engine must look at the other endpoints by itself
    await asyncio.wait_for(rig.svc.processed(await rig.mine(8)), WAIT_S)
    rig.proxies[0].inject(Fault("lag", blocks=5))
    head = await rig.mine(2)
    await rig.block(head)
    head = await rig.mine(1)
    await rig.block(head)
    reorgs = [t for t in rig.events if "reorganised" in getattr(t, "reasoning", "")]
    ep0 = rig.svc.rt.client.endpoints[0]
    return check(
        rig.svc.block == head and not reorgs and ep0.lag_blocks > 0,  # 4 or 5: when the check ran
        f"engine at the true head {rig.svc.block}/{head}; #0 seen {ep0.lag_blocks} blocks behind; "
        f"false reorgs: {len(reorgs)}",
    )


async def _wrong_chain_one(rig: Rig) -> str:
    rig.proxies[0].inject(Fault("chain_id", chain_id=1))
    await rig.mine(1)
    ev = await rig.breaker("chain_id_mismatch")
    await rig.until(lambda e: getattr(e, "state", "") == "halted", "the engine halted")
    return check(
        rig.svc.state == "halted" and rig.svc.guard.chain_id_observed == 1,
        f"chain_id_mismatch opened ({ev.severity}); engine {rig.svc.state}",
    )


async def _wrong_chain_two(rig: Rig) -> str:
    rig.proxies[0].inject(Fault("chain_id", chain_id=1))
    await rig.mine(1)
    await rig.until(lambda e: isinstance(e, EngineError) and "chain" in e.message, "a wrong-chain report")
    head = await rig.mine(1)
    await rig.block(head)
    ep0 = rig.svc.rt.client.endpoints[0]
    order = [ep.index for ep in rig.svc.rt.client.ordered()]
    return check(
        rig.svc.state == "running" and order == [1],
        f"#0 out of rotation ({ep0.last_error[:40]}); block {head} via #1; engine {rig.svc.state}",
    )


async def _reorg(rig: Rig) -> str:
    head = await rig.mine(3)
    await rig.block(head)
    await rig.proxies[0].reorg(2)
    await rig.mine(1)
    ev = await rig.breaker("reorg")
    thought = await rig.until(lambda e: "reorganised" in getattr(e, "reasoning", ""), "a reorg thought")
    assert isinstance(thought, ThoughtRecorded)
    return check(
        rig.svc.state == "running",
        f"reorg breaker opened ({ev.reason[:40]}); thought: {thought.reasoning[:48]}",
    )


async def _wrong_data(rig: Rig) -> str:
    await rig.launch(spec("LIE"))
    th = await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and e.symbol == "LIE" and "quorum" in e.reasoning,
        "an entry refused for want of a quorum",
    )
    assert isinstance(th, ThoughtRecorded)
    await rig.mine(1)  # the breakers look once a block
    ev = await rig.breaker("rpc_disagree")
    await rig.until(lambda e: getattr(e, "state", "") == "halted", "the engine halted")
    opened = len(rig.svc.portfolio.open_positions())
    return check(
        opened == 0 and th.decision == "skip",
        f"entry refused ({th.reasoning[:60]}…); {ev.name} opened; positions opened: {opened}",
    )


async def _quorum_agrees(rig: Rig) -> str:
    await rig.launch(spec("TRUE"))
    await rig.thought("enter", "TRUE")
    opened = len(rig.svc.portfolio.open_positions())
    return check(opened == 1, f"entered TRUE on agreed numbers; positions opened: {opened}")


def _send_refused(fault: Fault) -> Run:
    """A live buy's broadcast meets ``fault`` on every endpoint (once): whatever the node said, the book
    must end equal to the chain — no fill booked that the chain lacks, no swap sent twice."""

    async def run(rig: Rig) -> str:
        handles = [p.inject(fault) for p in rig.proxies]
        (tok,) = await rig.launch(spec("SEND"))
        first = await rig.until(
            lambda e: (
                (isinstance(e, TradeFilled) and e.symbol == "SEND")
                or (isinstance(e, ThoughtRecorded) and e.symbol == "SEND" and e.decision in ("skip", "error"))
            ),
            "the live buy booked, or refused in a thought",
        )
        hits = sum(h.hits for h in handles)
        head = await rig.mine(2)
        await rig.block(head)
        live = rig.svc.live
        if live is None:
            raise DrillFailed("the drill needs live mode")
        held = sum(p.size for p in rig.svc.portfolio.open_positions() if p.token == tok.address)
        on_chain = await token_balance(rig.svc.rt.client, tok.address, live.address, head)
        buys = [e for e in rig.seen(TradeFilled) if isinstance(e, TradeFilled) and e.symbol == "SEND"]
        why = first.reasoning[:50] if isinstance(first, ThoughtRecorded) else ""
        what = f"refused ({why})" if why else "booked"
        return check(
            hits >= 1 and held == on_chain and len(buys) <= 1 and rig.svc.state == "running",
            f"send answered {hits}x; buy {what}; fills booked {len(buys)}; "
            f"DB {held} == chain {on_chain} token units: {held == on_chain}; engine {rig.svc.state}",
        )

    return run


SEND_SAFE = "the book equals the chain to the wei: no fill without its transaction, none sent twice"


ENDPOINT = "falls back to endpoint #1: every block processed, no engine error"
DRILLS: tuple[Drill, ...] = (
    Drill("http_503", "#0 answers HTTP 503", ENDPOINT, _fallback(Fault("http", status=503))),
    Drill("http_429", "#0 answers HTTP 429 (rate limit)", ENDPOINT, _fallback(Fault("http", status=429))),
    Drill("drop", "#0 drops every connection", ENDPOINT, _fallback(Fault("drop"))),
    Drill(
        "timeout",
        "#0 never answers (2 s timeout)",
        ENDPOINT,
        _fallback(Fault("timeout")),
        config={"chain": {"request_timeout_s": 2.0}},
    ),
    Drill(
        "latency",
        "the only endpoint answers 200 ms late",
        "blocks processed late but in order, none twice, no error",
        _latency,
        endpoints=1,
    ),
    Drill(
        "ws_drop",
        "#0 over WebSocket (ws://) drops its connection",
        "falls back to endpoint #1, then reconnects #0: every block processed, no engine error",
        _ws_reconnect,
        ws=True,
    ),
    Drill(
        "ws_latency",
        "the only endpoint, over WebSocket, answers 200 ms late",
        "blocks processed late but in order, none twice, no error",
        _latency,
        endpoints=1,
        ws=True,
    ),
    Drill(
        "outage",
        "the only endpoint fails every request, then recovers",
        "outage reported (rpc_ok false, watcher error), engine keeps running, resumes when healthy",
        _outage,
        endpoints=1,
    ),
    Drill(
        "lag",
        "#0 is 5 blocks behind (latest = old block)",
        "lagging endpoint moved last; engine follows the true head; no false reorg",
        _lag,
    ),
    Drill(
        "chain_id_all",
        "the only endpoint starts serving chain 1",
        "chain_id_mismatch (critical) opens: trading halted",
        _wrong_chain_one,
        endpoints=1,
    ),
    Drill(
        "chain_id_one",
        "#0 starts serving chain 1",
        "#0 taken out of rotation; engine keeps running on #1",
        _wrong_chain_two,
    ),
    Drill(
        "wrong_data",
        "#0 answers getReserves with reserve0 doubled (chain.quorum = 2)",
        "entry refused: the quorum does not confirm the pool; rpc_disagree halts trading; no position",
        _wrong_data,
        config={"chain": {"quorum": 2}},
        faults=((0, Fault("wrong_data", frozenset({"eth_call"}))),),
    ),
    Drill(
        "lying_node",
        "the only endpoint (chain.quorum = 1) answers getReserves with reserve0 doubled for 3 blocks while "
        "a position is held",
        "each lie contradicts the pool's logs and is read again, then not trusted: no sale, no price "
        "breaker, the position held; the honest answer after it is the pool's state",
        lying_node,
        endpoints=1,
    ),
    Drill(
        "meta_read",
        "the node answers a new pool's first token read (symbol, decimals, supply) with an error",
        "the token is read again at the next block and judged like any launch, never dropped for it",
        meta_read_fails,
        endpoints=1,
    ),
    Drill(
        "quorum_agrees",
        "none (control): two honest endpoints, chain.quorum = 2",
        "the quorum confirms the pool and the entry goes ahead",
        _quorum_agrees,
        config={"chain": {"quorum": 2}},
    ),
    Drill(
        "reorg",
        "anvil_reorg 2 blocks under the proxy",
        "Reorg seen, reorg breaker pauses entries, state re-read",
        _reorg,
    ),
    Drill(
        "reorged_fill",
        "a block holding the engine's buy is reorganised away (anvil_reorg drops its transaction)",
        "never a fill the chain lacks: paper drops it (cash back); live sends the signed bytes again and "
        "books the buy from its new receipt, DB == wallet to the wei",
        reorged_fill,
    ),
    Drill(
        "inflight_reorg",
        "a live buy mined in block N, its receipt not yet given, when N is reorganised away; the new "
        "chain carries the buy in N's replacement",
        "booked once, from the new chain's receipt (its block and hash), never from the block that went; "
        "DB == wallet to the wei (paper: nothing in flight, the fill of the replaced block dropped)",
        inflight_reorg(lands=True),
        mode="live",
        paper_too=True,
    ),
    Drill(
        "inflight_reorg_dropped",
        "a live buy mined in block N, its receipt not yet given, when N is reorganised away; the new "
        "chain lacks the buy",
        "its signed bytes sent again (same hash, one nonce), booked once from the receipt where it lands; "
        "DB == wallet to the wei",
        inflight_reorg(lands=False),
        mode="live",
    ),
    Drill(
        "inflight_reorg_stale",
        "a live buy mined in block N, N reorganised away; the buy's receipt then reaches its trade from a "
        "node still serving the old chain (block N's)",
        "booked from it, taken back at the next block (its block hash is not the chain's), booked again "
        "from the receipt of the block it is in now; DB == wallet to the wei",
        inflight_reorg_stale,
        mode="live",
    ),
    Drill(
        "already_known",
        'a live buy\'s send is taken by the node, which answers "already known"',
        SEND_SAFE,
        _send_refused(send_error("already known", forward=True, times=1)),
        mode="live",
    ),
    Drill(
        "nonce_too_low",
        'a live buy\'s send is refused once with "nonce too low"',
        SEND_SAFE,
        _send_refused(send_error("nonce too low", times=1)),
        mode="live",
    ),
    Drill(
        "underpriced",
        'a live buy\'s send is refused once with "replacement transaction underpriced"',
        SEND_SAFE,
        _send_refused(send_error("replacement transaction underpriced", times=1)),
        mode="live",
    ),
)


async def run_drill(drill: Drill, node: Node, data_dir: Path | None = None) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"drill-{drill.name}-") as tmp:
        where = data_dir or Path(tmp)
        try:
            rig = Rig(
                node,
                where,
                mode=drill.mode,
                endpoints=drill.endpoints,
                faults=drill.faults,
                ws=drill.ws,
                **drill.config,
            )
            async with rig:
                observed, passed = await drill.run(rig), True
        except DrillFailed as err:
            observed, passed = str(err), False
    return Row(drill.name, drill.fault, drill.expected, observed, passed)


def drill(name: str) -> Drill:
    return next(d for d in DRILLS if d.name == name)
