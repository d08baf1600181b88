"""What the UI and the CLI may ask of a running engine. The engine implements it; the TUI codes against
it and never reaches into trading logic."""

from __future__ import annotations

from typing import Protocol

from dexbot.engine.api.events import EventBus
from dexbot.engine.api.snapshot import EngineSnapshot


class EngineControl(Protocol):
    bus: EventBus

    def snapshot(self) -> EngineSnapshot:
        """The current state, cheap enough to call on every UI refresh."""
        ...

    async def run(self) -> None:
        """Run until ``stop`` (or a fatal error); start-up included."""
        ...

    async def stop(self) -> None:
        """Stop trading tasks, flush state to the store; idempotent."""
        ...

    async def pause(self) -> None:
        """No new entries; exits keep protecting open positions."""
        ...

    async def resume(self) -> None: ...

    async def set_level(self, level: int) -> None:
        """Change the intel level (1..10) for the next decision; logged as a thought."""
        ...

    async def kill(self) -> None:
        """The kill switch: trip the critical manual breaker, halt entries, cancel pending transactions."""
        ...

    async def sell_now(self, position_id: int) -> None:
        """Exit one position immediately at the current exact quote."""
        ...

    async def reset_breaker(self, name: str) -> None:
        """Operator reset of one breaker (or 'all')."""
        ...
