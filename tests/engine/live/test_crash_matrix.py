"""The kill -9 crash matrix, 10 kills (the 100-kill version is `python -m bench crash`, same harness,
bench/crash.py): a live `dexbot run --no-ui` on a `dexbot devnet up` chain dies by SIGKILL at ten named
points of the trade lifecycle, each restart recovers, and after a last clean run the store is the chain's
to the wei: no transaction lost, none sent twice, no cash the start-up had to take from the chain.

Waits are facts: the process's exit (its own SIGKILL at the crash point), its "running" line, a
decision about a later block in the last run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/ is a package beside dexbot/
from bench.crash import Matrix, summary

# Every step a live trade goes through that a kill can split from the next: the signed transaction on
# disk but not sent, sent but not waited for, landed but not booked; an approval landed with its sell
# not signed; a sliced exit between slices.
TEN = (
    "after_ledger_write.buy",
    "after_broadcast.buy",
    "after_receipt.buy",
    "after_ledger_write.approve",
    "after_receipt.approve",
    "before_sign.sell",
    "after_ledger_write.sell",
    "after_broadcast.sell",
    "after_receipt.sell",
    "between_slices",
)


@pytest.mark.chain
@pytest.mark.slow
def test_ten_kills_across_the_live_trade_lifecycle_lose_nothing_and_send_nothing_twice(
    tmp_path: Path,
) -> None:
    m = Matrix(tmp_path)
    try:
        m.start_chain()
        for point in TEN:
            r = m.one(point, 1, must_reach=True)
            assert r.killed, r
        final = m.last_run()
        v = m.verdict()
    finally:
        m.close()
    out = summary(m, final, v)
    assert v.problems == []
    assert (out["kills"], out["at_crash_points"], out["recoveries"]) == (10, 10, 11)
    assert out["points"] == sorted(TEN)
    assert (out["lost"], out["duplicated"], out["mismatched_wei"], out["corrected_wei"]) == (0, 0, 0, 0)
    assert v.swaps >= 10  # each buy and sell point needs its own swap to reach it
