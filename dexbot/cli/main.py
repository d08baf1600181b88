"""The `dexbot` command: a thin typer app. Exit codes live here: 0 ok, 1 error, 2 usage/config,
130 interrupted. Every failure is one line on stderr, never a traceback."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import click
import typer
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer carries its own click

from dexbot import __version__
from dexbot.cli import config_cmd, db_cmd, reads
from dexbot.cli.context import err, state
from dexbot.core.errors import DexbotError

app = typer.Typer(
    name="dexbot",
    help="Automated DEX trading bot for Uniswap V2/V3-style AMMs, with a terminal UI and an embedded devnet.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dexbot {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="config file (default ./config.toml)", envvar="DEXBOT_CONFIG"),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    state(ctx).config_path = config


app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.command("positions")(reads.positions)
app.command("trades")(reads.trades)
app.command("thoughts")(reads.thoughts)


from dexbot.cli import run_cmd  # noqa: E402

app.command("run")(run_cmd.run)


from dexbot.cli import devnet_cmd  # noqa: E402

app.add_typer(devnet_cmd.app, name="devnet")

from dexbot.cli import chaos_cmd  # noqa: E402

devnet_cmd.app.command("chaos")(chaos_cmd.chaos)


from dexbot.cli import token_cmd  # noqa: E402

app.add_typer(token_cmd.app, name="token")

from dexbot.cli import quote_cmd  # noqa: E402

app.command("quote")(quote_cmd.quote)


app.command("pnl")(reads.pnl)


from dexbot.cli import breakers_cmd  # noqa: E402

app.add_typer(breakers_cmd.app, name="breakers")


from dexbot.cli import wallet_cmd  # noqa: E402

app.add_typer(wallet_cmd.app, name="wallet")


from dexbot.cli import backtest_cmd, backtest_report_cmd  # noqa: E402

app.command("backtest")(backtest_report_cmd.backtest)
app.command("report")(backtest_report_cmd.report)
app.command("record")(backtest_cmd.record)

from dexbot.cli import optimise_cmd  # noqa: E402

app.command("optimise")(optimise_cmd.optimise)


EXIT_INTERRUPTED = 130
INTERNAL = "internal error"  # the safety net's words: a test that sees them has found a bug
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fail(message: str, code: int) -> NoReturn:
    """One line whatever the message holds: control characters (a newline in a typed value) are shown
    escaped, and brackets are text, not rich markup."""
    line = _CONTROL.sub(lambda m: repr(m.group())[1:-1], message)
    err.print(f"[red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: map dexbot's and click's errors to one line on stderr and an exit code."""
    try:
        code = app(args=argv, prog_name="dexbot", standalone_mode=False)
    except DexbotError as exc:
        _fail(str(exc), exc.exit_code)
    except NoArgsIsHelpError as exc:
        exc.show()  # a group named alone: its help, on stderr, as a usage error
        sys.exit(exc.exit_code)
    except UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} -h')" if exc.ctx is not None else ""
        _fail(exc.format_message() + hint, exc.exit_code)
    except typer.exceptions.TyperException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except (typer.Abort, click.exceptions.Abort):
        _fail("aborted: no input", 1)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Exception as exc:  # the last net for a bug no input path catches: still one line
        _fail(f"{INTERNAL} ({type(exc).__name__}): {exc}; please report it with the command line", 1)
    if code == EXIT_INTERRUPTED:
        err.print("interrupted")
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
