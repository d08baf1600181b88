"""The wallet: encrypted keystores (eth-account, scrypt) in ``<data_dir>/keystore/``.

A private key exists unencrypted only in memory, inside the ``LocalAccount`` that ``unlock`` returns;
it is never logged, printed or written. Files are created with mode 0600 in a 0700 directory, by
writing a temporary file and renaming it, so a crash never leaves half a keystore.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import ValidationError as KeyValidationError
from eth_utils import is_address, to_checksum_address

from dexbot.core.errors import InputError

KEYSTORE_DIR = "keystore"
PASSWORD_ENV = "DEXBOT_KEYSTORE_PASSWORD"
IMPORT_KEY_ENV = "DEXBOT_IMPORT_KEY"
MIN_PASSWORD = 8
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class WrongPassword(InputError):
    """The password does not decrypt the keystore (exit code 2)."""


@dataclass(frozen=True)
class Keystore:
    address: str
    path: Path


def keystore_dir(data_dir: Path) -> Path:
    return data_dir / KEYSTORE_DIR


def parse_private_key(text: str) -> bytes:
    """32 bytes from 64 hex digits (0x optional). Errors never repeat the input: it may be a key."""
    value = text.strip()
    if not _HEX64.match(value):
        raise InputError(
            f"private key: expected 64 hex digits (optionally 0x-prefixed), got {len(value)} characters"
        )
    key = bytes.fromhex(value.removeprefix("0x").removeprefix("0X"))
    if not 0 < int.from_bytes(key, "big") < _SECP256K1_N:
        raise InputError("private key: out of range for secp256k1 (zero or not below the curve order)")
    return key


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"keystore password: at least {MIN_PASSWORD} characters (got {len(password)})")
    return password


def list_keystores(data_dir: Path) -> list[Keystore]:
    """Every keystore file in the data dir's keystore folder, oldest first (file names sort by time)."""
    folder = keystore_dir(data_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        address = _address_of(path)
        if address is not None:
            found.append(Keystore(address, path))
    return found


def _address_of(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    raw = data.get("address") if isinstance(data, dict) else None
    if not isinstance(raw, str) or not is_address(raw if raw.startswith("0x") else "0x" + raw):
        return None
    return str(to_checksum_address(raw if raw.startswith("0x") else "0x" + raw))


def find_keystore(data_dir: Path, address: str | None = None) -> Keystore:
    """The keystore for ``address``, or the only one when no address is given."""
    stores = list_keystores(data_dir)
    if address is not None:
        if not is_address(address):
            raise InputError(f"--address {address!r}: not a 0x-prefixed 20-byte address")
        wanted = to_checksum_address(address)
        for ks in stores:
            if ks.address == wanted:
                return ks
        raise InputError(f"no keystore for {wanted} in {keystore_dir(data_dir)} (see `dexbot wallet list`)")
    if not stores:
        raise InputError(
            f"no keystore in {keystore_dir(data_dir)}: "
            "create one with `dexbot wallet new` or `dexbot wallet import`"
        )
    if len(stores) > 1:
        raise InputError(
            f"{len(stores)} keystores in {keystore_dir(data_dir)}: choose one with --address "
            f"({', '.join(ks.address for ks in stores)})"
        )
    return stores[0]


def create_keystore(data_dir: Path, password: str, private_key: bytes | None = None) -> Keystore:
    """Encrypt a new (or the given) key with scrypt and write it; refuses to overwrite an existing one."""
    check_password(password)
    account: LocalAccount = Account.create() if private_key is None else Account.from_key(private_key)
    address = str(account.address)
    if any(ks.address == address for ks in list_keystores(data_dir)):
        raise InputError(f"a keystore for {address} already exists in {keystore_dir(data_dir)}")
    encrypted: dict[str, Any] = Account.encrypt(account.key, password, kdf="scrypt")
    folder = keystore_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    path = folder / f"UTC--{stamp}--{address[2:].lower()}.json"
    _write_private(path, json.dumps(encrypted))
    return Keystore(address, path)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def unlock(keystore: Keystore, password: str) -> LocalAccount:
    """The account with its key, decrypted in memory. A wrong password raises WrongPassword."""
    try:
        data = json.loads(keystore.path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"keystore {keystore.path} is unreadable: {type(err).__name__}") from None
    try:
        key = Account.decrypt(data, password)
    except ValueError as err:
        if "MAC mismatch" in str(err):
            raise WrongPassword(f"wrong password for keystore {keystore.address} ({keystore.path})") from None
        raise InputError(f"keystore {keystore.path} is not a valid keystore: {err}") from None
    except (KeyError, TypeError, KeyValidationError):
        raise InputError(f"keystore {keystore.path} is not a valid keystore") from None
    account: LocalAccount = Account.from_key(key)
    if account.address != keystore.address:
        raise InputError(f"keystore {keystore.path} decrypts to {account.address}, not {keystore.address}")
    return account
