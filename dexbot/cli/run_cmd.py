"""`dexbot run`: the engine with the Textual UI (default) or headless (`--no-ui`)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from dexbot.cli.context import state
from dexbot.core.config import Config
from dexbot.core.errors import ConfigError
from dexbot.core.logsetup import register_secret, setup_logging

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from dexbot.chain.runtime import Service
    from dexbot.engine.api.events import Event, TradeFilled

log = logging.getLogger("dexbot")


def _services(cfg: Config) -> list[Service]:
    if cfg.chain.network != "devnet" or cfg.chain.rpc_urls or not cfg.devnet.market.enabled:
        return []
    from dexbot.chain.devnet.market.simulator import market_service

    return [
        market_service(cfg.devnet.market, cfg.devnet.seed, block_time_s=max(cfg.devnet.block_time_s, 0.1))
    ]


def _check_mode(
    cfg: Config, live: bool, *, yes: bool = False, address: str | None = None
) -> LocalAccount | None:
    """Both opt-ins present; in live mode, the account to sign with (None: the devnet's dev account)."""
    if live and cfg.mode.trading != "live":
        raise ConfigError('--live needs mode.trading = "live" in the config as well (two explicit opt-ins)')
    if cfg.mode.trading == "live" and not live:
        raise ConfigError('mode.trading is "live": add --live to confirm real transactions')
    if cfg.mode.trading == "live":
        from dexbot.cli.live_optin import unlock_live_signer  # keystore, password, typed confirmation

        return unlock_live_signer(cfg, yes=yes, address=address)
    return None


async def run_headless(
    cfg: Config, fmt: str, signer: LocalAccount | None = None, record: Path | None = None
) -> None:
    from dexbot.cli.eventlog import EventFormatter
    from dexbot.engine.host.engine_host import EngineHost

    host = EngineHost(cfg, services=_services(cfg), signer=signer, record=record)
    formatter = EventFormatter()
    queue = host.bus.subscribe()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def _signal() -> None:
        if not stopping.is_set():
            log.info("stopping: flushing state and shutting the chain down…")
            stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _signal)

    def emit(ev: Event) -> None:
        if host.error is not None and _tells_start_error(ev, str(host.error)):
            return  # the error line main() prints says it, once
        line = formatter.json(ev) if fmt == "json" else formatter.text(ev)
        if line is None:
            return
        if fmt == "json":
            print(line, flush=True)
        else:
            log.info(line)

    async def printer() -> None:
        while True:
            emit(await queue.get())

    printing = asyncio.create_task(printer())
    running = asyncio.create_task(host.run())
    waiter = asyncio.create_task(stopping.wait())
    done, _ = await asyncio.wait({running, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        await host.stop()
    waiter.cancel()
    try:
        await running
    finally:
        await asyncio.sleep(0)  # let the printer drain what is queued
        printing.cancel()
        while not queue.empty():
            emit(queue.get_nowait())


def _tells_start_error(ev: Event, error: str) -> bool:
    from dexbot.engine.api.events import EngineError, EngineStateChanged

    if isinstance(ev, EngineError):
        return ev.where == "start"
    return isinstance(ev, EngineStateChanged) and ev.state == "stopped" and ev.reason == error


def run(
    ctx: typer.Context,
    no_ui: Annotated[bool, typer.Option("--no-ui", help="headless: log lines instead of the TUI")] = False,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="opt in to live trading (mode.trading = live too): a dev account on the devnet, "
            "else the encrypted keystore",
        ),
    ] = False,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text or json (headless log lines)", show_default=True)
    ] = "text",
    yes: Annotated[
        bool, typer.Option("--yes", help="live on a real chain: skip the typed chain-name confirmation")
    ] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="live: which keystore, when there are several")
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="write a recording of the chain for `dexbot backtest`")
    ] = None,
) -> None:
    """Run the trading engine: the TUI by default, headless with --no-ui.

    On the devnet config it also starts anvil, deploys Uniswap and the tokens, and runs the market."""
    if log_format not in ("text", "json"):
        raise ConfigError(f"--log-format {log_format!r}: use text or json")
    fmt: Literal["text", "json"] = "json" if log_format == "json" else "text"
    cfg = state(ctx).config()
    if record is not None and record.exists():
        raise ConfigError(f"--record {record}: the file exists (a recording is never overwritten)")
    if record is not None and not record.parent.is_dir():
        raise ConfigError(f"--record {record}: folder {record.parent} does not exist")
    signer = _check_mode(cfg, live, yes=yes, address=address)
    for url in (*cfg.chain.rpc_urls, cfg.chain.send_url or ""):
        register_secret(url)
    if no_ui:
        setup_logging(
            cfg.log.level, fmt if fmt == "json" else cfg.log.format, cfg.data_path, file=cfg.log.file
        )
        asyncio.run(run_headless(cfg, fmt, signer, record))
        return
    setup_logging(cfg.log.level, "json", cfg.data_path, file=cfg.log.file)
    logging.getLogger().handlers[:1] = []  # the TUI owns the terminal: log to the file only
    from dexbot.engine.host.engine_host import EngineHost
    from dexbot.tui.app import make_app

    host = EngineHost(cfg, services=_services(cfg), signer=signer, record=record)

    def stored_trades() -> list[TradeFilled]:
        from dexbot.cli.reports import trade_events
        from dexbot.store.db import open_database

        account = host.account_id  # the account this run books to, not a dead chain's
        if not account:  # still starting: no account chosen yet, and this session has no fills
            return []
        db = open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms)
        return trade_events(db, instance=cfg.instance.name, account_id=account)

    make_app(cfg, host, trade_loader=stored_trades).run()
    if host.error is not None:
        raise host.error
