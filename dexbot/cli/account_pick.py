"""Which account a read command shows: ``--account N``, else the instance's (``--instance NAME``, else the
config's ``[instance] name``) account of the chain the config points at (identified by chain id and
genesis hash, read from its RPC), else — the chain being unreachable, as after a `make run` whose
devnet is gone — the instance's most recent account, saying which."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from dexbot.cli.context import err
from dexbot.core.errors import DexbotError, InputError
from dexbot.core.instance import NAME_HELP, NAME_RULE

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dexbot.chain.identity import ChainIdentity
    from dexbot.core.config import Config
    from dexbot.store.models import Account

AccountOpt = Annotated[
    int | None, typer.Option("--account", min=1, help="this account (ids: dexbot pnl --all)")
]
InstanceOpt = Annotated[
    str | None,
    typer.Option("--instance", help="this instance's rows", show_default="the config's instance.name"),
]
IDENTITY_TIMEOUT_S = 3.0


def instance_of(cfg: Config, given: str | None) -> str:
    """``--instance NAME`` checked (exit 2 on a malformed one), else the configured instance."""
    if given is None:
        return cfg.instance.name
    if not NAME_RULE.match(given):
        raise InputError(f"--instance {given!r}: an instance name is {NAME_HELP}")
    return given


def _rpc_url(cfg: Config) -> str | None:
    if cfg.chain.rpc_urls:
        return cfg.chain.rpc_urls[0]
    if cfg.chain.network == "devnet":
        from dexbot.chain.devnet.deployment import load_deployment

        try:
            return load_deployment(cfg.data_path).rpc_url
        except DexbotError:
            return None
    return None


async def _read_identity(url: str) -> ChainIdentity:
    from dexbot.chain.identity import ChainIdentity, read_genesis
    from dexbot.chain.rpc import RpcClient

    client = await RpcClient.connect([url], timeout_s=IDENTITY_TIMEOUT_S, retries=0)
    try:
        return ChainIdentity(client.chain_id, await read_genesis(client))
    finally:
        await client.close()


def chain_identity(cfg: Config) -> tuple[ChainIdentity | None, str]:
    """The configured chain's identity, or None and why it could not be read."""
    url = _rpc_url(cfg)
    if url is None:
        return None, "no RPC endpoint configured and no devnet.json"
    try:
        return asyncio.run(_read_identity(url)), ""
    except (DexbotError, OSError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def pick_account(cfg: Config, db: Engine, account_id: int | None, instance: str) -> Account | None:
    """The account to show; None when there is none to show (said on stderr, one line)."""
    from dexbot.chain.identity import short_genesis
    from dexbot.store import repo

    if account_id is not None:
        found = repo.get_account(db, account_id)
        if found is None:
            raise InputError(f"--account {account_id}: no such account (dexbot pnl --all lists them)")
        return found
    accounts = repo.list_accounts(db, instance=instance)
    if not accounts:
        others = {a.instance for a in repo.list_accounts(db)}
        if others:
            err.print(
                f"no account of instance {instance!r}; instances in this database: "
                f"{', '.join(sorted(others))} (--instance NAME)",
                highlight=False,
                soft_wrap=True,
            )
        return None
    ident, why = chain_identity(cfg)
    if ident is None:
        last = accounts[-1]
        err.print(
            f"chain not reachable ({why}): showing the most recent account #{last.id} ({last.kind}, chain "
            f"{last.chain_id}, genesis {short_genesis(last.genesis_hash)}); --account N picks another",
            highlight=False,
            soft_wrap=True,
        )
        return last
    mine = [a for a in accounts if (a.chain_id, a.genesis_hash) == (ident.chain_id, ident.genesis_hash)]
    preferred = [a for a in mine if a.kind == cfg.mode.trading] or mine
    if preferred:
        return preferred[-1]
    err.print(
        f"no account on this chain ({ident.describe()}) yet; {len(accounts)} on other chains: "
        "dexbot pnl --all lists them",
        highlight=False,
        soft_wrap=True,
    )
    return None
