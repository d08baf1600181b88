"""What the fuzz tests share: the dexbot entry point run in-process (typer's CliRunner isolation around
the real ``main``, so the error mapping under test is the one users get), the commands enumerated from
the typer app, value strategies, and a count of the examples run for the closing note."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_utils import to_checksum_address
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from typer.main import get_command
from typer.testing import CliRunner

from dexbot.cli.main import INTERNAL, app, main

# deadline=None: an example runs a whole CLI command (a database, sometimes the devnet), whose time
# varies with the shared machine. No example database: the failing example is printed in full.
settings.register_profile(
    "dexbot-fuzz",
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("dexbot-fuzz")

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))  # FUZZ_SCALE=10 for a longer hunt
EXAMPLES: Counter[str] = Counter()  # examples run per test, reported at the end of the session
LONG_RUNNING = {("run",), ("devnet", "up")}  # fuzzed to their parsing only: they never return


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    def assert_clean(self, allowed: frozenset[int] = frozenset({0, 1, 2})) -> None:
        """The contract of every input: an allowed exit code, no traceback, no safety-net catch, and a
        failure is one line on stderr (a group named alone prints its help, as click does)."""
        assert self.code in allowed, self
        for text in (self.stdout, self.stderr):
            assert "Traceback" not in text, self
            assert INTERNAL not in text, self
        if self.code != 0 and not self.stderr.lstrip().startswith("Usage:"):
            assert self.stderr.count("\n") == 1, self
            assert self.stderr.strip(), self


def invoke(args: Sequence[str], env: dict[str, str | None] | None = None) -> Outcome:
    """``dexbot ARGS`` in this process, stdin empty (a prompt gets EOF), DEXBOT_* from ``env`` only."""
    clean: dict[str, str | None] = {k: None for k in os.environ if k.startswith("DEXBOT_")}
    clean |= {"COLUMNS": "200"} | (env or {})
    runner = CliRunner()
    with runner.isolation(env=clean) as (stdout, stderr, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Outcome(code, stdout.getvalue().decode(errors="replace"), stderr.getvalue().decode())


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    options: tuple[str, ...]  # every spelling: --json, -n, --limit…
    arguments: int  # how many positional arguments it takes at most

    @property
    def name(self) -> str:
        return " ".join(self.path)


def commands() -> list[Command]:
    """Every command and subcommand of the app (groups that run on their own count too), so a new
    command is fuzzed without touching the tests."""
    found: list[Command] = []

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        params = getattr(cmd, "params", [])
        options = tuple(
            o for p in params if p.param_type_name == "option" for o in (*p.opts, *p.secondary_opts)
        )
        arguments = sum(1 for p in params if p.param_type_name == "argument")
        subs: dict[str, object] = getattr(cmd, "commands", {})
        if path and (not subs or getattr(cmd, "invoke_without_command", False)):
            found.append(Command(path, options, arguments))
        for name, sub in sorted(subs.items()):
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


def leaf(path: Sequence[str]) -> object:
    cmd: object = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return cmd


def row_counts(db: Path) -> dict[str, int]:
    """Rows per table: what an input that fails must leave as it was."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _random_address(data: bytes) -> str:
    return str(to_checksum_address("0x" + data.hex()))


def _flip_case(address: str) -> str:
    i = next((i for i, c in enumerate(address[2:], 2) if c.isalpha()), None)
    return address if i is None else address[:i] + address[i].swapcase() + address[i + 1 :]


ADDRESSES = st.binary(min_size=20, max_size=20).map(_random_address)
ADDRESS_TEXT = st.one_of(
    ADDRESSES,
    ADDRESSES.map(str.lower),
    ADDRESSES.map(_flip_case),  # a broken EIP-55 checksum (when it has letters)
    st.binary(min_size=0, max_size=40).map(lambda b: "0x" + b.hex()),  # wrong lengths
    st.from_regex(r"0x[0-9a-zA-Z]{0,45}", fullmatch=True),
)
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**300), max_value=2**300).map(str),
    st.floats().map(repr),  # inf, nan, 1e+300, 5e-324…
    st.from_regex(r"-?[0-9]{0,4}(\.[0-9]{0,30})?([eE][-+]?[0-9]{1,10})?", fullmatch=True),
    st.sampled_from(["1e80", "1e30", "1e59", "0", "-0", "1_000", "0x10", "NaN", "-inf", "Infinity", "1e-30",
                     "1e999999999", "0e999999999", "½", "١٢", " 1 ", "1,5", ".", "e5", "+1"]),
)  # fmt: skip
TEXT = st.text(max_size=40)
WORDS = st.sampled_from(["ETH", "WETH", "USDC", "eth", "daily_loss", "all", "text", "json", "--", "-", ""])


def values() -> st.SearchStrategy[str]:
    return st.one_of(NUMBERS, ADDRESS_TEXT, TEXT, WORDS)


def arguments_for(cmd: Command) -> st.SearchStrategy[list[str]]:
    """A command line for ``cmd``: its own options (with or without values), unknown ones, and
    positional values, in any order and number."""
    own = st.sampled_from(cmd.options) if cmd.options else st.nothing()
    unknown = st.sampled_from(["--nope", "-z", "--json=1", "--limit", "-h"])
    token = st.one_of(own, own.flatmap(lambda o: values().map(lambda v: f"{o}={v}")), unknown, values())
    return st.lists(token, max_size=cmd.arguments + 4)


def data_dir_config(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.toml"
    config.write_text(f'[store]\ndata_dir = "{(root / "data").as_posix()}"\n', encoding="utf-8")
    return config


def summary() -> str:
    """The closing note's count: examples run per fuzz test in this session."""
    total = sum(EXAMPLES.values())
    return f"fuzz: {total} examples run ({', '.join(f'{k} {v}' for k, v in sorted(EXAMPLES.items()))})"
