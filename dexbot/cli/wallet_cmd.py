"""`dexbot wallet new|import|list|balance|history|approvals|sign-in`.

Secrets never come from the command line (shell history, ``ps``): the keystore password comes from a
hidden prompt or DEXBOT_KEYSTORE_PASSWORD, an imported key from a hidden prompt or DEXBOT_IMPORT_KEY.
Nothing here prints a key. Chain access goes through ``_Chain``: a running devnet's devnet.json when
chain.network is devnet, else chain.rpc_urls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from dexbot.cli.context import err, out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.errors import ChainError, InputError
from dexbot.core.units import fmt_units

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from dexbot.chain.chains import ChainInfo
    from dexbot.chain.rpc import RpcClient
    from dexbot.core.config import Config

app = typer.Typer(
    help="Encrypted keystore wallet: keys, balances, history, approvals, sign-in.", no_args_is_help=True
)
approvals_app = typer.Typer(help="ERC20 allowances granted to the DEX routers (list, revoke).")
app.add_typer(approvals_app, name="approvals")

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output")]
AddressOpt = Annotated[
    str | None, typer.Option("--address", "-a", help="which keystore (needed when there are several)")
]


def _secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    try:
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
    except (click.exceptions.Abort, typer.Abort):  # typer raises its own Abort, unrelated to click's
        raise InputError(f"no input for {prompt.lower()}: type it at the prompt or set {env}") from None


def _password(*, confirm: bool = False) -> str:
    from dexbot.chain.wallet import PASSWORD_ENV

    return _secret(PASSWORD_ENV, "Keystore password", confirm=confirm)


def _unlock(ctx: typer.Context, address: str | None) -> LocalAccount:
    from dexbot.chain.wallet import find_keystore, unlock

    keystore = find_keystore(state(ctx).config().data_path, address)
    return unlock(keystore, _password())


@dataclass
class _Chain:
    client: RpcClient
    info: ChainInfo
    tokens: list[str]

    @property
    def spenders(self) -> dict[str, str]:
        names = ("v2_router", "v3_router", "v3_position_manager")
        return {n: a for n in names if (a := getattr(self.info, n)) is not None}


@contextlib.asynccontextmanager
async def _chain(cfg: Config) -> AsyncIterator[_Chain]:
    from dexbot.chain.chains import chain_info, with_deployment
    from dexbot.chain.devnet.deployment import load_deployment
    from dexbot.chain.rpc import RpcClient

    info = chain_info(cfg.chain)
    if cfg.chain.network == "devnet":
        deployment = load_deployment(cfg.data_path)
        info = with_deployment(info, deployment)
        urls = [deployment.rpc_url]
        tokens = [deployment.weth, deployment.usdc, *(t.address for t in deployment.tokens)]
    else:
        urls = list(cfg.chain.rpc_urls)
        tokens = [t for t in (info.weth, info.usdc) if t] + list(cfg.strategy.watchlist)
    client = await RpcClient.connect(
        urls,
        chain_id=info.chain_id,
        timeout_s=cfg.chain.request_timeout_s,
        send_url=cfg.chain.send_url,
    )
    try:
        yield _Chain(client, info, list(dict.fromkeys(tokens)))
    finally:
        await client.close()


def _ledger(cfg: Config, genesis_hash: str = "") -> Any:
    """The ledger for the chain with ``genesis_hash`` (reading the history needs none: it lists all)."""
    from dexbot.store.db import open_database
    from dexbot.store.ledger import LedgerStore

    db = open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms)
    return LedgerStore(db, genesis_hash=genesis_hash)


def _address_of(ctx: typer.Context, address: str | None) -> str:
    from dexbot.chain.wallet import find_keystore

    return find_keystore(state(ctx).config().data_path, address).address


@app.command("new")
def new(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Create a new key in an encrypted keystore (password: prompt or DEXBOT_KEYSTORE_PASSWORD)."""
    from dexbot.chain.wallet import create_keystore

    data_dir = state(ctx).config().data_path
    keystore = create_keystore(data_dir, _password(confirm=True))
    _created(keystore.address, str(keystore.path), as_json, "wallet new")


