"""No secret anywhere: a live run with an encrypted keystore, its password from the environment and an RPC
endpoint that wants an API key (in the path, in the query string or as basic auth) writes and serves
neither the private key, nor the password, nor any API key: not in its log lines (text and JSON), the log
file, the database, the thought log export, ``/metrics``, ``/healthz``, any read command's output (tables
and ``--json``), nor the error lines of the faults a user meets (endpoint gone mid-run, a revoked key, a
wrong password)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from custom_chain import custom_toml  # tests/custom_chain.py
from keyproxy import BASIC_PASS, BASIC_TOKEN, PATH_KEY, QUERY_KEY, key_proxy  # beside this file
from web3 import Web3

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.wallet import create_keystore

pytestmark = [pytest.mark.chain, pytest.mark.slow]

PRIVATE_KEY = hashlib.sha256(b"dexbot: the key that must never show").hexdigest()
PASSWORD = "Tr0ub4dor and 3 more words"
ETH = 10**18
DEADLINE_S = 90  # hang protection only: every wait below ends on a line the bot prints


def _needles() -> dict[str, str]:
    """Every secret. The private key is searched without its 0x and in any case, which finds it with
    and without 0x, in lower and in upper case."""
    return {
        "private key": PRIVATE_KEY,
        "password": PASSWORD,
        "path api key": PATH_KEY,
        "query api key": QUERY_KEY,
        "basic-auth password": BASIC_PASS,
        "basic-auth header": BASIC_TOKEN,
    }


def _leaks(where: str, text: str) -> list[str]:
    """What of the secrets ``text`` gives away. Whitespace is ignored on both sides, so a secret
    that a terminal wrapped over two lines is still found."""
    flat = re.sub(r"\s+", "", text)
    found = []
    for name, secret in _needles().items():
        s = re.sub(r"\s+", "", secret)
        if s in flat or (name == "private key" and s.lower() in flat.lower()):
            found.append(f"{name} in {where}")
    return found


def _config(dep: Deployment, urls: list[str]) -> str:
    return custom_toml(dep, urls, chain_keys="block_time_s = 0.2\nrequest_timeout_s = 2\n") + (
        '[mode]\ntrading = "live"\nmax_trade_eth = 0.2\n[intel]\nlevel = 5\n[exits]\nmax_hold_s = 3600\n'
        # the session devnet mines only when something is sent: its head may be minutes old
        "[breakers]\nblock_stall_s = 86400\n"
        '[metrics]\nenabled = true\nport = 0\n[log]\nfile = true\nlevel = "DEBUG"\n'
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    return env | {"COLUMNS": "400"} | extra


class Bot:
    """`dexbot run --no-ui --live --yes` as a process; its stdout and stderr merged, read line by line."""

    def __init__(self, cwd: Path, log_format: str, env: dict[str, str]) -> None:
        args = ["run", "--no-ui", "--live", "--yes", "--log-format", log_format]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dexbot.cli.main", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, since: int = 0) -> re.Match[str]:
        """The first line from ``since`` on that matches, blocking until the bot prints it (each line
        is a fact the bot announced); fails if the bot exits first."""
        for line in self.lines[since:]:
            if found := re.search(pattern, line):
                return found
        while True:
            try:
                line = self._queue.get(timeout=DEADLINE_S)
            except queue.Empty:
                tail = "".join(self.lines[-15:])
                raise AssertionError(f"no {pattern!r} in {DEADLINE_S} s; last lines:\n{tail}") from None
            if line is None:
                raise AssertionError(f"exited ({self.proc.wait()}) before {pattern!r}:\n{self.output()}")
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(30)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return rc

    def output(self) -> str:
        return "".join(self.lines)


@contextmanager
def _bot(cwd: Path, log_format: str, env: dict[str, str]) -> Iterator[Bot]:
    bot = Bot(cwd, log_format, env)
    try:
        yield bot
    finally:
        if bot.proc.poll() is None:
            bot.proc.kill()
            bot.proc.wait(10)


def _launch(devnet: Devnet, symbol: str) -> DevToken:
    """A plain token with a V2 pair, launched in one block (the engine never sees half of it)."""
    spec = TokenSpec(f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, v3=False)

    async def go() -> DevToken:
        async with DevRpc(devnet.rpc_url) as rpc:
            await rpc.call("evm_setAutomine", False)
            try:
                (token,) = await launch_tokens(rpc, devnet.deployment, [spec], mine=True)
            finally:
                await rpc.call("evm_setAutomine", True)
            return token

    return asyncio.run(go())


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return str(resp.read().decode())
    except urllib.error.HTTPError as err:  # /healthz answers 503 when unhealthy: its body still counts
        return str(err.read().decode())


READS = [
    ["positions"],
    ["positions", "--closed"],
    ["trades"],
    ["thoughts", "--limit", "1000"],
    ["pnl"],
    ["pnl", "--all"],
    ["breakers"],
    ["config", "show"],
    ["db", "current"],
    ["wallet", "list"],
    ["wallet", "balance"],
    ["wallet", "history"],
    ["wallet", "approvals"],
]
# Runs each command through the real entry point in ONE interpreter (one import instead of dozens),
# each with its own stdout/stderr; an escaping exception is recorded as the traceback Python would print.
READ_RUNNER = """
import contextlib, io, json, sys, traceback
from dexbot.cli.main import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        sys.argv = ["dexbot", *argv]
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    results.append({"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


def _reads(
    cwd: Path, commands: list[list[str]], env: dict[str, str], *, json_too: bool = True
) -> list[dict[str, Any]]:
    both = [c for cmd in commands for c in ((cmd, [*cmd, "--json"]) if json_too else (cmd,))]
    res = subprocess.run(
        [sys.executable, "-c", READ_RUNNER, json.dumps(both)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    results: list[dict[str, Any]] = json.loads(res.stdout)
    return results


def _files(data: Path) -> dict[str, str]:
    """Every file in the data dir as text (the raw bytes of the database and its WAL too), plus a
    dump of the database through sqlite3."""
    found = {
        str(p.relative_to(data)): p.read_bytes().decode("latin-1") for p in data.rglob("*") if p.is_file()
    }
    with sqlite3.connect(data / "dexbot.db") as db:
        found["dexbot.db (iterdump)"] = "\n".join(db.iterdump())
    return found


def _run_live(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", "run", "--no-ui", "--live", "--yes"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_secret_search_sees_through_case_and_line_wrapping() -> None:
    text = f"key {PRIVATE_KEY.upper()[:40]}\n    {PRIVATE_KEY.upper()[40:]} pw {PASSWORD}"
    assert _leaks("probe", text) == ["private key in probe", "password in probe"]
    assert _leaks("probe", f"0x{PRIVATE_KEY}") == ["private key in probe"]
    assert _leaks("probe", f"{PATH_KEY[:3]}***") == []


def test_no_secret_in_anything_a_live_keystore_run_writes_serves_or_prints(
    chain: Devnet, w3: Web3, tmp_path: Path
) -> None:
    keystore = create_keystore(tmp_path / "data", PASSWORD, bytes.fromhex(PRIVATE_KEY))
    w3.provider.make_request("anvil_setBalance", [keystore.address, hex(50 * ETH)])  # type: ignore[arg-type]
    config = tmp_path / "config.toml"
    seen: dict[str, str] = {}
    served: dict[str, int] = {}
    env = _env(DEXBOT_KEYSTORE_PASSWORD=PASSWORD)

    with key_proxy(chain.rpc_url) as proxy:
        urls = proxy.urls()
        # JSON log lines, the key in the path; the endpoint disappears mid-run.
        config.write_text(_config(chain.deployment, [urls["path"], urls["query"], urls["basic"]]))
        with _bot(tmp_path, "json", env) as bot:
            metrics_url = bot.wait_for(r"metrics on (\S+/metrics)")[1]
            health_url = metrics_url.removesuffix("/metrics") + "/healthz"
            bot.wait_for(r'"event": "EngineStateChanged".*"state": "running"')
            token = _launch(chain, "SECA")
            bot.wait_for(r'"event": "TradeFilled".*"side": "buy"')
            # A live fill is booked between blocks, maybe after the engine handled its block, and this
            # devnet mines only when something is sent: after the fill's position event, mine a block and
            # wait for the position's mark in it (its reads done) before the endpoint goes.
            bot.wait_for(r'"event": "PositionChanged"', since=len(bot.lines))
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            bot.wait_for(r'"event": "PositionChanged"', since=len(bot.lines))
            seen["/metrics"] = _get(metrics_url)
            seen["/healthz"] = _get(health_url)
            gone = len(bot.lines)
            proxy.stop()
            bot.wait_for(r'"event": "EngineError".*every RPC endpoint failed', since=gone)
            seen["/healthz (endpoint gone)"] = _get(health_url)
            rc = bot.stop()
            seen["run --log-format json"] = bot.output()
        assert rc == 0, bot.output()
        served |= proxy.served

    # The outage tripped the RPC error-rate breaker, and breakers outlive the process (their cooldown runs
    # on chain time, which this devnet moves only when something is sent): the operator closes it.
    reset = subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", "breakers", "reset", "--all"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reset.returncode == 0, reset.stderr
    seen["breakers reset --all"] = reset.stdout + reset.stderr

    with key_proxy(chain.rpc_url) as proxy:
        urls = proxy.urls()
        # Text log lines, the key in a query string (after a path, then straight after the host).
        config.write_text(_config(chain.deployment, [urls["bare query"], urls["basic"], urls["path"]]))
        with _bot(tmp_path, "text", env) as bot:
            bot.wait_for(r"ENGINE running")
            _launch(chain, "SECB")
            bot.wait_for(r"TRADE  live buy")
            rc = bot.stop()
            seen["run --log-format text"] = bot.output()
        assert rc == 0, bot.output()

        # Every read command, table and --json, basic auth first.
        config.write_text(
            _config(chain.deployment, [urls["basic"], urls["path"], urls["query"], urls["bare query"]])
        )
        chain_reads = [["token", "check", token.address], ["quote", "ETH", token.address, "0.01"]]
        for r in _reads(tmp_path, [*READS, *chain_reads], env):
            where = " ".join(r["argv"])
            assert r["code"] == 0, f"{where}: {r['stderr']}"
            seen[where] = r["stdout"] + r["stderr"]
        served = {k: served.get(k, 0) + proxy.served.get(k, 0) for k in ("path", "query", "basic")}

        # The provider refuses the key (401, echoing the request): every command that asks it fails.
        proxy.revoked = True
        for r in _reads(tmp_path, [["wallet", "balance"], *chain_reads], env):
            where = " ".join(r["argv"]) + " (key refused)"
            assert r["code"] == 1, f"{where}: {r['stdout']} {r['stderr']}"
            assert "HTTP 401: invalid api key: cannot POST /" in r["stderr"]
            seen[where] = r["stdout"] + r["stderr"]
        refused = _run_live(tmp_path, env)
        assert refused.returncode == 1
        assert "HTTP 401: invalid api key: cannot POST /" in refused.stderr
        seen["run (key refused)"] = refused.stdout + refused.stderr

    # The URL under a misspelt key, and a typo in its scheme: config errors, exit code 2.
    misspelt = env | {"DEXBOT_CHAIN__RPC_URL": urls["path"]}
    typo = env | {"DEXBOT_CHAIN__RPC_URLS": f'["{urls["query"].replace("http:", "htp:")}"]'}
    for name, bad in (("misspelt key", misspelt), ("scheme typo", typo)):
        for r in _reads(
            tmp_path, [["config", "validate"], ["run", "--no-ui", "--live", "--yes"]], bad, json_too=False
        ):
            where = " ".join(r["argv"]) + f" ({name})"
            assert r["code"] == 2, f"{where}: {r['stdout']} {r['stderr']}"
            assert "config error" in r["stderr"]
            seen[where] = r["stdout"] + r["stderr"]

    wrong = _run_live(tmp_path, _env(DEXBOT_KEYSTORE_PASSWORD=PASSWORD[::-1]))
    assert wrong.returncode == 2
    assert "wrong password" in wrong.stderr
    seen["run (wrong password)"] = wrong.stdout + wrong.stderr

    files = _files(tmp_path / "data")
    assert {"thoughts.jsonl", "dexbot.log", "dexbot.db"} <= set(files)
    seen |= {f"data/{name}": text for name, text in files.items()}
    assert all(served[k] > 0 for k in ("path", "query", "basic")), served  # every key was in use
    leaks = [leak for where, text in seen.items() for leak in _leaks(where, text)]
    assert not leaks, "\n".join(leaks)
