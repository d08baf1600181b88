"""The engine service: one object that owns the trading loop, can start, pause, resume and stop, and
exposes snapshots and an event stream. The TUI, the headless runner and the tests all drive this.

It wires the collaborators (discovery, the entry and exit desks, token faults, trades in flight, the
portfolio, the breakers), each owning its state, and hands each block to them as a Tick; live trades
run beside the loop and are booked when their receipts arrive (``execution/inflight.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from dexbot.chain.dex.events import NewBlock, Reorg, WatchEvent
from dexbot.chain.dex.uniswap_v3.pool import pool_fee
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.runtime import ChainRuntime, data_file, thoughts_file
from dexbot.chain.watcher import Header, PoolWatcher
from dexbot.core.config import Config
from dexbot.core.errors import ChainError, DexbotError, StoreError
from dexbot.engine.api.events import (
    BlockSeen,
    EngineError,
    EngineStateChanged,
    EventBus,
    LevelChanged,
    PortfolioUpdated,
)
from dexbot.engine.api.intel import IntelPolicy, effective_policy
from dexbot.engine.api.snapshot import EngineCounters, EngineSnapshot, TaxesSeen
from dexbot.engine.breakers.decision import Decision
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.breakers.registry import BreakerRegistry
from dexbot.engine.chain_bind import check_live, require_identity, start_note
from dexbot.engine.clock import ChainClock
from dexbot.engine.endpoints import EndpointCheck
from dexbot.engine.entries.desk import EntryDesk
from dexbot.engine.execution.inflight import InFlight
from dexbot.engine.execution.live.executor import LiveExecutor
from dexbot.engine.execution.live.opening import open_live
from dexbot.engine.execution.live.signer import live_signer
from dexbot.engine.execution.paper_setup import priced_paper
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Executor, Market
from dexbot.engine.exits.desk import ExitDesk
from dexbot.engine.exits.holding import Holding
from dexbot.engine.market.discovery import Discovery
from dexbot.engine.market.pricing import usd_per_weth_e6
from dexbot.engine.portfolio import REORG_WINDOW, Portfolio
from dexbot.engine.progress import EngineStopped, Progress
from dexbot.engine.reorged import ReorgDesk
from dexbot.engine.risk.assess import RiskAssessor
from dexbot.engine.strategy import make_strategy
from dexbot.engine.thoughts import ThoughtLog
from dexbot.engine.tick import Tick
from dexbot.engine.token_faults import TokenFaults, describe
from dexbot.store import repo

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

__all__ = ["EngineService", "EngineStopped"]
log = logging.getLogger("dexbot.engine")
RPC_BACKOFF_S = 1.0
MAX_DECISIONS_PER_BLOCK = 4
MARK_PERSIST_EVERY = 5  # blocks
# An unsigned V2/V3 swap transaction is 300-360 bytes: the size the L1 fee estimate is bounded at
SWAP_TX_BYTES = 360
SWAP_GAS = 150_000  # a V2 swap through the router uses ~110-150k
STOP_GRACE_S = 5.0  # what a stop gives trades in flight to land before it stops waiting for them


class EngineService:
    """The trading loop and its controls.

    ``await svc.processed(n)`` returns once the engine has fully handled block ``n`` or a later one: its
    logs, decisions, fills, exits, thoughts and store writes are done and its events published. It is
    woken by the loop itself (``Progress``, notified at the end of each block), never by polling,
    and it raises ``EngineStopped`` once the engine has stopped, so no caller waits forever. It returns
    between blocks: until the caller next suspends, the engine has not begun the next block.
    ``last_processed`` is the number of the last block handled (0 before the first)."""

    def __init__(
        self,
        cfg: Config,
        rt: ChainRuntime,
        db: Engine,
        *,
        bus: EventBus | None = None,
        signer: LocalAccount | None = None,
        clock: ChainClock | None = None,
        private_store: bool = False,
    ) -> None:
        """``signer``: the account live mode signs with (the unlocked keystore); on the devnet live mode
        falls back to a dev account. Paper mode ignores it. ``clock``: the chain-time clock every
        decision reads; the engine advances it to each block's timestamp (pass one to drive it).
        ``private_store``: no other process knows ``db`` (a replay's temporary store), so no operator
        writes breaker transitions to it and the per-block look for them is skipped."""
        self.cfg, self.rt, self.db = cfg, rt, db
        self.clock = clock or ChainClock()
        self.bus = bus or EventBus()
        self.level = cfg.intel.level
        self.state = "starting"
        self.state_reason = ""
        instance = cfg.instance.name
        self.thoughts = ThoughtLog(
            db, self.bus, jsonl=data_file(cfg, thoughts_file(instance)), instance=instance
        )
        mode = cfg.mode.trading
        account = live_signer(cfg, signer) if mode == "live" else None
        require_identity(rt.identity)
        if account is not None:
            check_live(db, rt.identity, str(account.address))
        self.portfolio = Portfolio.load(
            db,
            kind=mode,
            chain_id=rt.chain_id,
            genesis_hash=rt.genesis_hash,
            address=str(account.address) if account else "",
            starting_balance=0 if account else cfg.paper.starting_balance_wei,  # live: the wallet's, at start
            instance=instance,
        )
        self.start_note = start_note(
            db, self.portfolio.account, rt.chain_name, new=self.portfolio.new_account
        )
        now = self.clock.now
        self.quotes = QuoteSource(rt.client, rt.addrs)
        self.faults = TokenFaults(self.bus, self.thoughts, now)
        self.market = Discovery(
            rt,
            self.bus,
            make_strategy(cfg.strategy.name),
            self.quotes,
            now,
            self.faults,
            cfg.strategy.watchlist,
        )
        self.watcher = PoolWatcher(rt.client, rt.addrs, block_time_s=rt.block_time_s, pinned=self._kept_pools)
        self.quotes.states = lambda: self.watcher.states  # V2 quotes at a watched block: no round trip
        self.quotes.block_hash = self.watcher.hash_of  # a paper fill names its block
        self.quotes.untrusted = lambda: self.watcher.untrusted  # a state the logs contradict: no price
        self.gas = GasOracle(rt.client, rt.info, cfg.gas)
        self.guard = Observations(rt.client, self.portfolio, rt.chain_id, clock=now)
        self.endpoints = EndpointCheck(rt.client, self.bus, self.guard, rt.block_time_s)
        self.breakers = BreakerRegistry(
            cfg.breakers,
            db,
            bus=self.bus,
            thoughts=self.thoughts,
            instance=instance,
            clock=now,
            shared_store=not private_store,
            chain=(rt.chain_id, rt.genesis_hash),
        )
        self.decision = Decision()
        self._lock = asyncio.Lock()  # one block, one booking or one operator action at a time
        self.waits = Progress()
        self.live: LiveExecutor | None = None
        executor: Executor
        if account is not None:
            executor = self.live = open_live(
                account,
                db,
                quotes=self.quotes,
                gas=self.gas,
                portfolio=self.portfolio,
                thoughts=self.thoughts,
                guard=self.guard,
                policy=self.policy,
                max_trade_wei=cfg.mode.max_trade_wei,
                block_time_s=rt.block_time_s,
                genesis_hash=rt.genesis_hash,
                books=self._lock,
            )
            # what exits and sizing judge a trade's gas by: the chain's answer for the live transactions
            self.pricer: SwapPricer | None = SwapPricer(rt.client, rt.addrs, self.gas, self.policy, account)
        else:  # paper fills pay the gas (and on OP-stack chains the L1 data fee) a live trade would
            executor = priced_paper(cfg, self.quotes, self.gas, self.policy)
            self.pricer = executor.pricer
        self.trades = InFlight(
            executor, self._lock, on_error=self._booking_failed, on_booked=self.waits.booked
        )
        self.exits = ExitDesk(
            cfg,
            rt,
            self.bus,
            self.thoughts,
            self.portfolio,
            self.market,
            self.quotes,
            self.trades,
            self.guard,
            self.faults,
            now,
            self.pricer,
        )
        self.entries = EntryDesk(
            cfg,
            rt,
            db,
            self.thoughts,
            self.portfolio,
            self.market,
            self.exits,
            self.quotes,
            self.trades,
            RiskAssessor(
                rt.client,
                rt.addrs,
                cfg.risk,
                block_time_s=rt.block_time_s,
                clock=now,
                log_blocks=rt.log_blocks,
            ),
            self.guard,
            self.faults,
            lambda: self.decision,
            now,
            max_trade_wei=cfg.mode.max_trade_wei if account is not None else None,
            pricer=self.pricer or SwapPricer(rt.client, rt.addrs, self.gas, self.policy),
        )
        self.reorgs = ReorgDesk(
            self.portfolio,
            self.watcher.hash_of,
            self.thoughts,
            self.bus,
            self.exits.holdings,
            self.live,
            self._restore_holding,
        )
        self.base_fee = 0
        self.l1_fee = 0  # OP-stack chains: the most one swap's L1 data fee can be, at the last block
        self.gas_price = 0  # the last fee per gas suggested; a block whose suggestion fails keeps it
        self.block = 0
        self.block_ts = 0
        self.block_seen = 0.0
        self.rpc_ok = True
        self.eth_usd_e6 = 0
        self.equity_curve: deque[tuple[int, int]] = deque(maxlen=600)
        self.blocks_processed = 0
        self.decision_ms: deque[float] = deque(maxlen=1000)  # one candidate judged (assess, size, fill)
        self.launch_to_decision_ms: deque[float] = deque(maxlen=1000)
        self.block_ms: deque[float] = deque(maxlen=1000)  # one block handled, start to end
        self.start_block = 0  # the head the engine started at (a recording replays from it)
        self.stage_ms: dict[str, deque[float]] = {}  # PairCreated log → decision made
        self._stop = asyncio.Event()
        self._stopped = asyncio.Event()

    # -- control ------------------------------------------------------------------------------------------

    def policy(self) -> IntelPolicy:
        return effective_policy(self.cfg, self.level)

    async def _set_state(self, state: str, reason: str = "") -> None:
        if state == self.state and reason == self.state_reason:
            return
        self.state, self.state_reason = state, reason
        self.bus.publish(EngineStateChanged(state=state, reason=reason))

    async def pause(self) -> None:
        if self.state == "running":
            await self._set_state("paused", "paused by the operator")
            await self.thoughts.record(
                "pause",
                "Paused by the operator: no new entries; exits keep protecting open positions.",
                intel_level=self.level,
                block_number=self.block,
            )

    async def resume(self) -> None:
        if self.state == "paused":
            await self._set_state("running")
            await self.thoughts.record(
                "resume",
                "Resumed by the operator: entries allowed again.",
                intel_level=self.level,
                block_number=self.block,
            )

    async def set_level(self, level: int) -> None:
        if not 1 <= level <= 10:
            raise DexbotError(f"intel level {level} is outside 1..10")
        old, self.level = self.level, level
        if old == level:
            return
        p = self.policy()
        self.bus.publish(LevelChanged(old=old, new=level))
        await self.thoughts.record(
            "level",
            f"Intel level {old} → {level}; the next decision uses it. {p.describe()}.",
            intel_level=level,
            lane=p.lane,
            block_number=self.block,
        )

    async def kill(self) -> None:
        """Trip the critical manual breaker: no new entries within this tick; exits keep running. Live
        mode also cancels pending transactions by same-nonce replacement."""
        self.decision = await self.breakers.kill_switch()
        await self._apply_decision()
        if self.live is not None:
            await self.live.stuck.cancel_all(self.block)

    async def sell_now(self, position_id: int) -> None:
        async with self._lock:
            pos = self.portfolio.positions.get(position_id)
            h = self.exits.holdings.get(position_id)
            if pos is None or h is None:
                raise DexbotError(f"no open position {position_id}")
            if self.trades.busy(pos.token):
                raise DexbotError(f"position {position_id} has a trade in flight; sell it once that lands")
            if self.trades.full():
                raise DexbotError(
                    f"{len(self.trades.tasks)} trades are in flight, the most at once; try again"
                )
            await self.exits.sell(pos, h, "manual", "sold on the operator's request", self.tick())

    async def reset_breaker(self, name: str) -> None:
        await self.breakers.reset(name, "reset by the operator")
        self.decision = self.breakers.decision()
        await self._apply_decision()

    async def _apply_decision(self) -> None:
        d = self.decision
        if d.halted and self.state in ("running", "paused"):
            await self._set_state("halted", d.reason or "critical breaker open")
        elif not d.halted and self.state == "halted":
            await self._set_state("running")
        elif d.halted and self.state == "halted" and d.reason and d.reason != self.state_reason:
            await self._set_state("halted", d.reason)

    async def stop(self) -> None:
        self._stop.set()
        if self.state not in ("starting", "stopped"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=15)

    @property
    def last_processed(self) -> int:
        return self.waits.last_processed

    @property
    def progress(self) -> int:
        """Blocks handled plus trades booked: what a waiter on the engine's state looks again after."""
        return self.waits.count

    async def processed(self, block: int) -> int:
        """Wait until block ``block`` or a later one has been fully handled; the last handled block's
        number. Raises EngineStopped if the engine stops first (see the class docstring)."""
        return await self.waits.processed(block)

    async def next_block_processed(self) -> int:
        """Wait for the next block the engine handles from now on; its number."""
        return await self.waits.processed(self.last_processed + 1)

    async def progressed(self, since: int) -> int:
        """Wait until the engine has handled another block or booked another trade since ``progress``
        was ``since``; the new ``progress``. A live trade is booked when its receipt arrives, between
        blocks: a waiter for what the trade changes looks again then."""
        return await self.waits.progressed(since)

    async def _booking_failed(self, side: str, err: Exception) -> None:
        """A live trade's booking raised: that booking is lost to the store (the next start reconciles
        the position with the wallet), never the engine."""
        if isinstance(err, StoreError):
            self.guard.db_write_error = str(err)
            self.bus.publish(EngineError(where="store", message=str(err)))
        else:
            self.bus.publish(EngineError(where="engine", message=f"booking a {side}: {describe(err)}"))

    # -- loop ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin watching at the head: the pools the chain already has become the known market."""
        head = await self.watcher.start()
        self.clock.advance(self.watcher.head_timestamp)
        self.block = self.waits.last_processed = self.start_block = head  # the chain so far: the known market
        if self.start_note:
            await self.thoughts.record("start", self.start_note, block_number=head)
        await self.market.seed_known(self.watcher, head)
        if self.cfg.strategy.watchlist:
            v2, v3 = await self.market.add_watchlist(list(self.cfg.strategy.watchlist), head)
            self.watcher.watch_v2(v2)
            self.watcher.watch_v3(v3)
            await self.watcher.refresh(head)
            self.market.price_pools(self.watcher.states, head)
        if self.live is not None:  # first: it books what the last run left unbooked
            await self.live.settle(head)
        # A reorg while the bot was stopped shows no Reorg: the fills whose block the chain no longer has
        # are taken back now, and (live) booked again from the new chain or sent again, before a live
        # start adopts the wallet's balance: the books must say what the wallet paid when it is read
        ancestor = self.reorgs.stale_since()
        undone = await self.reorgs.take_back(ancestor, head) if ancestor is not None else []
        if self.live is not None:
            if undone and ancestor is not None:
                await self.live.on_reorg(undone, ancestor, head)
            await self.live.adopt(head)  # the wallet against the books; positions the chain closed close
        for pos in self.portfolio.open_positions():
            await self._restore_holding(pos.id or 0)
        await self.breakers.start()
        self.decision = self.breakers.decision()
        await self._set_state("running")
        await self._apply_decision()

    async def run(self) -> None:
        try:
            if self.state == "starting":
                await self.start()
            while not self._stop.is_set():
                try:
                    batch = await self._poll()
                    self.rpc_ok = True
                except (ChainError, OSError) as err:
                    self.rpc_ok = False
                    self.bus.publish(EngineError(where="watcher", message=str(err)))
                    log.warning("chain read failed: %s", err)
                    await self.endpoints.check()  # an endpoint back on our chain returns to rotation
                    await self._sleep(RPC_BACKOFF_S)
                    continue
                await self._handle_batch(batch)
                if not batch:
                    await self.endpoints.when_idle(self.block_seen)
                    await self._sleep(self.watcher.poll_interval_s)
        finally:
            with contextlib.suppress(Exception):
                await self.trades.close(STOP_GRACE_S)
            with contextlib.suppress(Exception):
                await self.portfolio.persist_marks()
            await self._set_state("stopped")
            self._stopped.set()
            await self.waits.stop()

    async def step(self, tip: Header | None = None) -> int:
        """Drive a started engine by hand (a replay): one watcher poll and its events handled, exactly as
        the loop would, with no waiting between polls; the last block handled. ``tip``: the head as the
        driver just mined it; the poll's reads and the block's fee snapshot, all pinned to it, then go
        out as one HTTP batch (the snapshot is the one ``_fees`` asks for: the oracle keeps it), beside
        the block's endpoint check (kept for ``EndpointCheck.check``): one round trip's wait, not five."""
        if tip is None:
            polled = await self.watcher.poll()
        else:
            with self.rt.client.coalescing():
                polled, _, _ = await asyncio.gather(
                    self.watcher.poll(tip), self._prefetch_fees(tip.number), self.endpoints.read_early()
                )
        await self._handle_batch(polled)
        return self.last_processed

    async def _prefetch_fees(self, block: int) -> None:
        with contextlib.suppress(ChainError, ValueError, KeyError):  # _fees reads again and says why
            await self.gas.snapshot(head=block)

    async def _handle_batch(self, batch: list[WatchEvent]) -> None:
        for ev in batch:
            async with self._lock:
                try:
                    await self._handle(ev)
                except StoreError as err:
                    self.guard.db_write_error = str(err)
                    self.bus.publish(EngineError(where="store", message=str(err)))
                    log.error("database write failed: %s", err)
                except Exception as err:  # a bug must cost one event, never the running engine
                    why = describe(err)
                    self.bus.publish(EngineError(where="engine", message=why))
                    log.error("handling %s failed: %s", type(ev).__name__, why, exc_info=err)
            if isinstance(ev, NewBlock):
                await self.waits.block_done(ev.number)

    async def _poll(self) -> list[WatchEvent]:
        """The watcher's next events, or none once a stop is asked for: on a hung endpoint one poll can
        take every endpoint's timeout times the retries, and a stop must not wait for that. Cancelling
        a poll is safe: the watcher commits nothing until all of its reads are in."""
        poll = asyncio.ensure_future(self.watcher.poll())
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({poll, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not poll.done():
                poll.cancel()
                await asyncio.wait({poll})  # let its requests unwind before the client closes
        return [] if poll.cancelled() else poll.result()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _handle(self, ev: object) -> None:
        if isinstance(ev, NewBlock):
            await self._on_block(ev)
        elif isinstance(ev, Reorg):
            self.guard.reorg_depth = max(self.guard.reorg_depth, ev.depth)
            await self.thoughts.record(
                "hold",
                f"Chain reorganised {ev.depth} block(s) deep back to #{ev.common_ancestor}; state re-read.",
                block_number=ev.new_head,
                evidence={"old_head": ev.old_head_hash, "new_head": ev.new_head_hash},
            )
            await self.reorgs.unbook(ev.common_ancestor, ev.new_head)
        else:
            await self.market.on_log(ev)

    async def _on_block(self, ev: NewBlock) -> None:
        started = time.perf_counter()
        await self.reorgs.replaced(ev.number)
        self.block, self.block_ts, self.block_seen = ev.number, ev.timestamp, time.monotonic()
        self.clock.advance(ev.timestamp)
        self.portfolio.forget_booked(ev.number - REORG_WINDOW)
        with self._timed("fees"):
            await self._fees(ev.number)
        tick = self.tick()
        self.bus.publish(BlockSeen(number=ev.number, timestamp=ev.timestamp))
        states = self.watcher.states
        if self.rt.usdc_pool and self.rt.usdc_pool in states:
            usdc_first = (self.rt.usdc or "").lower() < self.rt.addrs.weth.lower()
            self.eth_usd_e6 = usd_per_weth_e6(states[self.rt.usdc_pool], usdc_is_token0=usdc_first)
        await self.market.read_again(ev.number)  # new pools whose token the node failed to give
        changed = self.market.price_pools(states, ev.number)
        held = {pos.token for pos in self.portfolio.open_positions()}
        self._forget(ev.dropped, held)
        with self._timed("breakers"):
            await self._check_breakers(ev, tick)  # first: they gate entries, and a rug should exit as a rug
        self.entries.enqueue(self.market.strategy.on_block(self.market.view, ev.number, held))
        if self.state == "running":
            # Entries before the exit rules: a launch is worth milliseconds, an exit rule tens of them
            # in a 2 s block (the breakers' ordered exits already ran above).
            with self._timed("decisions"):
                await self._decide(tick)
        with self._timed("exits"):
            await self.exits.manage(tick)
        self.market.publish_market(changed, self.entries.assessments)
        snap = self.portfolio.snapshot()
        self.equity_curve.append((ev.number, snap.equity))
        self.bus.publish(
            PortfolioUpdated(
                cash=snap.cash,
                equity=snap.equity,
                realised_pnl=snap.realised_pnl,
                unrealised_pnl=snap.unrealised_pnl,
                peak_equity=snap.peak_equity,
                open_positions=snap.open_positions,
                eth_usd_e6=self.eth_usd_e6,
            )
        )
        self.blocks_processed += 1
        if self.blocks_processed % MARK_PERSIST_EVERY == 0:
            await self.portfolio.persist_marks()
        self.block_ms.append((time.perf_counter() - started) * 1000)
        log.debug("block %d processed in %.1f ms", ev.number, self.block_ms[-1])

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Per-stage time of the block loop (ms), kept for benchmarks and metrics."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stage_ms.setdefault(stage, deque(maxlen=1000)).append((time.perf_counter() - t0) * 1000)

    def tick(self) -> Tick:
        """The block being handled, as the desks get it."""
        return Tick(self.block, self.block_ts, self.gas_price, self.policy(), self.l1_fee)

    def _kept_pools(self) -> set[str]:
        """Pools the watcher must never drop: the positions', the watch-list's, the USD price pair."""
        return self.exits.kept_pools() | self.market.kept_pools()

    def _forget(self, dropped: Collection[str], held: set[str]) -> None:
        """Pools the watcher dropped leave the view; every desk drops what it kept for tokens left with
        no pool in view and no position, and old hostile sightings age out."""
        live = self.market.forget_pools(dropped, held)
        if live is not None:
            self.thoughts.forget([t for t in self.thoughts.tokens() if t not in live])
            self.entries.forget(live)
            for token in self.faults.forget(live) + self.exits.forget(live):
                self.entries.assessor.forget(token)
        self.faults.age(self.clock.now())

    async def _decide(self, tick: Tick) -> None:
        """Judge queued candidates, a bounded number per block so a burst of launches cannot stall exits.
        With the most trades in flight at once, candidates wait in the queue for a later block."""
        for _ in range(min(MAX_DECISIONS_PER_BLOCK, self.entries.queued())):
            if self.trades.full():
                return
            cand = self.entries.next_candidate()
            token = cand.token.lower()
            t0 = time.perf_counter()
            try:
                await self.entries.consider(cand, tick)
            except StoreError:
                raise  # the store is not this token's fault: the loop's store handling takes it
            except Exception as err:  # one token's failure is that token's skip, never a stopped engine
                info = self.market.view.pools.get(cand.pool)
                symbol = info.symbol if info else token[:8]
                await self.faults.token_failed(
                    "trade", cand.token, symbol, err, block=tick.block, policy=tick.policy
                )
            self.decision_ms.append((time.perf_counter() - t0) * 1000)
            seen = self.market.discovered.pop(token, None)
            if seen is not None and self.entries.decided_at:
                self.launch_to_decision_ms.append((self.entries.decided_at - seen) * 1000)

    async def _fees(self, block: int) -> None:
        """EIP-1559 price of the next block at the level's urgency; on failure keep the last one."""
        try:
            fee = await self.gas.suggest(self.policy().gas_urgency, head=block)
        except (ChainError, ValueError, KeyError) as err:
            log.warning("gas suggestion failed: %s", err)
            return
        self.gas_price = fee.expected_fee_per_gas
        self.base_fee = fee.base_fee
        if self.rt.info.op_stack:
            try:
                # and the operator fee of a swap's gas (Isthmus): both come on top of execution gas
                self.l1_fee = await self.gas.l1_fee_upper_bound(SWAP_TX_BYTES)
                self.l1_fee += await self.gas.operator_fee(SWAP_GAS)
            except (ChainError, ValueError) as err:
                log.warning("L1 fee estimate failed: %s", err)

    async def _check_breakers(self, ev: NewBlock, tick: Tick) -> None:
        await self.endpoints.check()
        await self.breakers.sync_from_store()
        if self.live is not None:
            if self.live.runner.pending:  # first: a node may not count a transaction it cannot include
                await self._speed_up_stuck(ev.number)
            try:
                # a trade in flight may have moved the wallet before its booking moves the books
                obs = await self.live.observe()
                self.guard.wallet = replace(obs, booked=not self.trades.tasks)
            except ChainError as err:
                self.guard.wallet = None
                log.warning("live wallet observation failed: %s", err)
        ctx = self.guard.context(
            block=ev.number,
            block_ts=ev.timestamp,
            base_fee=self.base_fee,
            view=self.market.view,
            held=self.exits.held_tokens(),
            hostile_seen=self.faults.hostile_seen,
            l1_fee=self.l1_fee if self.rt.info.op_stack else None,
            kill_switch=False,
        )
        d = await self.breakers.check_all(ctx)
        self.decision = d
        await self._apply_decision()
        if d.exit_positions:
            names = ", ".join(o.name for o in d.open if o.action == "exit_position") or "breaker"
            await self.exits.exit_tokens(d.exit_positions, f"ordered out by the {names} breaker.", tick)

    async def _speed_up_stuck(self, block: int) -> None:
        """A transaction the fee market left behind is repriced at this block's fees, by the loop, which
        sends and goes on: the trade waiting on it books whichever of the two lands."""
        assert self.live is not None
        try:
            await self.live.stuck.speed_up(block)
        except ChainError as err:
            log.warning("speeding up a stuck transaction failed: %s", err)

    async def _restore_holding(self, position_id: int) -> None:
        """Resume managing a position after a restart, with the taxes its last assessment measured."""
        pos = self.portfolio.positions[position_id]
        info = self.market.view.pools.get(pos.pool)
        fee = info.fee if info else None
        if pos.dex == "uniswap_v3" and fee is None:
            fee = await pool_fee(self.rt.client, pos.pool)  # a pool the engine has not found again
        m = Market(pos.token, pos.pool, pos.dex, fee)
        if pos.dex == "uniswap_v2":
            self.watcher.watch_v2([pos.pool])
        else:
            self.watcher.watch_v3([pos.pool])
        last = await asyncio.to_thread(
            repo.latest_assessment,
            self.db,
            self.rt.chain_id,
            self.rt.genesis_hash,
            pos.token,
            instance=self.cfg.instance.name,
        )
        buy_tax = last.buy_tax_bps or 0 if last else 0
        sell_tax = last.sell_tax_bps or 0 if last else 0
        rules = self.exits.exit_rules(self.policy())
        self.exits.hold(position_id, Holding(m, buy_tax, sell_tax, rules, pos.opened_at.timestamp()))

    # -- snapshot -----------------------------------------------------------------------------------------

    def counters(self) -> EngineCounters:
        return EngineCounters(
            gas_price=self.gas_price,
            base_fee=self.base_fee,
            wins=self.exits.wins,
            losses=self.exits.losses,
            risk_cache_hits=self.entries.assessor.hits,
            risk_cache_misses=self.entries.assessor.misses,
            events_dropped=self.bus.dropped,
            state_answers_disagreed=self.watcher.answers_disagreed,
        )

    def taxes_seen(self, token: str) -> TaxesSeen | None:
        """The token's taxes by its latest assessment; None when it has none."""
        a = self.entries.assessments.get(token.lower())
        return None if a is None else TaxesSeen(a.buy_tax_bps, a.sell_tax_bps)

    def snapshot(self) -> EngineSnapshot:
        snap = self.portfolio.snapshot()
        p = self.policy()
        positions = self.exits.position_views()
        pools = self.market.pool_views(self.entries.assessments, self.block)
        breakers = tuple(self.breakers.views())
        return EngineSnapshot(
            mode=self.cfg.mode.trading,
            chain=self.rt.chain_name,
            chain_id=self.rt.chain_id,
            state=self.state,
            state_reason=self.state_reason,
            block_number=self.block,
            block_age_s=max(0.0, time.time() - self.block_ts) if self.block_ts else 0.0,
            rpc_ok=self.rpc_ok,
            intel_level=self.level,
            lane=p.lane,
            cash=snap.cash,
            equity=snap.equity,
            realised_pnl=snap.realised_pnl,
            unrealised_pnl=snap.unrealised_pnl,
            peak_equity=snap.peak_equity,
            drawdown_bps=snap.drawdown_bps,
            wins=self.exits.wins,
            losses=self.exits.losses,
            eth_usd_e6=self.eth_usd_e6,
            positions=positions,
            breakers=breakers,
            pools=pools,
            equity_curve=tuple(self.equity_curve),
            account_id=self.portfolio.account.id or 0,
        )
