"""getL1Fee(bytes) calldata and result, checked against web3's own ABI encoder."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from dexbot.chain.chains import OP_GAS_PRICE_ORACLE
from dexbot.chain.gas.l1fee import GET_L1_FEE, decode_l1_fee, encode_get_l1_fee
from dexbot.core.errors import ChainError

ABI: list[dict[str, Any]] = [
    {
        "name": "getL1Fee",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "_data", "type": "bytes"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


@pytest.mark.parametrize("tx", [b"", b"\x02", bytes(range(32)), b"\x02\xf8" + b"\xab" * 117])
def test_calldata_matches_web3_abi_encoding(tx: bytes) -> None:
    contract = Web3().eth.contract(address=Web3.to_checksum_address(OP_GAS_PRICE_ORACLE), abi=ABI)
    assert encode_get_l1_fee(tx) == contract.encode_abi("getL1Fee", [tx])


def test_selector_and_layout() -> None:
    data = bytes.fromhex(encode_get_l1_fee(b"\x01\x02\x03")[2:])
    assert bytes.fromhex("49948e0e") == GET_L1_FEE
    assert data[:4] == GET_L1_FEE
    assert int.from_bytes(data[4:36], "big") == 32  # offset of the bytes argument
    assert int.from_bytes(data[36:68], "big") == 3  # its length
    assert data[68:] == b"\x01\x02\x03" + b"\x00" * 29


def test_decodes_one_word_and_refuses_anything_else() -> None:
    assert decode_l1_fee("0x" + (123_456_789).to_bytes(32, "big").hex()) == 123_456_789
    with pytest.raises(ChainError, match="returned 0 bytes, expected 32: is the GasPriceOracle predeploy"):
        decode_l1_fee("0x")
    with pytest.raises(ChainError, match="returned 64 bytes"):
        decode_l1_fee("0x" + "00" * 64)
