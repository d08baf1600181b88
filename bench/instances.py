"""Several dexbot instances on one PostgreSQL, trading one devnet: the harness of the instances test
(tests/store/test_instances_postgres.py) and of `python -m bench instances [--minutes M]`.

A `dexbot devnet up` (its market launching a pair every couple of seconds) stands in for the chain; each
instance is a real `dexbot run --no-ui --log-format json` process with its own `[instance] name`, all
writing to one PostgreSQL database. Everything waited for is a fact a process printed (a JSON event
line), looked at as each line arrives; the one deadline, HANG_S, only turns a hang into a failure."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text

T = TypeVar("T")
HANG_S = 120.0
DEV1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil's dev account 1: the devnet's live wallet
TABLES = ("accounts", "positions", "trades", "thoughts", "breaker_events", "tx_ledger", "token_assessments")
MARKET = """
[devnet]
block_time_s = 0.5
[devnet.market]
launch_every_s = 2.0
swaps_per_s = 4.0
traders = 4
hostile_share = 0.4
rug_share = 0.0
[metrics]
enabled = false
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}


class Proc:
    """A `dexbot` process; its stdout read line by line by a thread (and kept in ``<name>.stdout``, so a
    kept run can be looked into after the fact), stderr kept in a file."""

    def __init__(self, name: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.err_path = cwd / f"{name}.stderr"
        self._err = self.err_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dexbot.cli.main", *args],
            cwd=cwd,
            env=_env() | (env or {}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
        )
        self.lines: list[str] = []
        self._events: list[dict[str, Any]] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        out = self.proc.stdout
        assert out is not None
        copy = (cwd / f"{name}.stdout").open("w")

        def read() -> None:
            with copy:
                for line in out:
                    copy.write(line)
                    self._queue.put(line)
            self._queue.put(None)

        threading.Thread(target=read, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        self._err.flush()
        return self.err_path.read_text()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The JSON events printed so far (of ``kind``)."""
        self._drain()
        return [e for e in self._events if kind is None or e.get("event") == kind]

    def _drain(self) -> None:
        while True:
            try:
                self._take(self._queue.get_nowait())
            except queue.Empty:
                return

    def _take(self, line: str | None) -> None:
        if line is None:
            self._ended = True
        else:
            self.lines.append(line)
            if line.startswith("{"):
                self._events.append(json.loads(line))

    def until(self, check: Callable[[Proc], T | None], what: str, seconds: float = HANG_S) -> T:
        """Wait until ``check(self)`` gives something (not None), looked at after each printed line."""
        deadline = time.monotonic() + seconds
        self._drain()
        while (found := check(self)) is None:
            if self._ended:
                raise AssertionError(f"{self.name}: {what}: it exited first. {self.stderr()[-2000:]}")
            try:
                self._take(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                last = "".join(self.lines[-15:])[-3000:]
                raise AssertionError(
                    f"{self.name}: {what}: not within {seconds:g} s; its last lines:\n{last}"
                ) from None
        return found

    def running(self) -> None:
        self.until(
            lambda p: True if any(e["state"] == "running" for e in p.events("EngineStateChanged")) else None,
            "the engine running",
        )

    def thought_after(self, block: int) -> int:
        """Wait for a decision about a block after ``block``: the engine is still handling blocks."""

        def later(p: Proc) -> int | None:
            blocks = (e["block_number"] for e in p.events("ThoughtRecorded"))
            return next((b for b in blocks if b > block), None)

        return self.until(later, f"a thought about a block after #{block}")

    def last_block(self) -> int:
        return max((e["block_number"] for e in self.events("ThoughtRecorded")), default=0)

    def trades(self, n: int = 1) -> list[int]:
        """Wait until the engine has printed ``n`` fills; their trade ids."""
        return self.until(
            lambda p: ids if len(ids := [e["trade_id"] for e in p.events("TradeFilled")]) >= n else None,
            f"{n} trade(s)",
        )

    def stop(self) -> int:
        """SIGINT (as Ctrl-C), then the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(HANG_S)
        self.until(lambda p: True if p._ended else None, "its output closing")
        return code

    def kill9(self) -> int:
        self.proc.kill()
        return self.proc.wait(HANG_S)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(HANG_S)
        self._err.close()


@dataclass
class Fleet:
    """The devnet and the instances trading it, all under ``root``."""

    root: Path
    db_url: str
    chain: Proc | None = None
    rpc_url: str = ""
    bots: dict[str, Proc] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.root / "chain" / "data"  # devnet.json is here; every instance reads it

    def start_chain(self) -> None:
        folder = self.root / "chain"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_text(MARKET)
        self.chain = Proc("devnet", ["devnet", "up"], folder)
        self.chain.until(lambda p: True if any("RPC URL" in x for x in p.lines) else None, "the devnet up")
        self.rpc_url = json.loads((self.data_dir / "devnet.json").read_text())["rpc_url"]

    def config(self, instance: str, mode: str) -> Path:
        folder = self.root / f"bot-{instance}-{len(list(self.root.glob(f'bot-{instance}*')))}"
        folder.mkdir(parents=True)
        (folder / "config.toml").write_text(
            f'[instance]\nname = "{instance}"\n'
            f'[chain]\nnetwork = "devnet"\nrpc_urls = ["{self.rpc_url}"]\nblock_time_s = 0.5\n'
            f'[mode]\ntrading = "{mode}"\nmax_trade_eth = "0.2"\n'
            f'[store]\ndata_dir = "{self.data_dir}"\nurl = "{self.db_url}"\n'
            f"[metrics]\nenabled = false\n[log]\nfile = false\n"
        )
        return folder

    def start(self, instance: str, mode: str = "paper") -> Proc:
        live = ["--live"] if mode == "live" else []
        proc = Proc(instance, ["run", "--no-ui", "--log-format", "json", *live], self.config(instance, mode))
        self.bots[instance] = proc
        return proc

    def refused(self, instance: str, mode: str = "paper") -> tuple[int, str, str]:
        """Start an instance expected to be refused: its exit code, stdout and stderr."""
        live = ["--live"] if mode == "live" else []
        res = subprocess.run(
            [sys.executable, "-m", "dexbot.cli.main", "run", "--no-ui", "--log-format", "json", *live],
            cwd=self.config(instance, mode),
            env=_env(),
            capture_output=True,
            text=True,
            timeout=HANG_S,
        )
        return res.returncode, res.stdout, res.stderr

    def read(self, *args: str, instance: str = "default") -> Any:
        """A read command (with --json) against the shared database, beside the running engines."""
        res = subprocess.run(
            [sys.executable, "-m", "dexbot.cli.main", *args, "--instance", instance, "--json"],
            cwd=self.config("reader", "paper"),
            env=_env(),
            capture_output=True,
            text=True,
            timeout=HANG_S,
        )
        if res.returncode != 0:
            raise AssertionError(f"{args}: exit {res.returncode}: {res.stderr}")
        return json.loads(res.stdout)

    def close(self) -> None:
        for proc in self.bots.values():
            proc.close()
        if self.chain is not None:
            self.chain.stop()
            self.chain.close()


@contextmanager
def fleet(root: Path, db_url: str) -> Iterator[Fleet]:
    f = Fleet(root, db_url)
    try:
        f.start_chain()
        yield f
    finally:
        f.close()


@dataclass(frozen=True)
class Rows:
    per_instance: dict[str, dict[str, int]]  # instance -> table -> rows
    crossing: dict[str, int]  # positions/trades whose instance is not their account's
    accounts: list[tuple[str, str, str]]  # (instance, kind, address)
    trade_ids: dict[str, set[int]]
    thought_ids: dict[str, set[int]]


def rows(db_url: str) -> Rows:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            per: dict[str, dict[str, int]] = {}
            for table in TABLES:
                counted = conn.execute(text(f"SELECT instance, count(*) FROM {table} GROUP BY instance"))
                for inst, n in counted:
                    per.setdefault(inst, {t: 0 for t in TABLES})[table] = int(n)
            crossing = {
                table: int(
                    conn.execute(
                        text(
                            f"SELECT count(*) FROM {table} r JOIN accounts a ON a.id = r.account_id "
                            "WHERE r.instance != a.instance"
                        )
                    ).scalar_one()
                )
                for table in ("positions", "trades")
            }
            accounts = [
                (str(i), str(k), str(a))
                for i, k, a in conn.execute(text("SELECT instance, kind, address FROM accounts ORDER BY id"))
            ]
            trade_ids: dict[str, set[int]] = {}
            for inst, tid in conn.execute(text("SELECT instance, id FROM trades")):
                trade_ids.setdefault(inst, set()).add(int(tid))
            thought_ids: dict[str, set[int]] = {}
            for inst, tid in conn.execute(text("SELECT instance, id FROM thoughts")):
                thought_ids.setdefault(inst, set()).add(int(tid))
    finally:
        engine.dispose()
    return Rows(per, crossing, accounts, trade_ids, thought_ids)


def printed_ids(proc: Proc, kind: str, key: str) -> set[int]:
    return {int(e[key]) for e in proc.events(kind)}


def refusal(instance: str, pid: int, what: str) -> str:
    """The one line a refused start prints (the holder is ``instance`` with ``pid``)."""
    holder = f"instance {instance!r} (pid {pid})"
    return f"error: {what} on devnet (31337) is already traded by {holder}; refusing to start"


def instance_refusal(instance: str, pid: int) -> str:
    """The one line a second engine of a running instance prints."""
    return f"error: instance {instance!r} is already running on this database (pid {pid}); refusing to start"
