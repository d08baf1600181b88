"""The kill -9 crash matrix for live trades: `python -m bench crash --kills 100 [--seed S]`, and the
harness of its 10-kill test (tests/engine/live/test_crash_matrix.py).

A `dexbot devnet up` (its market launching a plain token every couple of seconds) is the chain; the bot
is `dexbot run --no-ui --live` on it (the devnet's live wallet, dev account 1), exiting every position
within seconds in TWAP slices, so buys, approvals and sliced sells keep coming. Each round starts the
bot with ``DEXBOT_CRASH_AT`` naming a crash point (dexbot.core.crashpoints) and the hit to die at, or
without one and SIGKILLs it at a random moment after its spawn (some land in the middle of its
recovery); the next round's start is the recovery. Its time is from
the process's spawn to the engine saying it is running (the ledger reconciled, unbooked trades booked,
the wallet adopted). A last clean run recovers once more and stops with Ctrl-C; then the store is
checked against the chain (bench/crash_check.py)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.crash_check import Verdict, verify
from bench.instances import DEV1, HANG_S, Proc
from dexbot.core.crashpoints import ENV, POINTS

CRASH_WITHIN_S = 40.0  # a crash point not reached by then: the round ends with a kill -9 instead
RANDOM_SHARE = 0.2
CHAIN = """
[devnet]
block_time_s = 0.5
tokens = 2
tx_history_blocks = 0  # every receipt kept: the verdict reads the wallet's whole history
[devnet.market]
launch_every_s = 2.0
swaps_per_s = 3.0
traders = 4
hostile_share = 0.0
rug_share = 0.0
[metrics]
enabled = false
"""


def _running(p: Proc) -> bool | None:
    return True if any(e["state"] == "running" for e in p.events("EngineStateChanged")) else None


def bot_config(rpc_url: str, data_dir: Path, db: Path) -> str:
    return (
        f'[chain]\nnetwork = "devnet"\nrpc_urls = ["{rpc_url}"]\nblock_time_s = 0.5\n'
        '[mode]\ntrading = "live"\nmax_trade_eth = "0.05"\n'
        '[exits]\nmethod = "twap"\ntwap_slices = 3\ntwap_over_s = 2\nmax_hold_s = 4\n'
        "[breakers]\nenabled = false\n"
        f'[store]\ndata_dir = "{data_dir}"\nurl = "sqlite:///{db}"\n'
        "[metrics]\nenabled = false\n[log]\nfile = false\n"
    )


@dataclass
class Round:
    point: str  # a crash point, or "random"
    hit: int
    killed: bool  # died by SIGKILL (its own crash point, or ours)
    reached: bool  # the crash point was reached (False: it was not within CRASH_WITHIN_S, we killed it)
    recovery_s: float | None  # spawn to "running"; None when it died before


@dataclass
class Matrix:
    root: Path
    rounds: list[Round] = field(default_factory=list)
    chain: Proc | None = None
    rpc_url: str = ""
    weth: str = ""

    @property
    def data_dir(self) -> Path:
        return self.root / "chain" / "data"

    @property
    def db(self) -> Path:
        return self.root / "bot" / "dexbot.db"

    def start_chain(self) -> None:
        folder = self.root / "chain"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_text(CHAIN)
        self.chain = Proc("devnet", ["devnet", "up"], folder)
        self.chain.until(lambda p: True if any("RPC URL" in x for x in p.lines) else None, "the devnet up")
        dep = json.loads((self.data_dir / "devnet.json").read_text())
        self.rpc_url, self.weth = dep["rpc_url"], dep["weth"]
        bot = self.root / "bot"
        bot.mkdir(exist_ok=True)
        (bot / "config.toml").write_text(bot_config(self.rpc_url, self.data_dir, self.db))

    def spawn(self, crash: str = "") -> tuple[Proc, float]:
        env = {ENV: crash} if crash else {}
        args = ["run", "--no-ui", "--live", "--log-format", "json"]
        return Proc(f"bot{len(self.rounds)}", args, self.root / "bot", env), time.monotonic()

    def recovered(self, proc: Proc, spawned: float, within: float = HANG_S) -> float | None:
        """Spawn to "running", or None when the process ended first (killed while recovering) or, with
        ``within``, was not running by then."""
        try:
            proc.until(_running, "the engine running", max(0.0, within))
        except AssertionError:
            if proc.proc.poll() is None and within == HANG_S:
                raise
            return None
        return time.monotonic() - spawned

    def one(self, point: str, hit: int, *, random_s: float = 0.0, must_reach: bool = False) -> Round:
        """One round: the bot started (recovering from the last round), then killed at ``point``'s
        ``hit``-th pass, or (``point`` "random") ``random_s`` after its spawn, which may be in the middle
        of its recovery. A crash point not reached within CRASH_WITHIN_S ends the round with our kill -9,
        unless ``must_reach`` (the test), where that is a failure."""
        proc, spawned = self.spawn("" if point == "random" else f"{point}:{hit}")
        try:
            reached = True
            if point == "random":
                recovery = self.recovered(proc, spawned, within=random_s)
                time.sleep(
                    max(0.0, spawned + random_s - time.monotonic())
                )  # bench only: no moment in particular
                proc.proc.kill()
            else:
                recovery = self.recovered(proc, spawned)
                try:
                    proc.proc.wait(HANG_S if must_reach else CRASH_WITHIN_S)
                except subprocess.TimeoutExpired:
                    if must_reach:
                        raise AssertionError(f"crash point {point}:{hit} not reached") from None
                    reached = False
                    proc.proc.kill()
            rc = proc.proc.wait(HANG_S)
            if must_reach and rc != -9:
                proc.events()  # takes in what it printed so far
                raise AssertionError(
                    f"crash point {point}:{hit}: the bot exited {rc} on its own; stderr: "
                    f"{proc.stderr()[-2000:]}\nlast output: {''.join(proc.lines[-15:])[-3000:]}"
                )
        finally:
            proc.close()
        r = Round(point, hit, rc == -9, reached, recovery)
        self.rounds.append(r)
        return r

    def last_run(self) -> float | None:
        """A clean start (the last recovery), a block handled after it, then Ctrl-C."""
        proc, spawned = self.spawn()
        try:
            recovery = self.recovered(proc, spawned)
            if recovery is None:
                raise AssertionError(f"the last run died while recovering: {proc.stderr()[-2000:]}")
            proc.thought_after(proc.last_block())
            rc = proc.stop()
            if rc != 0:
                raise AssertionError(f"the last run exited {rc}: {proc.stderr()[-2000:]}")
        finally:
            proc.close()
        return recovery

    def verdict(self) -> Verdict:
        return verify(f"sqlite:///{self.db}", self.rpc_url, DEV1, self.weth)

    def close(self) -> None:
        if self.chain is not None:
            self.chain.stop()
            self.chain.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summary(m: Matrix, final: float | None, v: Verdict) -> dict[str, Any]:
    times = [r.recovery_s for r in m.rounds if r.recovery_s is not None]
    times += [final] if final is not None else []
    return {
        "kills": sum(r.killed for r in m.rounds),
        "at_crash_points": sum(r.killed and r.reached and r.point != "random" for r in m.rounds),
        "at_random_times": sum(r.killed and (r.point == "random" or not r.reached) for r in m.rounds),
        "while_recovering": sum(r.killed and r.point == "random" and r.recovery_s is None for r in m.rounds),
        "recoveries": len(times),
        "lost": v.lost,
        "duplicated": v.duplicated,
        "mismatched_wei": v.mismatched_wei,
        "corrected_wei": v.corrected_wei,
        "wallet_txs": v.landed,
        "swaps": v.swaps,
        "recovery_p50_s": round(pct(times, 50), 3),
        "recovery_p99_s": round(pct(times, 99), 3),
        "points": sorted({r.point for r in m.rounds if r.killed and r.reached}),
        "problems": v.problems,
    }


def run(
    kills: int, seed: int, root: Path, on_round: Callable[[Round], None] = lambda r: None
) -> dict[str, Any]:
    """``kills`` rounds at random crash points (and random moments), the last clean run, the verdict."""
    m = Matrix(root)
    rng = random.Random(seed)
    try:
        m.start_chain()
        for _ in range(kills):
            if rng.random() < RANDOM_SHARE:
                on_round(m.one("random", 0, random_s=rng.uniform(0.0, 15.0)))
            else:
                on_round(m.one(rng.choice(POINTS), rng.randint(1, 3)))
        final = m.last_run()
        v = m.verdict()
    finally:
        m.close()
    return summary(m, final, v)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench crash")
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="run in this folder and keep it (to look into)")
    args = ap.parse_args(argv)

    def say(r: Round) -> None:
        rec = "-" if r.recovery_s is None else f"{r.recovery_s:.2f} s"
        print(f"kill at {r.point}:{r.hit} reached={r.reached} sigkill={r.killed} recovery={rec}", flush=True)

    if args.keep is not None:
        args.keep.mkdir(parents=True)
        out = run(args.kills, args.seed, args.keep, say)
    else:
        with tempfile.TemporaryDirectory(prefix="dexbot-crash-") as tmp:
            out = run(args.kills, args.seed, Path(tmp), say)
    for p in out.pop("problems"):
        print("  ", p)
    for k, v in out.items():
        print(f"{k:>16}: {v}")
    ok = out["lost"] == out["duplicated"] == out["mismatched_wei"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
