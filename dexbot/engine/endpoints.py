"""The engine's look at its RPC endpoints: every endpoint's chain id and head once a block, and, while no
block comes, once a block time. A lagging endpoint goes last, one serving another chain leaves the
rotation (said once), and only when none serves ours does the chain-id breaker see the other chain."""

from __future__ import annotations

import contextlib
import logging
import time

from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError
from dexbot.engine.api.events import EngineError, EventBus
from dexbot.engine.breakers.observations import Observations

log = logging.getLogger("dexbot.engine")


class EndpointCheck:
    def __init__(self, client: RpcClient, bus: EventBus, guard: Observations, block_time_s: float) -> None:
        self.client, self.bus, self.guard = client, bus, guard
        self.block_time_s = block_time_s
        self.early: list[str] | Exception | None = None  # read early by a replay's step, beside its poll
        self.idle_checked = 0.0  # when an idle engine last asked every endpoint for its head

    async def read(self) -> list[str] | Exception:
        """Every endpoint checked: the changes to say, or why the check failed."""
        try:
            return await self.client.check_endpoints()
        except (ChainError, OSError) as err:
            return err

    async def read_early(self) -> None:
        """The check of the block a replay's step is about to hand the engine, sent beside its poll."""
        self.early = await self.read()

    async def check(self) -> None:
        """The block's check (the one read early, if any): changes said and published, and the chain id
        the endpoints serve handed to the breakers."""
        changes, self.early = self.early, None
        if changes is None:
            changes = await self.read()
        if isinstance(changes, Exception):
            log.warning("endpoint check failed: %s", changes)
            return
        for line in changes:
            log.warning("%s", line)
            self.bus.publish(EngineError(where="rpc", message=line))
        self.guard.chain_id_observed = self.client.observed_chain_id()

    async def when_idle(self, block_seen: float) -> None:
        """No new block. To the watcher a first endpoint stuck some blocks behind looks exactly like a quiet
        chain, and the endpoint check runs with each block, so once a block time passes without one, ask
        every endpoint for its head: a lagging one goes last and the next poll reads the true head. Wall
        time is right here: this is liveness, not a decision, and chain time is what stopped."""
        now = time.monotonic()
        if now - self.idle_checked >= self.block_time_s and now - block_seen >= self.block_time_s:
            self.idle_checked = now
            with contextlib.suppress(ChainError, OSError):
                await self.client.check_heads()  # chain ids stay the per-block check's (and breaker's)
