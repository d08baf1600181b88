"""Transactions are signed through libsecp256k1 (coincurve), not eth-keys' pure-Python fallback, which
takes ~5 ms a signature; both backends give the same (RFC 6979) signature, so the switch changes speed
only."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend, get_backend
from eth_keys.datatypes import PrivateKey
from eth_utils import keccak

from dexbot.chain.devnet.accounts import dev_account


def test_the_default_backend_is_libsecp256k1() -> None:
    assert isinstance(get_backend(), CoinCurveECCBackend)


def test_both_backends_sign_alike_and_a_signed_transaction_recovers_its_sender() -> None:
    account = dev_account(3)
    key = PrivateKey(bytes(account.key))
    digest = keccak(b"dexbot signs through libsecp256k1")
    assert NativeECCBackend().ecdsa_sign(digest, key) == CoinCurveECCBackend().ecdsa_sign(digest, key)
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 8453,
        "nonce": 7,
        "to": dev_account(2).address,
        "value": 12345,
        "gas": 21_000,
        "maxFeePerGas": 2 * 10**10,
        "maxPriorityFeePerGas": 10**9,
    }
    signed = account.sign_transaction(tx)
    assert Account.recover_transaction(signed.raw_transaction) == account.address
