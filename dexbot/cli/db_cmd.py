"""`dexbot db upgrade|current`."""

from __future__ import annotations

from typing import Annotated

import typer

from dexbot.cli.context import out, print_json, state

app = typer.Typer(help="Database schema migrations (applied automatically at start).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply pending migrations to the configured database."""
    from dexbot.store import migrate
    from dexbot.store.db import open_database

    cfg = state(ctx).config()
    engine = open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms, upgrade=False)
    before, after = migrate.upgrade(engine)
    engine.dispose()
    if before == after:
        out.print(f"database already at head ({after})")
    else:
        out.print(f"database upgraded from {before or 'empty'} to {after}")


@app.command("current")
def current(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False
) -> None:
    """Show the database's schema revision and the newest one this dexbot knows."""
    from dexbot.store import migrate
    from dexbot.store.db import open_database

    cfg = state(ctx).config()
    engine = open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms, upgrade=False)
    rev = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision()
    if as_json:
        print_json({"current": rev, "head": head, "up_to_date": rev == head}, "db current")
    else:
        out.print(f"current {rev or 'empty'}, head {head}")
