"""Contract addresses computed before the contracts exist.

CREATE addresses follow from the deployer's nonce and CREATE2 pair/pool addresses from the factory and
the official init code, so the whole deployment can be sent as one batch without waiting for receipts.
The init-code hashes are the same ones the routers hard-code; the tests check that they agree.
"""

from __future__ import annotations

import functools

import rlp
from eth_abi import encode
from eth_utils import keccak, to_bytes, to_checksum_address

from dexbot.chain.contracts import load_uniswap

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# The init-code hashes hard-coded in UniswapV2Library.pairFor and the V3 PoolAddress library.
V2_PAIR_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
V3_POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"


def create_address(sender: str, nonce: int) -> str:
    """Address of the contract that ``sender`` creates with transaction number ``nonce``."""
    return str(to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:]))


def create2_address(deployer: str, salt: bytes, init_code_hash: bytes) -> str:
    digest = keccak(b"\xff" + to_bytes(hexstr=deployer) + salt + init_code_hash)
    return str(to_checksum_address(digest[12:]))


def sort_tokens(a: str, b: str) -> tuple[str, str]:
    """Uniswap's token0/token1: the numerically smaller address first."""
    return (a, b) if int(a, 16) < int(b, 16) else (b, a)


@functools.cache
def v2_pair_init_code_hash() -> bytes:
    """keccak of the npm UniswapV2Pair creation code (the pair has no constructor arguments)."""
    return keccak(load_uniswap("UniswapV2Pair").bytecode)


@functools.cache
def v3_pool_init_code_hash() -> bytes:
    """keccak of the npm UniswapV3Pool creation code (the pool reads its parameters from the deployer)."""
    return keccak(load_uniswap("UniswapV3Pool").bytecode)


def v2_pair_address(factory: str, token_a: str, token_b: str) -> str:
    t0, t1 = sort_tokens(token_a, token_b)
    salt = keccak(to_bytes(hexstr=t0) + to_bytes(hexstr=t1))
    return create2_address(factory, salt, v2_pair_init_code_hash())


def v3_pool_address(factory: str, token_a: str, token_b: str, fee: int) -> str:
    t0, t1 = sort_tokens(token_a, token_b)
    salt = keccak(encode(["address", "address", "uint24"], [t0, t1, fee]))
    return create2_address(factory, salt, v3_pool_init_code_hash())
