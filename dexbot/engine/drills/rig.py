"""A running engine whose every RPC endpoint is a chaos proxy in front of one devnet node, plus what a
drill needs to act on the chain and to wait on the engine's own events (never on the clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dexbot.chain.devnet import DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import Config, parse_config
from dexbot.engine.api.events import BlockSeen, BreakerChanged, Event, EventBus, ThoughtRecorded
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database

ETH = 10**18
WAIT_S = 30.0  # a guard against a hung drill, never a pacing device


class DrillFailed(AssertionError):
    """The engine did not show the expected behaviour; the message is what it showed instead."""


@dataclass(frozen=True)
class Node:
    """The devnet a drill runs on: its node's URL, its contracts and its genesis hash."""

    rpc_url: str
    deployment: Deployment
    genesis_hash: str


def drill_config(data_dir: Path, mode: str, extra: dict[str, Any]) -> Config:
    base: dict[str, Any] = {
        "store": {"data_dir": str(data_dir)},
        "mode": {"trading": mode, "max_trade_eth": "0.2"},
        "exits": {"max_hold_s": 3600},
        "intel": {"level": 5},
        # generous: a loaded 2-core machine can starve a healthy proxy's answer past a second
        "chain": {"request_timeout_s": 10.0},
        # a devnet that mines when asked: its head may be minutes old
        "breakers": {"block_stall_s": 86_400},
    }
    for key, value in extra.items():
        base[key] = base.get(key, {}) | value
    return parse_config(base, source=str(data_dir / "config.toml"))


class Rig:
    def __init__(
        self,
        node: Node,
        data_dir: Path,
        *,
        mode: str = "paper",
        endpoints: int = 2,
        faults: tuple[tuple[int, Fault], ...] = (),
        ws: bool = False,
        **config: Any,
    ) -> None:
        """``faults``: (endpoint index, fault) in force from before the engine starts. ``ws``: the engine
        reaches the proxies over WebSocket (ws://) instead of HTTP."""
        self.ws = ws
        self.node = node
        self.cfg = drill_config(data_dir, mode, config)
        self.proxies = [ChaosProxy(node.rpc_url, seed=i) for i in range(endpoints)]
        for index, fault in faults:
            self.proxies[index].inject(fault)
        self.bus = EventBus()
        self.events: list[Event] = []
        self._queue = self.bus.subscribe()
        self.dev = DevRpc(node.rpc_url)
        self.client: RpcClient | None = None
        self._svc: EngineService | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def svc(self) -> EngineService:
        assert self._svc is not None, "the rig is not running"
        return self._svc

    async def __aenter__(self) -> Rig:
        await self.dev.__aenter__()
        for p in self.proxies:
            await p.start()
        dep = self.node.deployment
        self.client = await RpcClient.connect(
            [p.ws_url if self.ws else p.url for p in self.proxies],
            chain_id=dep.chain_id,
            timeout_s=self.cfg.chain.request_timeout_s,
        )
        rt = from_deployment(self.client, dep, block_time_s=0.2, genesis_hash=self.node.genesis_hash)
        self._svc = EngineService(self.cfg, rt, open_database(self.cfg.database_url), bus=self.bus)
        self._task = asyncio.create_task(self._svc.run())
        await self.until(lambda e: getattr(e, "state", "") in ("running", "halted"), "the engine started")
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._svc is not None and self._task is not None:
                await self._svc.stop()
                await asyncio.wait_for(self._task, WAIT_S)
        finally:
            if self.client is not None:
                await self.client.close()
            for p in self.proxies:
                await p.stop()
            await self.dev.__aexit__(None, None, None)

    # -- acting on the chain --------------------------------------------------------------------------

    async def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` on the node itself (not through a proxy); the new head."""
        await self.dev.call("anvil_mine", hex(blocks))
        return int(await self.dev.call("eth_blockNumber"), 16)

    async def launch(self, *specs: TokenSpec) -> list[DevToken]:
        """Launch in ONE block, so the engine never sees a half-configured token."""
        await self.dev.call("evm_setAutomine", False)
        try:
            return await launch_tokens(self.dev, self.node.deployment, list(specs), mine=True)
        finally:
            await self.dev.call("evm_setAutomine", True)

    # -- waiting on the engine's events ---------------------------------------------------------------

    async def until(self, match: Callable[[Event], bool], what: str, within: float = WAIT_S) -> Event:
        """The first event (already seen or still to come) that ``match``es; DrillFailed if the engine
        stops or ``within`` passes first."""
        for ev in self.events:
            if match(ev):
                return ev

        async def next_match() -> Event:
            while True:
                ev = await self._queue.get()
                self.events.append(ev)
                if match(ev):
                    return ev

        try:
            return await asyncio.wait_for(next_match(), within)
        except TimeoutError:
            raise DrillFailed(f"not seen: {what} ({self.state()})") from None

    async def block(self, number: int) -> BlockSeen:
        ev = await self.until(lambda e: isinstance(e, BlockSeen) and e.number >= number, f"block {number}")
        assert isinstance(ev, BlockSeen)
        return ev

    async def breaker(self, name: str, state: str = "open") -> BreakerChanged:
        ev = await self.until(
            lambda e: isinstance(e, BreakerChanged) and e.name == name and e.new_state == state,
            f"breaker {name} {state}",
        )
        assert isinstance(ev, BreakerChanged)
        return ev

    async def thought(self, decision: str, symbol: str = "") -> ThoughtRecorded:
        ev = await self.until(
            lambda e: (
                isinstance(e, ThoughtRecorded)
                and e.decision == decision
                and (not symbol or e.symbol == symbol)
            ),
            f"a {decision!r} thought{f' on {symbol}' if symbol else ''}",
        )
        assert isinstance(ev, ThoughtRecorded)
        return ev

    def seen(self, kind: type[Event]) -> list[Event]:
        """Events of ``kind`` the rig has read off the bus so far."""
        return [e for e in self.events if isinstance(e, kind)]

    def state(self) -> str:
        s = self._svc
        return "not started" if s is None else f"engine {s.state} {s.state_reason!r} at block {s.block}"


def spec(symbol: str, kind: str = "plain") -> TokenSpec:
    return TokenSpec(f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False)  # type: ignore[arg-type]
