"""Keystores: scrypt-encrypted, 0600 in a 0700 folder, never the key in clear, wrong password refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.wallet import (
    WrongPassword,
    create_keystore,
    find_keystore,
    list_keystores,
    parse_private_key,
    unlock,
)
from dexbot.core.errors import InputError

PASSWORD = "correct horse battery"


def test_new_keystore_is_scrypt_and_private_and_unlocks_with_its_password(tmp_path: Path) -> None:
    ks = create_keystore(tmp_path, PASSWORD)

    data = json.loads(ks.path.read_text())
    assert data["crypto"]["kdf"] == "scrypt"
    assert data["crypto"]["kdfparams"]["n"] == 2**18
    assert stat.S_IMODE(ks.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ks.path.parent.stat().st_mode) == 0o700
    assert ks.path.parent == tmp_path / "keystore"
    account = unlock(ks, PASSWORD)
    assert account.address == ks.address
    assert account.key.hex().removeprefix("0x") not in ks.path.read_text()
    assert [k.address for k in list_keystores(tmp_path)] == [ks.address]
    assert list(ks.path.parent.glob(".*")) == []  # no temporary file left behind


def test_imported_key_keeps_its_address_and_is_not_stored_in_clear(tmp_path: Path) -> None:
    dev = dev_account(4)
    key_hex = dev.key.hex().removeprefix("0x")

    ks = create_keystore(tmp_path, PASSWORD, parse_private_key("0x" + key_hex))

    assert ks.address == dev.address
    assert key_hex not in ks.path.read_text().lower()
    assert unlock(ks, PASSWORD).key == dev.key
    with pytest.raises(InputError, match=f"a keystore for {dev.address} already exists"):
        create_keystore(tmp_path, PASSWORD, bytes(dev.key))


def test_wrong_password_is_one_clear_error(tmp_path: Path) -> None:
    ks = create_keystore(tmp_path, PASSWORD)
    with pytest.raises(WrongPassword, match=f"^wrong password for keystore {ks.address} "):
        unlock(ks, PASSWORD + "!")
    assert WrongPassword.exit_code == 2


def test_bad_private_keys_are_refused_without_echoing_them() -> None:
    secret = "ab" * 31 + "zz"
    with pytest.raises(InputError) as caught:
        parse_private_key(secret)
    assert secret not in str(caught.value)
    assert (
        str(caught.value) == "private key: expected 64 hex digits (optionally 0x-prefixed), got 64 characters"
    )
    with pytest.raises(InputError, match="out of range"):
        parse_private_key("00" * 32)


def test_short_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 8 characters"):
        create_keystore(tmp_path, "short")
    assert list_keystores(tmp_path) == []


def test_choosing_among_several_keystores_needs_an_address(tmp_path: Path) -> None:
    a = create_keystore(tmp_path, PASSWORD, bytes(dev_account(5).key))
    b = create_keystore(tmp_path, PASSWORD, bytes(dev_account(6).key))
    with pytest.raises(InputError, match=r"2 keystores in .*: choose one with --address"):
        find_keystore(tmp_path)
    assert find_keystore(tmp_path, b.address.lower()) == b
    assert find_keystore(tmp_path, a.address) == a
    with pytest.raises(InputError, match="no keystore for"):
        find_keystore(tmp_path, dev_account(7).address)
