"""Every command line ends in exit 0, 1 or 2 with at most one error line
and never a traceback, and a failing one writes nothing to the database. Commands and their options
come from the typer app itself, so a new command is fuzzed as soon as it is registered. The commands
that never return (`run`, `devnet up`, `thoughts --follow`) are fuzzed up to their parsing: an input
they accept is not started."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dexbot.chain.devnet import Devnet

from .fuzzing import (
    ADDRESS_TEXT,
    EXAMPLES,
    LONG_RUNNING,
    NUMBERS,
    SCALE,
    Command,
    Outcome,
    arguments_for,
    commands,
    data_dir_config,
    invoke,
    leaf,
    row_counts,
    values,
)

COMMANDS = commands()
PER_COMMAND = max(1, int(10 * SCALE))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config whose data dir holds a migrated database (shared by a module's examples: each one
    compares the row counts before and after itself)."""
    config = data_dir_config(tmp_path_factory.mktemp("fuzz-home"))
    assert invoke(["--config", str(config), "db", "upgrade"]).code == 0
    return config, config.parent / "data" / "dexbot.db"


def test_every_registered_command_is_fuzzed() -> None:
    names = {c.name for c in COMMANDS}
    assert {"quote", "token check", "breakers", "breakers trip", "wallet approvals revoke"} <= names
    assert {"run", "devnet up", "config validate", "db upgrade", "backtest", "pnl"} <= names
    assert "config" not in names  # a group without a command of its own is not a command


def _parses(cmd: Command, args: list[str]) -> dict[str, object] | None:
    """The command's parameters if ``args`` parse, else None (a usage error, or -h)."""
    command = leaf(cmd.path)
    from typer.testing import CliRunner

    with CliRunner().isolation():
        try:
            ctx = command.make_context(cmd.path[-1], list(args))  # type: ignore[attr-defined]
        except Exception:
            return None
    return dict(ctx.params)


def _never_returns(cmd: Command, params: dict[str, object]) -> bool:
    return cmd.path in LONG_RUNNING or (cmd.path == ("thoughts",) and bool(params.get("follow")))


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.name)
def test_any_command_line_ends_in_one_clean_line(cmd: Command, home: tuple[Path, Path]) -> None:
    config, db = home
    good = ["--config", str(config)]
    roots = st.one_of(st.just(good), st.just(["-c", str(config)]), values().map(lambda v: ["--config", v]))
    allowed = frozenset({0, 1, 2})

    @settings(max_examples=PER_COMMAND)
    @given(root=roots, args=arguments_for(cmd))
    def example(root: list[str], args: list[str]) -> None:
        EXAMPLES["commands"] += 1
        params = _parses(cmd, args)
        if params is not None and _never_returns(cmd, params):
            EXAMPLES["parsed only"] += 1
            return
        before = row_counts(db)
        outcome = invoke([*root, *cmd.path, *args])
        outcome.assert_clean(allowed)
        if outcome.code != 0:
            assert row_counts(db) == before, outcome

    example()


PASSWORD = {"DEXBOT_KEYSTORE_PASSWORD": "fuzz-password"}


