"""Starting and, above all, always stopping a local anvil.

A leaked anvil keeps a port and a CPU core busy long after dexbot is gone, so the process is tied to us
three ways: the context manager stops it on exit (also on Ctrl-C and task cancellation), an ``atexit``
hook catches interpreter shutdown, and on Linux ``PR_SET_PDEATHSIG`` makes the kernel SIGTERM it if
our process dies without running any Python (SIGKILL, segfault). It runs in its own session so a
terminal Ctrl-C reaches only us and we decide how to shut it down.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from dexbot.core.config import DEVNET_HARDFORK
from dexbot.core.errors import DevnetError

from .accounts import DEV_MNEMONIC
from .jsonrpc import DevRpc
from .process import check_port_free, die_with, free_port, resolve_anvil

DEFAULT_CHAIN_ID = 31337
# anvil's allocator (jemalloc) keeps freed pages for 10 s by default; anvil frees a whole state copy per
# block, and those copies grow with the chain, so the pages held grow too (measured with the market
# alone at 5x speed, one run each: ~10 MB less from the start and a slope ~15 % lower when freed pages
# go back at once; anvil then used 11 s of CPU in 5 minutes). A user's own setting wins.
ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
ALLOCATOR_CONF = "dirty_decay_ms:0,muzzy_decay_ms:0"
_genesis_lock = threading.Lock()
_last_genesis_s = 0


def anvil_env() -> dict[str, str]:
    """Our environment, plus the allocator setting that returns freed pages at once (``ALLOCATOR_CONF``)."""
    return {ALLOCATOR_ENV: ALLOCATOR_CONF} | dict(os.environ)


def genesis_timestamp() -> int:
    """The genesis timestamp for the next anvil: now, but never a second already given out by this
    process. Anvil's genesis is deterministic apart from its timestamp (same chain id, same mnemonic),
    so two devnets started within one second would share a genesis hash, and with it the identity the
    bot binds its state to. Later blocks keep anvil's offset from the wall clock, so the genesis must
    not lie in the past; at most it runs a second or two ahead when many devnets start at once."""
    global _last_genesis_s
    with _genesis_lock:
        _last_genesis_s = max(int(time.time()), _last_genesis_s + 1)
        return _last_genesis_s


class Anvil:
    """One anvil process. Sync ``start()/stop()`` (for pytest fixtures) and ``async with`` (for the app).

    Anvil starts with mining off so the deployment can pack everything into one block; ``set_mining``
    then switches to automine (block time 0) and ``mine_blocks`` mines at the block time. Not anvil's
    own interval mining (``--block-time``, ``evm_setIntervalMining``): with it, this anvil keeps 1,500
    block states whatever ``--prune-history`` says.

    ``history_blocks`` / ``tx_history_blocks`` (anvil's ``--prune-history N`` and
    ``--transaction-block-keeper N``) bound anvil's memory, which otherwise keeps every block's state.
    Reads at an older block fail with BlockOutOfRangeError, and after ``evm_revert`` to a snapshot taken
    more than N blocks ago the states before it are gone too, so the test suite's devnet, rolled back
    around every test, keeps anvil's own history (0, the default here: the newest 500 states).

    Never a state on disk (``--max-persisted-states 0``, which ``--prune-history`` implies): anvil 1.7.1
    reads a state back from its disk cache without contract code, so a reorg or rollback to such a block
    leaves every contract empty (checked: ``anvil_reorg`` 650 blocks deep wiped them all). It strikes
    sooner than that depth: a block rebuilt after ``evm_revert`` can hash exactly as an older one whose
    state went to disk. A state anvil cannot hold is better gone (BlockOutOfRange, said) than wrong.
    """

    def __init__(
        self,
        *,
        anvil_path: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        chain_id: int = DEFAULT_CHAIN_ID,
        accounts: int = 20,
        block_time_s: float = 0.0,
        log_path: Path | None = None,
        startup_timeout_s: float = 15.0,
        history_blocks: int = 0,
        tx_history_blocks: int = 0,
        timestamp: int | None = None,
        extra_args: tuple[str, ...] = (),
        optimism: bool = False,
        hardfork: str = DEVNET_HARDFORK,
    ) -> None:
        """``timestamp``: the genesis timestamp (default: now, see ``genesis_timestamp``); a replay passes
        the recording's so its blocks may carry their recorded times. ``extra_args``: more anvil flags
        (a replay's ``--order fifo``, ``--fork-url``). ``hardfork``: the EVM rules of a chain of its own
        (see ``DevnetConfig.hardfork``; "": anvil's latest, as a fork of a public chain needs); an OP-stack
        chain runs anvil's own."""
        self.executable = resolve_anvil(anvil_path)
        self.host = host
        self.requested_port = port
        self.chain_id = chain_id
        self.accounts = accounts
        self.block_time_s = block_time_s
        self.log_path = log_path
        self.startup_timeout_s = startup_timeout_s
        self.history_blocks = history_blocks
        self.tx_history_blocks = tx_history_blocks
        self.timestamp = timestamp
        self.extra_args = extra_args
        self.optimism = optimism  # OP-stack rules: every transaction also pays an L1 data fee
        self.hardfork = hardfork
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self, port: int) -> list[str]:
        cmd = [str(self.executable), "--host", self.host, "--port", str(port)]
        cmd += ["--chain-id", str(self.chain_id), "--accounts", str(self.accounts), "--quiet"]
        ts = genesis_timestamp() if self.timestamp is None else self.timestamp
        cmd += ["--mnemonic", DEV_MNEMONIC, "--timestamp", str(ts), "--no-mining", *self.extra_args]
        if self.optimism:
            cmd.append("--optimism")
        elif self.hardfork:
            cmd += ["--hardfork", self.hardfork]
        if self.history_blocks:  # a bare --prune-history would keep no history at all
            cmd += ["--prune-history", str(self.history_blocks)]
        elif "--prune-history" not in self.extra_args:  # which implies no state on disk (and refuses both)
            cmd += ["--max-persisted-states", "0"]  # anvil's own history: 500 states in memory, none on disk
        if self.tx_history_blocks:
            cmd += ["--transaction-block-keeper", str(self.tx_history_blocks)]
        return cmd

    # -- process lifecycle -------------------------------------------------------------------------

    def _spawn(self) -> None:
        if self._proc is not None:
            raise DevnetError("anvil is already started")
        if self.requested_port:
            check_port_free(self.host, self.requested_port)
        self.port = self.requested_port or free_port(self.host)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop()
        else:
            self._log = tempfile.TemporaryFile(prefix="anvil-", suffix=".log")  # noqa: SIM115
        on_main = threading.current_thread() is threading.main_thread()
        parent = os.getpid()
        # PDEATHSIG fires when the *thread* that forked exits, so only arm it from the main thread.
        preexec = (lambda: die_with(parent)) if on_main else None
        try:
            self._proc = subprocess.Popen(
                self.command(self.port),
                stdin=subprocess.DEVNULL,
                env=anvil_env(),
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=preexec,
            )
        except OSError as err:
            self._close_log()
            raise DevnetError(f"cannot run anvil at {self.executable}: {err}") from None
        atexit.register(self.stop)

    def _probe(self) -> bool:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
        req = urllib.request.Request(self.rpc_url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=1.0) as resp:
                return bool(int(json.load(resp)["result"], 16) == self.chain_id)
        except (OSError, ValueError, KeyError):
            return False

    def _check_alive(self) -> None:
        assert self._proc is not None
        code = self._proc.poll()
        if code is not None:
            tail = self.log_tail()
            self._proc = None
            self._close_log()
            raise DevnetError(f"anvil exited with code {code} on port {self.port}: {tail or '(no output)'}")

    def _timeout(self) -> DevnetError:
        tail = self.log_tail()
        self.stop()
        return DevnetError(
            f"anvil did not answer on {self.rpc_url} within {self.startup_timeout_s:g} s: {tail}"
        )

    def _retry_port(self, err: DevnetError, attempt: int) -> bool:
        """A port picked by us may be taken between our probe and anvil's bind: pick another."""
        return self.requested_port == 0 and attempt < 2 and "in use" in str(err)

    def start(self) -> Anvil:
        """Start anvil and block until it answers eth_chainId with our chain id."""
        for attempt in range(3):
            self._spawn()
            deadline = time.monotonic() + self.startup_timeout_s
            try:
                while not self._probe():
                    self._check_alive()
                    if time.monotonic() > deadline:
                        raise self._timeout()
                    time.sleep(0.02)
                self._check_alive()
                return self
            except DevnetError as err:
                if not self._retry_port(err, attempt):
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    async def astart(self) -> Anvil:
        """Like ``start`` without blocking the event loop while anvil boots."""
        for attempt in range(3):
            self._spawn()
            deadline = time.monotonic() + self.startup_timeout_s
            try:
                while not await asyncio.to_thread(self._probe):
                    self._check_alive()
                    if time.monotonic() > deadline:
                        raise self._timeout()
                    await asyncio.sleep(0.02)
                self._check_alive()
                return self
            except DevnetError as err:
                if not self._retry_port(err, attempt):
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM anvil's process group, SIGKILL after ``timeout_s``; safe to call twice."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, max_chars: int = 400) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - max_chars))
        text = self._log.read().decode("utf-8", "replace")
        return " | ".join(line.strip() for line in text.splitlines() if line.strip())

    # -- context managers -------------------------------------------------------------------------

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Anvil:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def set_mining(rpc: DevRpc, block_time_s: float) -> None:
    """After setup: automine for block time 0 (tests); otherwise mining stays off for ``mine_blocks``."""
    if block_time_s == 0:
        await rpc.call("evm_setAutomine", True)


async def mine_blocks(rpc_url: str, block_time_s: float) -> None:
    """Mine a block every ``block_time_s`` until cancelled, as interval mining would (see ``Anvil``).
    After a stall (a busy machine) the next block comes one block time later rather than in a burst."""
    async with DevRpc(rpc_url) as rpc:
        loop = asyncio.get_running_loop()
        due = loop.time() + block_time_s
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            await rpc.call("evm_mine")
            due = max(due + block_time_s, loop.time())
