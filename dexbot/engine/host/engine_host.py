"""The engine host: opens the database and the chain (starting the embedded devnet and its market when
configured), runs the engine service, and closes everything in reverse order. It implements
EngineControl, so the TUI and the headless runner can be handed it before anything has started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from dexbot.chain.runtime import Service, open_chain
from dexbot.core.config import Config
from dexbot.core.errors import DexbotError
from dexbot.engine.api.events import EngineError, EngineStateChanged, EventBus
from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.engine.backtest.record import EngineRecorder
from dexbot.engine.engine import EngineService
from dexbot.engine.engine_lock import holding_claims
from dexbot.engine.telemetry import Telemetry
from dexbot.store.db import open_database

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

log = logging.getLogger("dexbot.engine")


class EngineHost:
    def __init__(
        self,
        cfg: Config,
        *,
        services: list[Service] | None = None,
        bus: EventBus | None = None,
        signer: LocalAccount | None = None,
        record: Path | None = None,
    ) -> None:
        """``signer``: the account live mode trades from, unlocked by the CLI before anything starts.
        ``record``: write a recording of the chain the engine runs on to this file (``run --record``)."""
        self.cfg = cfg
        self.record = record
        self.signer = signer
        self.services = services or []
        self.bus = bus or EventBus()
        self.service: EngineService | None = None
        self.telemetry: Telemetry | None = None  # metrics side port; None when metrics are off
        self.error: BaseException | None = None
        self._stop = asyncio.Event()
        self._done = asyncio.Event()

    async def run(self) -> None:
        """Open everything, trade until stopped, close everything. Errors are published, then raised."""
        try:
            db = await asyncio.to_thread(
                open_database, self.cfg.database_url, busy_timeout_ms=self.cfg.store.busy_timeout_ms
            )
            async with (
                open_chain(self.cfg, services=self.services) as rt,
                holding_claims(self.cfg, rt, db, self.signer),
            ):
                svc = EngineService(self.cfg, rt, db, bus=self.bus, signer=self.signer)
                self.service = svc
                if self._stop.is_set():
                    return
                recorder = await EngineRecorder.begin(self.record, svc) if self.record else None
                async with Telemetry.running(self.cfg, svc) as self.telemetry:
                    recording = asyncio.create_task(recorder.run(), name="recorder") if recorder else None
                    runner = asyncio.create_task(svc.run(), name="engine")
                    stopper = asyncio.create_task(self._stop.wait(), name="engine-stop")
                    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    if stopper in done:
                        await svc.stop()
                    stopper.cancel()
                    try:
                        await runner
                    finally:
                        if recorder is not None and recording is not None:
                            await _finish(recorder, recording)
        except DexbotError as err:
            self.error = err
            self.bus.publish(EngineError(where="start", message=str(err)))
            self.bus.publish(EngineStateChanged(state="stopped", reason=str(err)))
            raise
        finally:
            self._done.set()

    async def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), timeout=30)

    def _svc(self) -> EngineService:
        if self.service is None:
            raise DexbotError("the engine is still starting")
        return self.service

    @property
    def account_id(self) -> int:
        """The account this run books to (0 while starting); an int read, safe from another thread."""
        return (self.service.portfolio.account.id or 0) if self.service is not None else 0

    def snapshot(self) -> EngineSnapshot:
        if self.service is not None:
            return self.service.snapshot()
        return EngineSnapshot(
            mode=self.cfg.mode.trading,
            chain=self.cfg.chain.name,
            chain_id=self.cfg.chain.chain_id or 0,
            state="stopped" if self.error else "starting",
            state_reason=str(self.error or ""),
            block_number=0,
            block_age_s=0.0,
            rpc_ok=False,
            intel_level=self.cfg.intel.level,
            lane="",
            cash=0,
            equity=0,
            realised_pnl=0,
            unrealised_pnl=0,
            peak_equity=0,
            drawdown_bps=0,
            wins=0,
            losses=0,
            eth_usd_e6=0,
        )

    async def pause(self) -> None:
        await self._svc().pause()

    async def resume(self) -> None:
        await self._svc().resume()

    async def set_level(self, level: int) -> None:
        await self._svc().set_level(level)

    async def kill(self) -> None:
        await self._svc().kill()

    async def sell_now(self, position_id: int) -> None:
        await self._svc().sell_now(position_id)

    async def reset_breaker(self, name: str) -> None:
        await self._svc().reset_breaker(name)


async def _finish(recorder: EngineRecorder, task: asyncio.Task[None]) -> None:
    """The engine has stopped: let the recorder write the blocks it still owes, then close the file. A
    failed recorder is said (the engine's own outcome stands) and leaves a file without an end record."""
    try:
        await task
    except Exception as err:
        log.error("recording failed (the file ends at its last whole block): %s", err)
        await recorder.close(clean=False)
        return
    await recorder.close(clean=True)
