"""Messages the TUI passes around. Engine events arrive in batches (one message per drain of the bus
queue) so a burst of market updates costs one UI round-trip, not fifty."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from dexbot.engine.api.events import Event, ThoughtRecorded
from dexbot.engine.api.snapshot import PoolView


class EngineEvents(Message):
    """A batch of engine events, oldest first."""

    def __init__(self, events: Sequence[Event]) -> None:
        super().__init__()
        self.events = tuple(events)


class ThoughtSelected(Message):
    """The user picked a thought to read in full."""

    def __init__(self, thought: ThoughtRecorded) -> None:
        super().__init__()
        self.thought = thought


class PoolSelected(Message):
    """The user picked a pool / token to inspect."""

    def __init__(self, pool: PoolView) -> None:
        super().__init__()
        self.pool = pool


class RefreshRequested(Message):
    """A screen came into view and wants the current snapshot now rather than at the next tick."""
