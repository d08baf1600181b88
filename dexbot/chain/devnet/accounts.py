"""anvil's dev accounts and their private keys.

anvil is started with the well-known Foundry/Hardhat test mnemonic, so the keys are public knowledge:
fine for a local devnet, never for real funds. Keys are for code paths that must sign locally (the
live sender); devnet setup itself uses the unlocked accounts and never signs.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

DEV_MNEMONIC = "test test test test test test test test test test test junk"


@functools.cache
def dev_account(index: int) -> LocalAccount:
    """The ``index``-th anvil dev account (0 is the deployer) with its private key."""
    from eth_account import Account  # costs ~0.5 s to import; only the signing paths need it

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
