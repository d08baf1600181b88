"""The drill of a live trade in flight while a reorg happens: the buy is signed, sent and mined in block N,
but the node has not given its receipt yet (the proxy answers "no receipt" for every transaction, as a
node still indexing does), so the trade's task is still waiting when the engine reads block N and then
sees N reorganised away. Two ends:

- ``lands``: the new chain carries the buy (in the replacement of N, a block with another hash): the
  receipt, once given, is the new chain's, and the buy is booked once, from it.
- dropped: the new chain lacks it; the node forgot it, so the waiting trade sends its signed bytes again
  (the same hash: never a second swap); it lands in a later block and is booked once, from there.

Either way nothing was booked from the block that went, and the books end equal to the wallet to the wei.
Paper has nothing in flight (a paper fill is booked inline, in the block that decided it): its run is the
reorged-fill drill's, the fill dropped with its block."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dexbot.chain.devnet.faults import Fault
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.api.events import ThoughtRecorded, TradeFilled
from dexbot.engine.drills.reorg_fill import reorged_fill
from dexbot.engine.drills.rig import WAIT_S, DrillFailed, Rig, spec
from dexbot.store import repo

RECEIPTS = frozenset({"eth_getTransactionReceipt"})


def _no_receipt(call: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": call.get("id"), "result": None}


def inflight_reorg(*, lands: bool) -> Any:
    async def run(rig: Rig) -> str:
        if rig.svc.live is None:
            return "nothing in flight in paper (fills are booked inline): " + await reorged_fill(rig)
        return await _live(rig, lands=lands)

    return run


class _Receipts:
    """The proxy's answer to eth_getTransactionReceipt: none at all ("hide"), or, for one transaction,
    the receipt of a block the chain no longer has ("stale": a node still serving the old chain)."""

    def __init__(self) -> None:
        self.stale: dict[str, Any] = {}

    def __call__(self, call: dict[str, Any]) -> dict[str, Any]:
        params = call.get("params") or [""]
        if not self.stale:
            return _no_receipt(call)
        if params[0] in self.stale:
            return {"jsonrpc": "2.0", "id": call.get("id"), "result": self.stale[params[0]]}
        return call


async def inflight_reorg_stale(rig: Rig) -> str:
    """The buy's receipt reaches its trade only after the reorg, and it is the replaced block's: booked
    from it, then taken back at the next block (its block hash is not the chain's at its height), and
    booked again from the receipt of the block it is in now."""
    live = rig.svc.live
    if live is None:
        raise DrillFailed("the drill needs live mode")
    proxy = rig.proxies[0]
    answer = _Receipts()
    hidden = proxy.inject(Fault("rewrite", RECEIPTS, rewrite=answer))
    (tok,) = await rig.launch(spec("STALE"))
    await asyncio.wait_for(hidden.hit.wait(), WAIT_S)
    (entry,) = [e for e in await live.rebook.ledger.history(limit=5) if e.purpose == "buy"]
    sent = entry.tx_hash
    old = await rig.dev.call("eth_getTransactionReceipt", sent)
    n = int(old["blockNumber"], 16)
    await rig.block(n)
    head = int(await rig.dev.call("eth_blockNumber"), 16)
    await proxy.reorg(head - n + 1)  # without the buy: its trade sends it again, into a new block
    await rig.mine(1)
    await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and "Chain reorganised" in e.reasoning, "the reorg seen"
    )
    in_flight = tok.address.lower() in rig.svc.trades.tasks and not rig.seen(TradeFilled)
    answer.stale[sent] = old  # now the trade gets its receipt: the old chain's
    stale = await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == "STALE", "the stale booking")
    await asyncio.wait_for(rig.svc.trades.settled(), WAIT_S)
    proxy.clear()
    await rig.mine(1)
    await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and "a reorg took its block away" in e.reasoning,
        "the buy booked again from the chain's receipt",
    )
    now = int(await rig.dev.call("eth_blockNumber"), 16)
    await asyncio.wait_for(rig.svc.processed(now), WAIT_S)
    end = await _ending(rig, tok.address, live.address, sent, now)
    receipt, landed, got, hashes = end.receipt, end.landed, end.got, end.hashes
    held, on_chain, wallet, nonce, pf = end.held, end.on_chain, end.wallet, end.nonce, rig.svc.portfolio
    ok = (
        in_flight
        and isinstance(stale, TradeFilled)
        and got == [("reorged", True, n), ("filled", True, landed)]
    )
    ok = ok and landed > n and hashes == [receipt["blockHash"]] and held == on_chain and pf.cash == wallet
    ok = ok and nonce == entry.nonce + 1
    observed = (
        f"buy in flight across the reorg of block {n}: {in_flight}; booked from the old chain's receipt, "
        f"taken back at the next block, booked again from block {landed} ({[s for s, *_ in got]}); DB "
        f"{held} == chain {on_chain} tokens, cash == wallet: {pf.cash == wallet}; wallet nonces used "
        f"{nonce - entry.nonce} from the buy's"
    )
    if not ok:
        raise DrillFailed(observed + f" — rows {got}")
    return observed


async def _live(rig: Rig, *, lands: bool) -> str:
    live = rig.svc.live
    assert live is not None
    proxy = rig.proxies[0]
    hidden = proxy.inject(Fault("rewrite", RECEIPTS, rewrite=_no_receipt))
    symbol = "FLIGHT" if lands else "FLOWN"
    (tok,) = await rig.launch(spec(symbol))
    await asyncio.wait_for(hidden.hit.wait(), WAIT_S)  # the buy is sent: its task asks for the receipt
    ledger = live.rebook.ledger  # the store's LedgerStore (the Sender holds it as its port)
    (entry,) = [e for e in await ledger.history(limit=5) if e.purpose == "buy"]
    sent = entry.tx_hash
    mined = await rig.dev.call("eth_getTransactionReceipt", sent)  # the node itself: mined at once
    n = int(mined["blockNumber"], 16)
    await rig.block(n)  # the engine has read block N, with the buy in it
    in_flight = tok.address.lower() in rig.svc.trades.tasks and not rig.seen(TradeFilled)
    head = int(await rig.dev.call("eth_blockNumber"), 16)
    if lands:
        raw = await rig.dev.call("eth_getRawTransactionByHash", sent)
        me = (await rig.dev.call("eth_accounts"))[0]
        nudge = {"from": me, "to": me, "value": "0x1"}  # so the replacement of N hashes differently
        await rig.dev.call("anvil_reorg", head - n + 1, [[nudge, 0], [raw, 0]])
    else:
        await proxy.reorg(head - n + 1)  # block N and all after it, without the buy
    proxy.clear()  # the node gives receipts again: the new chain's
    await rig.mine(1)
    await rig.until(
        lambda e: isinstance(e, ThoughtRecorded) and "Chain reorganised" in e.reasoning, "the reorg seen"
    )
    await rig.until(lambda e: isinstance(e, TradeFilled) and e.symbol == symbol, "the buy booked")
    await asyncio.wait_for(rig.svc.trades.settled(), WAIT_S)
    now = int(await rig.dev.call("eth_blockNumber"), 16)
    await asyncio.wait_for(rig.svc.processed(now), WAIT_S)
    end = await _ending(rig, tok.address, live.address, sent, now)
    landed, got, hashes = end.landed, end.got, end.hashes
    held, on_chain, wallet, nonce, pf = end.held, end.on_chain, end.wallet, end.nonce, rig.svc.portfolio
    chain_hash = (await rig.dev.call("eth_getBlockByNumber", hex(landed), False))["hash"]
    where = f"in the new block {landed} (was {n})" if lands else f"sent again, landed in {landed} (was {n})"
    ok = in_flight and got == [("filled", True, landed)] and (landed == n) == lands
    ok = ok and hashes == [chain_hash] and held == on_chain and pf.cash == wallet and nonce == entry.nonce + 1
    observed = (
        f"buy in flight at the reorg of block {n}: {in_flight}; {where}; booked once from the new "
        f"chain's receipt (block hash the chain's: {hashes == [chain_hash]}) ({[s for s, *_ in got]}); "
        f"DB {held} == chain {on_chain} tokens, cash == wallet: "
        f"{pf.cash == wallet}; wallet nonces used {nonce - entry.nonce} from the buy's"
    )
    if not ok:
        raise DrillFailed(observed + f" — rows {got}")
    return observed


@dataclass(frozen=True)
class _End:
    """How a drill's buy ended, read at block ``now``: its receipt and block, its trade rows (status,
    is-this-transaction, block), the block hashes its bookings carry, and DB against chain."""

    receipt: Any
    landed: int
    got: list[tuple[str, bool, int]]
    hashes: list[str]
    held: int
    on_chain: int
    wallet: int
    nonce: int


async def _ending(rig: Rig, token: str, wallet: str, sent: str, now: int) -> _End:
    receipt = await rig.dev.call("eth_getTransactionReceipt", sent)
    rows = sorted(await asyncio.to_thread(repo.list_trades, rig.svc.db, token=token), key=lambda t: t.id or 0)
    pf, client = rig.svc.portfolio, rig.svc.rt.client
    return _End(
        receipt=receipt,
        landed=int(receipt["blockNumber"], 16) if isinstance(receipt, dict) else -1,
        got=[(t.status, t.tx_hash == sent, t.block_number) for t in rows],
        hashes=[b.block_hash for b in pf.journal if b.trade.tx_hash == sent],
        held=sum(p.size for p in pf.open_positions() if p.token == token),
        on_chain=await token_balance(client, token, wallet, now),
        wallet=await eth_balance(client, wallet, now),
        nonce=int(await rig.dev.call("eth_getTransactionCount", wallet, hex(now)), 16),
    )