@app.command("import")
def import_key(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Encrypt an existing private key (hidden prompt or DEXBOT_IMPORT_KEY) into a keystore."""
    from dexbot.chain.wallet import IMPORT_KEY_ENV, create_keystore, parse_private_key

    data_dir = state(ctx).config().data_path
    key = parse_private_key(_secret(IMPORT_KEY_ENV, "Private key (hex)"))
    keystore = create_keystore(data_dir, _password(confirm=True), key)
    _created(keystore.address, str(keystore.path), as_json, "wallet import")


def _created(address: str, path: str, as_json: bool, command: str) -> None:
    if as_json:
        print_json({"address": address, "path": path}, command)
    else:
        out.print(f"keystore for {address} written to {path} (mode 0600)")


@app.command("list")
def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The keystores in <data_dir>/keystore (addresses only; nothing is decrypted)."""
    from dexbot.chain.wallet import keystore_dir, list_keystores

    data_dir = state(ctx).config().data_path
    stores = list_keystores(data_dir)
    if as_json:
        print_json([{"address": k.address, "path": str(k.path)} for k in stores], "wallet list")
        return
    if not stores:
        out.print(f"no keystores in {keystore_dir(data_dir)} (create one with `dexbot wallet new`)")
    for k in stores:
        out.print(f"{k.address}  {k.path}")


@app.command("balance")
def balance(ctx: typer.Context, address: AddressOpt = None, as_json: JsonOpt = False) -> None:
    """Native and ERC20 balances (WETH, USDC, devnet tokens / watchlist), read at one block."""
    from dexbot.chain.balances import read_balances
    from dexbot.chain.multicall import MULTICALL3

    owner = _address_of(ctx, address)

    async def go() -> Any:
        async with _chain(state(ctx).config()) as ch:
            mc = ch.info.multicall3 or MULTICALL3
            return await read_balances(
                ch.client, owner, ch.tokens, native_symbol=ch.info.native_symbol, multicall=mc
            )

    bal = asyncio.run(go())
    rows = [
        {"symbol": h.symbol, "token": h.token, "decimals": h.decimals, "amount": str(h.amount)}
        for h in bal.holdings
    ]
    if as_json:
        print_json(
            {"address": bal.owner, "block": bal.block, "balances": rows, "unreadable": list(bal.unreadable)},
            "wallet balance",
        )
        return
    cells = [[h.symbol, fmt_units(h.amount, h.decimals), h.token or "native"] for h in bal.holdings]
    out.print(
        table(
            out,
            f"{bal.owner} at block {bal.block}",
            cols("symbol", "amount", "token", right=("amount",)),
            cells,
        )
    )


@app.command("history")
def history(
    ctx: typer.Context,
    address: AddressOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="rows")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Transactions this wallet signed (from the ledger), with gas and fees from their receipts."""
    from dexbot.chain.chains import chain_info

    cfg = state(ctx).config()
    owner = _address_of(ctx, address)
    rows = asyncio.run(
        _ledger(cfg).history(chain_id=chain_info(cfg.chain).chain_id, sender=owner, limit=limit)
    )
    receipts: dict[str, dict[str, Any]] = {}
    settled = [r.tx_hash for r in rows if r.status in ("mined", "reverted")]

    async def fetch() -> None:
        async with _chain(cfg) as ch:
            answers = await ch.client.batch([("eth_getTransactionReceipt", [h]) for h in settled])
            receipts.update({h: a for h, a in zip(settled, answers, strict=True) if isinstance(a, dict)})

    if settled:
        try:
            asyncio.run(fetch())
        except ChainError as exc:
            err.print(f"receipts unavailable ({exc}); showing the ledger only", highlight=False)
    items = []
    for r in rows:
        rc = receipts.get(r.tx_hash, {})
        gas = int(rc.get("gasUsed", "0x0"), 16)
        fee = gas * int(rc.get("effectiveGasPrice", "0x0"), 16)
        items.append(
            {
                "tx_hash": r.tx_hash,
                "nonce": r.nonce,
                "status": r.status,
                "purpose": r.purpose,
                "block": r.block_number,
                "gas_used": gas,
                "fee_wei": str(fee),
                "error": r.error,
                "replaces": r.replaces,
                "created_at": r.created_at,
            }
        )
    if as_json:
        print_json(items, "wallet history")
        return
    if not items:
        out.print(f"no transactions from {owner} in the ledger")
        return
    headers = ("nonce", "status", "purpose", "block", "fee (ETH)", "tx hash", "note")
    cells = [
        [
            str(i["nonce"]),
            i["status"],
            i["purpose"],
            str(i["block"] or ""),
            fmt_units(int(i["fee_wei"]), 18, 8) if i["gas_used"] else "",
            i["tx_hash"],
            i["error"],
        ]
        for i in items
    ]
    right = ("nonce", "block", "fee (ETH)")
    out.print(table(out, f"transactions from {owner}", cols(*headers, right=right), cells))


@approvals_app.callback(invoke_without_command=True)
def approvals(ctx: typer.Context, address: AddressOpt = None, as_json: JsonOpt = False) -> None:
    """Allowances this wallet granted to the routers, per token (zero ones left out)."""
    if ctx.invoked_subcommand is not None:
        return
    from dexbot.chain.approvals import allowances
    from dexbot.chain.multicall import MULTICALL3

    owner = _address_of(ctx, address)

    async def go() -> list[dict[str, Any]]:
        async with _chain(state(ctx).config()) as ch:
            names = {a: n for n, a in ch.spenders.items()}
            found = await allowances(
                ch.client, owner, ch.tokens, list(names), multicall=ch.info.multicall3 or MULTICALL3
            )
            return [
                {
                    "token": a.token,
                    "spender": a.spender,
                    "spender_name": names[a.spender],
                    "amount": str(a.amount),
                    "unlimited": a.unlimited,
                }
                for a in found
            ]

    rows = asyncio.run(go())
    if as_json:
        print_json(rows, "wallet approvals")
        return
    if not rows:
        out.print(f"no allowances from {owner} to the routers")
    for r in rows:
        amount = "unlimited" if r["unlimited"] else r["amount"]
        out.print(f"{r['token']} → {r['spender_name']} {r['spender']}: {amount}")


@approvals_app.command("revoke")
def revoke_cmd(ctx: typer.Context, token: str, spender: str, address: AddressOpt = None) -> None:
    """Set SPENDER's allowance on TOKEN to zero (a signed transaction; asks for the password)."""
    from eth_utils import is_address, to_checksum_address

    from dexbot.chain.approvals import revoke
    from dexbot.chain.gas.oracle import GasOracle
    from dexbot.chain.identity import read_genesis
    from dexbot.chain.sender import Sender
    from dexbot.chain.txtypes import Fees

    for name, value in (("TOKEN", token), ("SPENDER", spender)):
        if not is_address(value):
            raise InputError(f"{name} {value!r}: not a 0x-prefixed 20-byte address")
    cfg = state(ctx).config()
    account = _unlock(ctx, address)

    async def go() -> Any:
        async with _chain(cfg) as ch:
            sender = Sender(ch.client, account, _ledger(cfg, await read_genesis(ch.client)))
            await sender.reconcile()
            fee = await GasOracle(ch.client, ch.info, cfg.gas).suggest()
            fees = Fees(fee.max_fee_per_gas, fee.max_priority_fee_per_gas)
            return await revoke(sender, to_checksum_address(token), to_checksum_address(spender), fees)

    outcome = asyncio.run(go())
    if not outcome.ok:
        raise ChainError(f"revoke transaction {outcome.tx_hash} {outcome.status}: {outcome.reason}")
    out.print(f"revoked: {outcome.tx_hash} mined in block {outcome.block_number}")


@app.command("sign-in")
def sign_in(
    ctx: typer.Context,
    domain: Annotated[str, typer.Option("--domain", help="the site asking, e.g. app.example.com")],
    uri: Annotated[str, typer.Option("--uri", help="the sign-in URI, e.g. https://app.example.com/login")],
    statement: Annotated[str | None, typer.Option("--statement", help="one line shown to the user")] = None,
    nonce: Annotated[str | None, typer.Option("--nonce", help="the site's nonce (default: random)")] = None,
    chain_id: Annotated[
        int | None, typer.Option("--chain-id", min=1, help="default: the configured chain")
    ] = None,
    address: AddressOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A signed EIP-4361 (Sign-In with Ethereum) message for dashboards that use it."""
    from dexbot.chain.chains import chain_info
    from dexbot.chain.siwe import SiweMessage, new_nonce, sign_message

    cfg = state(ctx).config()
    account = _unlock(ctx, address)
    cid = chain_id or chain_info(cfg.chain).chain_id
    message = SiweMessage(domain, account.address, uri, cid, nonce or new_nonce(), statement=statement)
    signature = sign_message(account, message)
    if as_json:
        print_json(
            {"address": account.address, "message": message.text(), "signature": signature}, "wallet sign-in"
        )
    else:
        typer.echo(message.text())
        typer.echo("")
        typer.echo(f"signature: {signature}")