@pytest.fixture(scope="module")
def with_keystore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home with a keystore and its password in the environment: the wallet commands get past
    unlocking, to their own arguments."""
    config = data_dir_config(tmp_path_factory.mktemp("fuzz-wallet"))
    assert invoke(["--config", str(config), "db", "upgrade"]).code == 0
    assert invoke(["--config", str(config), "wallet", "new"], env=PASSWORD).code == 0
    return config, config.parent / "data" / "dexbot.db"


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.path[0] == "wallet"], ids=lambda c: c.name)
def test_any_wallet_command_line_with_an_unlocked_keystore_ends_in_one_clean_line(
    cmd: Command, with_keystore: tuple[Path, Path]
) -> None:
    config, db = with_keystore

    @settings(max_examples=PER_COMMAND)
    @given(args=arguments_for(cmd))
    def example(args: list[str]) -> None:
        EXAMPLES["wallet commands unlocked"] += 1
        before = row_counts(db)
        outcome = invoke(["--config", str(config), *cmd.path, *args], env=PASSWORD)
        outcome.assert_clean()
        if outcome.code != 0:
            assert row_counts(db) == before, outcome

    example()


@settings(max_examples=int(25 * SCALE))
@given(fmt=values().filter(lambda v: v not in ("text", "json")))
def test_run_refuses_a_bad_log_format_before_starting(
    fmt: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    EXAMPLES["run --log-format"] += 1
    outcome = invoke(["run", "--no-ui", "--log-format", fmt])
    outcome.assert_clean()
    assert outcome.code == 2
    assert "--log-format" in outcome.stderr


@settings(max_examples=int(25 * SCALE))
@given(option=st.sampled_from(["--block-time", "--seed", "--port"]), value=st.one_of(NUMBERS, values()))
def test_devnet_up_refuses_bad_numbers_before_starting(option: str, value: str) -> None:
    up = next(c for c in COMMANDS if c.path == ("devnet", "up"))
    assume(value not in ("-h", "--help") and _parses(up, [option, value]) is None)  # else it starts
    EXAMPLES["devnet up options"] += 1
    outcome = invoke(["devnet", "up", option, value])
    outcome.assert_clean()
    assert outcome.code == 2
    assert option in outcome.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["positions", "--limit", "1e80"], 2, "error: Invalid value for '--limit' / '-n'"),
        (["positions", "--nope"], 2, "error: No such option: --nope (see 'dexbot positions -h')"),
        (["config", "validate", "[/red]"], 2, "error: config error: file [/red] does not exist"),
        (["quote", "ETH", "USDC", "1e999999999"], 1, "error: no devnet running"),
        (["quote", "ETH", "USDC", "nan"], 2, "error: AMOUNT: 'nan' is not a finite number"),
        (["--config", "a" * 5000, "positions"], 2, "error: config error: cannot read aaaa"),
        (["breakers", "trip", "no_such_breaker"], 2, "error: "),
        (["wallet", "approvals", "revoke", "0x12", "0x34"], 2, "error: TOKEN '0x12': not a 0x-prefixed"),
    ],
)
def test_no_traceback_reaches_the_terminal(cli, args: list[str], code: int, message: str) -> None:
    """The real entry point in a subprocess: what the user's terminal gets."""
    res = cli(*args)
    outcome = Outcome(res.returncode, res.stdout, res.stderr)
    outcome.assert_clean()
    assert res.returncode == code, res.stderr
    assert res.stderr.startswith(message), res.stderr


SYMBOLS = st.sampled_from(["ETH", "WETH", "USDC", "usdc", "DOGE", "0x", ""])


@pytest.fixture(scope="module")
def on_devnet(devnet: Devnet, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home whose data dir has the session devnet's devnet.json, the way `dexbot devnet up` leaves it."""
    config = data_dir_config(tmp_path_factory.mktemp("fuzz-devnet"))
    devnet.deployment.write(config.parent / "data")
    assert invoke(["--config", str(config), "db", "upgrade"]).code == 0
    return config, config.parent / "data" / "dexbot.db"


def _quote(config: Path, db: Path, token_in: str, token_out: str, amount: str) -> Outcome:
    before = row_counts(db)
    outcome = invoke(["--config", str(config), "quote", token_in, token_out, "--", amount])
    outcome.assert_clean()
    if outcome.code == 0:
        assert f" {token_in.upper()} → " in outcome.stdout
    assert row_counts(db) == before  # a quote never writes
    return outcome


@settings(max_examples=int(20 * SCALE))
@given(data=st.data())
def test_quote_on_the_devnet_answers_or_refuses_any_amount(
    data: st.DataObject, devnet: Devnet, on_devnet: tuple[Path, Path]
) -> None:
    """Pairs that have a route, amounts from dust to past a uint256 of wei: a quote or one line."""
    symbols = ["ETH", "USDC", *(t.symbol for t in devnet.deployment.tokens)]
    token_in = data.draw(st.sampled_from(symbols))
    token_out = data.draw(st.sampled_from([s for s in symbols if s != token_in]))
    powers = st.integers(-20, 90).map(lambda e: f"1e{e}")
    amount = data.draw(st.one_of(powers, NUMBERS))
    EXAMPLES["quote on the devnet"] += 1
    _quote(*on_devnet, token_in, token_out, amount)


@settings(max_examples=int(20 * SCALE))
@given(data=st.data())
def test_quote_on_the_devnet_refuses_any_token_in_one_line(
    data: st.DataObject, devnet: Devnet, on_devnet: tuple[Path, Path]
) -> None:
    tokens = st.one_of(SYMBOLS, st.sampled_from([t.symbol for t in devnet.deployment.tokens]), ADDRESS_TEXT)
    token_in, token_out, amount = (
        data.draw(tokens),
        data.draw(tokens),
        data.draw(st.one_of(NUMBERS, values())),
    )
    EXAMPLES["quote on the devnet"] += 1
    _quote(*on_devnet, token_in, token_out, amount)
