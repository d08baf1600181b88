"""Which account signs live transactions.

On the devnet: anvil's dev account 1 (its key is public, the chain is local: real transactions, no real
money; account 0 deploys, the synthetic market takes the top of the list). On any other chain: the
encrypted keystore, unlocked with a password the CLI obtained before the engine started (from
DEXBOT_KEYSTORE_PASSWORD or a hidden prompt). The password and the key are registered as secrets
before anything can log them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dexbot.core.config import Config
from dexbot.core.errors import ConfigError
from dexbot.core.logsetup import register_secret

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

DEVNET_SIGNER_INDEX = 1


def is_devnet(cfg: Config) -> bool:
    return cfg.chain.network == "devnet"


def devnet_signer(cfg: Config) -> LocalAccount:
    """The devnet's live account, refused when the synthetic market would trade from it too."""
    from dexbot.chain.devnet.accounts import dev_account

    market = cfg.devnet.market
    first_market = cfg.devnet.accounts - market.traders - 1  # the launcher, then the traders
    if market.enabled and first_market <= DEVNET_SIGNER_INDEX:
        raise ConfigError(
            f"devnet.accounts = {cfg.devnet.accounts} leaves no account for live trading beside the "
            f"market's {market.traders} traders and launcher: raise devnet.accounts to "
            f"{market.traders + DEVNET_SIGNER_INDEX + 2}"
        )
    return dev_account(DEVNET_SIGNER_INDEX)


def keystore_signer(data_dir: Path, password: str, address: str | None = None) -> LocalAccount:
    """The keystore's account (the only one, or ``address``'s), unlocked. Raises InputError when there
    is no keystore or the password is wrong."""
    from dexbot.chain.wallet import find_keystore, unlock

    register_secret(password)
    account = unlock(find_keystore(data_dir, address), password)
    register_secret("0x" + bytes(account.key).hex())
    return account


def live_signer(cfg: Config, signer: LocalAccount | None) -> LocalAccount:
    """The account the engine signs with: the one the CLI unlocked, else the devnet's dev account."""
    if signer is not None:
        return signer
    if is_devnet(cfg):
        return devnet_signer(cfg)
    raise ConfigError(
        f"live trading on {cfg.chain.name} needs the encrypted keystore and its password: "
        "start it with `dexbot run --live` (password from DEXBOT_KEYSTORE_PASSWORD or the prompt)"
    )
