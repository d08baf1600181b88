from __future__ import annotations

import json
from pathlib import Path

from dexbot import __version__

COMMAND_GROUPS = (
    "run", "devnet", "token", "quote", "positions", "trades", "pnl",
    "thoughts", "breakers", "wallet", "backtest", "optimise", "config", "db",
)  # fmt: skip


def test_version_is_eager_and_exits_zero(cli) -> None:
    res = cli("--version", "no-such-command")
    assert res.returncode == 0
    assert res.stdout.strip() == f"dexbot {__version__}"


def test_help_lists_every_command_group(cli) -> None:
    res = cli("--help", env={"COLUMNS": "200"})
    assert res.returncode == 0
    for name in COMMAND_GROUPS:
        assert f" {name} " in res.stdout, name


def test_unknown_command_is_a_usage_error(cli) -> None:
    res = cli("frobnicate")
    assert res.returncode == 2


def test_backtest_without_a_recording_is_a_usage_error(cli) -> None:
    res = cli("backtest", "missing.jsonl.gz")
    assert res.returncode == 2
    assert "recording missing.jsonl.gz: no such file" in res.stderr
    assert res.stderr.count("\n") == 1


def test_read_commands_on_a_fresh_database_print_empty_json(cli, tmp_path: Path) -> None:
    for cmd in ("positions", "trades", "thoughts"):
        res = cli(cmd, "--json")
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout) == []
    assert (tmp_path / "data" / "dexbot.db").exists()


def test_db_upgrade_is_idempotent_from_the_cli(cli) -> None:
    first = cli("db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    again = cli("db", "upgrade")
    assert again.returncode == 0
    assert "already at head" in again.stdout
    cur = cli("db", "current", "--json")
    assert json.loads(cur.stdout)["up_to_date"] is True


def test_unopenable_database_is_one_line_and_nonzero(cli, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    res = cli("positions", env={"DEXBOT_STORE__URL": f"sqlite:///{bad}"})
    assert res.returncode == 1
    assert "store.url" in res.stderr
    assert res.stderr.count("\n") == 1
    assert bad.read_bytes() == b"this is not sqlite" * 100


def test_pnl_on_a_fresh_database(cli) -> None:
    res = cli("pnl", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == []
    assert "no accounts yet" in cli("pnl").stdout


def test_every_help_paragraph_is_one_line_so_the_terminal_wraps_it_where_it_needs() -> None:
    """Help prints a paragraph's line breaks as they are (the summary in the command lists, every
    paragraph in a command's own help): one in the middle of a sentence cut it there ("… on the current
    chain (or" / "--account N).") whatever the terminal's width."""
    import typer

    from dexbot.cli.main import app

    broken: list[str] = []

    def walk(cmd: object, path: str) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")
        for paragraph in (getattr(cmd, "help", None) or "").strip().split("\n\n"):
            if "\n" in paragraph.strip():
                broken.append(f"{path}: {paragraph!r}")

    walk(typer.main.get_command(app), "dexbot")
    assert broken == []


def test_every_help_text_is_shown_as_written() -> None:
    """Typer reads help as Rich markup: a bracketed "[default: …]" vanished from the screen and
    `devnet chaos --help` died on "[/methods]" (an internal error). Every command's and option's help
    must come out of the markup parser whole, and every command's --help must print."""
    import typer
    from rich.errors import MarkupError
    from rich.text import Text
    from typer.testing import CliRunner

    from dexbot.cli.main import app

    eaten: list[str] = []
    paths: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])
        texts = [getattr(cmd, "help", None)] + [getattr(p, "help", None) for p in getattr(cmd, "params", [])]
        for text in filter(None, texts):
            try:
                shown = Text.from_markup(text).plain
            except MarkupError as exc:
                shown = f"<{exc}>"
            if shown != text.replace("\\[", "["):
                eaten.append(f"{' '.join(path)}: {text!r} shows as {shown!r}")

    walk(typer.main.get_command(app), [])
    assert eaten == []
    runner = CliRunner()
    failed = [(p, r.output[-200:]) for p in paths if (r := runner.invoke(app, [*p, "--help"])).exit_code != 0]
    assert failed == []
