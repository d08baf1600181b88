"""The live opt-in of `dexbot run --live`, done in the terminal before the engine starts.

On the devnet nothing is asked: the engine signs with an anvil dev account (real transactions, no real
money). On any other chain it takes, in this order: a per-trade value cap above zero, the encrypted
keystore, its password (DEXBOT_KEYSTORE_PASSWORD, else a hidden prompt in a terminal; never an
argument), and the chain's name typed at a prompt (or ``--yes`` for unattended runs). A missing piece
stops it with one line and exit code 2, before any network access.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click
import typer

from dexbot.core.config import Config
from dexbot.core.errors import ConfigError, InputError
from dexbot.core.units import fmt_units

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount


def _password(network: str) -> str:
    from dexbot.chain.wallet import PASSWORD_ENV

    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InputError(
            f"live trading on {network} needs the keystore password: set {PASSWORD_ENV} or run in a "
            "terminal to type it"
        )
    try:
        return str(typer.prompt("Keystore password", hide_input=True))
    except (click.exceptions.Abort, typer.Abort):  # typer has its own Abort, unrelated to click's
        raise InputError(f"no keystore password typed: live trading on {network} not started") from None


def _confirm(network: str, address: str, cap_wei: int) -> None:
    question = (
        f"Live trading on {network} from {address}: real transactions with real money, at most "
        f"{fmt_units(cap_wei, 18, 6)} ETH per trade. Type the chain name ({network}) to confirm"
    )
    try:
        typed = str(typer.prompt(question, default="", show_default=False))
    except (click.exceptions.Abort, typer.Abort):  # typer has its own Abort, unrelated to click's
        typed = ""
    if typed.strip() != network:
        shown = f"typed {typed.strip()!r}" if typed.strip() else "nothing typed"
        raise InputError(
            f"live trading on {network} not confirmed ({shown}): type the chain name at the prompt, "
            "or pass --yes for an unattended run"
        )


def unlock_live_signer(cfg: Config, *, yes: bool, address: str | None) -> LocalAccount | None:
    """The unlocked account to trade with (None on the devnet: the engine uses a dev account)."""
    from dexbot.engine.host.commands import is_devnet, keystore_signer

    if cfg.mode.max_trade_wei <= 0:
        raise ConfigError("mode.max_trade_eth = 0: live trading needs a per-trade value cap above zero")
    if is_devnet(cfg):
        return None
    from dexbot.chain.wallet import find_keystore

    network = cfg.chain.name
    keystore = find_keystore(cfg.data_path, address)
    account = keystore_signer(cfg.data_path, _password(network), keystore.address)
    if not yes:
        _confirm(network, str(account.address), cfg.mode.max_trade_wei)
    return account
