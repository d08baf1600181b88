"""Why every decision was taken: ``log`` stores and publishes thoughts, ``explain`` writes their text."""

from dexbot.engine.thoughts.explain import (
    explain_enter,
    explain_skip,
    top_concerns,
)
from dexbot.engine.thoughts.log import DECISIONS, LAST_PER_TOKEN, ThoughtLog

__all__ = [
    "DECISIONS",
    "LAST_PER_TOKEN",
    "ThoughtLog",
    "explain_enter",
    "explain_skip",
    "top_concerns",
]
