"""Running the plan against a live devnet, paced to the wall clock.

One driver walks the plan and sleeps until each action is due; swaps run as tasks (at most
``max_in_flight`` at once, about two blocks' worth, so a slow node applies back-pressure instead of
piling up requests); launches and rugs go to one owner worker, in order, because they share the
launcher's nonces; one receipt watcher serves them all. Nothing that goes wrong with a transaction
stops the market: it is counted and logged. Cancelling the task stops everything promptly.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterator

from dexbot.chain.devnet import Devnet, DevnetService
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.core.config import MarketConfig

from .actions import Action, Launch, RegimeShift, Rug, Swap, pool_key
from .launches import LaunchedToken, execute_launch
from .plan import MAX_LIVE_LAUNCHES, plan_market
from .pools import MarketPool, deployment_pools, token_pool
from .receipts import ReceiptWatcher
from .rugs import execute_rug
from .stats import Launched, MarketEvent, MarketStats, RegimeChanged, Rugged
from .swaps import SwapDesk, execute_swap
from .traders import Trader, fund, market_accounts

log = logging.getLogger(__name__)
OnActivity = Callable[[MarketEvent], None]
# In-flight swaps: enough for two blocks' worth at the configured rate, within these bounds.
MIN_IN_FLIGHT = 64
MAX_IN_FLIGHT = 512
# The plan trades the newest MAX_LIVE_LAUNCHES and rugs a launch within a few launch periods.
KEPT_LAUNCHES = 4 * MAX_LIVE_LAUNCHES


class MarketSimulator:
    def __init__(
        self,
        dn: Devnet,
        cfg: MarketConfig,
        seed: int,
        *,
        block_time_s: float = 2.0,
        on_activity: OnActivity | None = None,
        stats: MarketStats | None = None,
        max_in_flight: int | None = None,
    ) -> None:
        self.dn = dn
        self.cfg = cfg
        self.seed = seed
        self.block_time_s = block_time_s
        self.on_activity = on_activity
        self.stats = stats if stats is not None else MarketStats()
        wanted = math.ceil(2 * cfg.swaps_per_s * (block_time_s + 1))
        self.max_in_flight = max_in_flight or min(MAX_IN_FLIGHT, max(MIN_IN_FLIGHT, wanted))
        # Launched tokens join the market "a few blocks" after launch; a late swap is dropped, not sent.
        self.settle_s = max(1.0, 3 * block_time_s)
        self.max_lag_s = 2.0 + block_time_s
        self.tx_timeout_s = max(30.0, 10 * block_time_s)
        self._pools: dict[str, MarketPool] = {p.key: p for p in deployment_pools(dn.deployment)}
        self._launched: dict[int, LaunchedToken] = {}
        self._traders: list[Trader] = []

    def plan(self) -> Iterator[Action]:
        """The plan this simulator executes: the same for the same seed, config, deployment and block time."""
        dep = self.dn.deployment
        taken = {"WETH", "USDC", *(t.symbol for t in dep.tokens)}
        refs = [p.ref() for p in deployment_pools(dep)]
        return plan_market(self.seed, self.cfg, refs, settle_s=self.settle_s, taken_symbols=taken)

    async def run(self) -> None:
        if not self.cfg.enabled:
            log.info("market disabled (devnet.market.enabled = false)")
            return
        try:
            await self._run()
        except Exception as exc:  # recorded for status displays, then re-raised to the caller
            self.stats.stopped = str(exc) or type(exc).__name__
            raise

    async def _run(self) -> None:
        launcher, addresses = market_accounts(self.dn.accounts, self.cfg.traders)
        traders = self._traders = [Trader(i, a) for i, a in enumerate(addresses)]
        async with DevRpc(self.dn.rpc_url) as rpc:
            await fund(rpc, launcher, addresses)
            watcher = ReceiptWatcher(rpc, poll_s=min(0.25, max(0.05, self.block_time_s / 8)))
            desk = SwapDesk(rpc, watcher, self.dn.deployment, self.stats, self.tx_timeout_s)
            owner_queue: asyncio.Queue[Launch | Rug] = asyncio.Queue()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(watcher.run(), name="market:receipts")
                tg.create_task(self._owner(watcher, launcher, owner_queue), name="market:owner")
                await self._drive(tg, desk, traders, owner_queue)

    async def _drive(
        self, tg: asyncio.TaskGroup, desk: SwapDesk, traders: list[Trader], owner: asyncio.Queue[Launch | Rug]
    ) -> None:
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.max_in_flight)
        start = loop.time()
        bootstrap: list[asyncio.Task[None]] | None = []
        for action in self.plan():
            if bootstrap is not None and action.at_s > 0:
                # Inventory first: sales planned from t > 0 on need the opening buys to be mined.
                await asyncio.gather(*bootstrap)
                bootstrap, start = None, loop.time()
            due = start + action.at_s
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if isinstance(action, Swap):
                pool = self._pools.get(action.pool)
                late = bootstrap is None and loop.time() - due > self.max_lag_s
                if pool is None or late:
                    self.stats.swaps_skipped += 1
                    continue
                await slots.acquire()
                task = tg.create_task(self._swap(desk, traders[action.trader], pool, action, slots))
                if bootstrap is not None:
                    bootstrap.append(task)
            elif isinstance(action, RegimeShift):
                self._emit(RegimeChanged(action.regime))
            else:
                owner.put_nowait(action)

    async def _swap(
        self, desk: SwapDesk, trader: Trader, pool: MarketPool, swap: Swap, slots: asyncio.Semaphore
    ) -> None:
        try:
            event = await execute_swap(desk, trader, pool, swap)
            if event is not None:
                self._emit(event)
        except TimeoutError:
            self.stats.swaps_failed += 1
            self.stats.last_error = f"swap on {pool.key} not mined within {self.tx_timeout_s:g} s"
        except Exception as exc:  # a market must outlive any single failed transaction
            self.stats.swaps_failed += 1
            self.stats.last_error = f"swap on {pool.key}: {exc}"
            log.debug("market swap failed", exc_info=True)
        finally:
            slots.release()

    async def _owner(
        self, watcher: ReceiptWatcher, launcher: str, queue: asyncio.Queue[Launch | Rug]
    ) -> None:
        dep = self.dn.deployment
        while True:
            action = await queue.get()
            try:
                if isinstance(action, Launch):
                    launched = await execute_launch(watcher, dep, launcher, action.spec, self.tx_timeout_s)
                    self._launched[action.index] = launched
                    self._pools[action.pool] = token_pool(dep, launched.token)
                    self._retire_old_launches()
                    self._emit(Launched(launched.token, launched.tx_hashes, launched.block))
                else:
                    await self._rug(watcher, action)
            except Exception as exc:  # a failed launch or rug is reported; the market goes on
                if isinstance(action, Launch):
                    self.stats.launch_failures += 1
                else:
                    self.stats.rug_failures += 1
                self.stats.last_error = f"{type(action).__name__.lower()} failed: {exc}"
                log.warning("market %s", self.stats.last_error)

    def _retire_old_launches(self) -> None:
        """Forget launches the plan no longer trades or rugs, and the traders' approvals of them, so a
        long-running market stays small."""
        while len(self._launched) > KEPT_LAUNCHES:
            old = self._launched.pop(min(self._launched))
            self._pools.pop(pool_key(old.token.symbol), None)
            for trader in self._traders:
                trader.forget(old.token.address)

    async def _rug(self, watcher: ReceiptWatcher, rug: Rug) -> None:
        launched = self._launched.get(rug.launch)
        if launched is None:
            raise LookupError(f"{rug.pool} was never launched")
        receipts = await execute_rug(watcher, self.dn.deployment, launched, rug, self.tx_timeout_s)
        if rug.kind == "pull":
            self._pools.pop(rug.pool, None)
        hashes = tuple(str(r["transactionHash"]) for r in receipts)
        self._emit(Rugged(launched.token, rug.kind, hashes, max(int(r["blockNumber"], 16) for r in receipts)))

    def _emit(self, event: MarketEvent) -> None:
        self.stats.record(event)
        if self.on_activity is not None:
            try:
                self.on_activity(event)
            except Exception:
                log.exception("market activity listener failed")


async def run_market(
    dn: Devnet,
    cfg: MarketConfig,
    seed: int,
    *,
    on_activity: OnActivity | None = None,
    stats: MarketStats | None = None,
    block_time_s: float = 2.0,
) -> None:
    """Run the synthetic market on ``dn`` until cancelled (returns at once if ``cfg.enabled`` is false)."""
    market = MarketSimulator(dn, cfg, seed, block_time_s=block_time_s, on_activity=on_activity, stats=stats)
    await market.run()


def market_service(
    cfg: MarketConfig,
    seed: int,
    *,
    block_time_s: float = 2.0,
    on_activity: OnActivity | None = None,
    stats: MarketStats | None = None,
) -> DevnetService:
    """``run_market`` as a ``start_devnet`` service: ``start_devnet(..., services=[market_service(...)])``."""

    async def market(dn: Devnet) -> None:
        await run_market(dn, cfg, seed, on_activity=on_activity, stats=stats, block_time_s=block_time_s)

    async def prepare(dn: Devnet) -> None:
        """Fund the market's accounts before the devnet is handed out: ``anvil_setBalance`` is no
        transaction, so it must precede anything that records the chain (the replay re-executes only
        transactions). ``run`` funds again, to the same balances: no change."""
        if cfg.enabled:
            launcher, traders = market_accounts(dn.accounts, cfg.traders)
            async with DevRpc(dn.rpc_url) as rpc:
                await fund(rpc, launcher, traders)

    market.prepare = prepare  # type: ignore[attr-defined]
    return market
