"""Named crash points for the kill -9 crash matrix (bench/crash.py, tests/engine/live/test_crash_matrix.py).

A crash point is a place in the live trade's lifecycle where a real process can die (power cut, OOM
kill, a host reboot): the harness sets ``DEXBOT_CRASH_AT=NAME[:N]`` and the process SIGKILLs itself at
the Nth time it reaches ``crashpoint(NAME)`` (the first, without ``:N``), so recovery is proven at that
exact point rather than wherever a timer happened to land. Unset, a crash point is one dict lookup that
finds nothing; it never does anything unless the variable is set. It lives in core because the points
span the chain layer (sign, ledger write, broadcast) and the engine (receipt → books, exit slices).

Names: ``before_sign.P``, ``after_ledger_write.P``, ``after_broadcast.P`` (P = the transaction's purpose:
buy, sell, approve, cancel), ``after_receipt.buy`` / ``after_receipt.sell`` (the chain has the fill, the
store does not yet), ``after_receipt.approve`` (approved, the sell not signed), ``between_slices`` (one
slice of a sliced exit booked, the next not yet sent)."""

from __future__ import annotations

import os
import signal

ENV = "DEXBOT_CRASH_AT"
POINTS = (
    "before_sign.buy",
    "after_ledger_write.buy",
    "after_broadcast.buy",
    "after_receipt.buy",
    "before_sign.approve",
    "after_ledger_write.approve",
    "after_broadcast.approve",
    "after_receipt.approve",
    "before_sign.sell",
    "after_ledger_write.sell",
    "after_broadcast.sell",
    "after_receipt.sell",
    "between_slices",
)


def _armed() -> tuple[str, int] | None:
    spec = os.environ.get(ENV, "")
    if not spec:
        return None
    name, _, nth = spec.partition(":")
    return name, int(nth) if nth.isdigit() and int(nth) > 0 else 1


_ARMED = _armed()
_hits: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """Die here (SIGKILL, no cleanup, no flush) when ``DEXBOT_CRASH_AT`` names this point and hit."""
    if _ARMED is None or _ARMED[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == _ARMED[1]:
        os.kill(os.getpid(), signal.SIGKILL)
