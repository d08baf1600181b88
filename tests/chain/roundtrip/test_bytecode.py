"""Owner privileges from bytecode: the dispatcher walk finds exactly the functions a contract has (and no
selector hidden in push data or metadata), and owner/proxy resolution reads the live chain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from eth_utils import (
    function_abi_to_4byte_selector,
    function_signature_to_4byte_selector,
    to_checksum_address,
)

from dexbot.chain.bytecode import (
    EIP1967_IMPLEMENTATION_SLOT,
    code_section,
    dispatcher_selectors,
    has_selfdestruct,
    owner_privileges,
    privileged_functions,
)
from dexbot.chain.contracts import load_own, own_names
from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.rpc import RpcClient

Launcher = Callable[..., Awaitable[DevToken]]
OwnerCall = Callable[..., Awaitable[None]]

BASE = {
    "transferOwnership(address)",
    "renounceOwnership()",
    "setPair(address,bool)",
    "setExcluded(address,bool)",
}
PRIVILEGED = {
    "PlainToken": BASE,
    "TaxToken": BASE | {"setTaxes(uint16,uint16)"},
    "HoneypotToken": BASE | {"setWhitelisted(address,bool)"},
    "BlacklistToken": BASE | {"setBlacklisted(address,bool)"},
    "LimitsToken": BASE | {"setLimits(uint256,uint256)"},
    "PausableToken": BASE | {"pause()", "unpause()"},
    "MintableRugToken": BASE | {"mint(address,uint256)"},
    "Multicall3": set(),
}
# DUP1 PUSH4 <selector> EQ PUSH2 0x0040 JUMPI: one real dispatcher entry.
DUP1, EQ, JUMPI, PUSH2, PUSH3, PUSH4, PUSH32 = 0x80, 0x14, 0x57, 0x61, 0x62, 0x63, 0x7F


def sel(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


def entry(selector: bytes, push: int = PUSH4) -> bytes:
    size = push - PUSH4 + 4  # PUSH3 carries a selector's last three bytes
    return bytes([DUP1, push]) + selector[-size:] + bytes([EQ, PUSH2, 0x00, 0x40, JUMPI])


@pytest.mark.parametrize("name", sorted(PRIVILEGED))
def test_artifact_selectors_include_exactly_its_privileged_functions(name: str) -> None:
    found = dispatcher_selectors(load_own(name).deployed_bytecode)
    assert {signature for _, signature in privileged_functions(found)} == PRIVILEGED[name]


@pytest.mark.parametrize("name", own_names())
def test_every_abi_function_of_every_artifact_is_found_and_nothing_else(name: str) -> None:
    artifact = load_own(name)
    abi = {function_abi_to_4byte_selector(f) for f in artifact.abi if f["type"] == "function"}
    found = dispatcher_selectors(artifact.deployed_bytecode)
    if name == "RoundTripProbe":  # it embeds ProbeWallet's creation code, dispatcher included
        abi.add(sel("sendBack(address)"))
    assert found == abi


def test_selector_patterns_inside_push_data_are_not_read_as_code() -> None:
    mint, pause = sel("mint(address,uint256)"), sel("pause()")
    hidden = bytes([PUSH4]) + mint + bytes([EQ])  # "PUSH4 mint EQ" as data
    code = bytes([PUSH32]) + hidden.ljust(32, b"\xee") + entry(pause)
    assert dispatcher_selectors(code) == {pause}
    assert dispatcher_selectors(hidden) == {mint}  # the same bytes as code do match


def test_the_metadata_is_not_walked() -> None:
    pause, mint = sel("pause()"), sel("mint(address,uint256)")
    metadata = b"\xa2" + bytes([PUSH4]) + mint + bytes([EQ]) + b"\x00" * 10  # a CBOR map start, then noise
    code = entry(pause) + b"\xfe" + metadata + len(metadata).to_bytes(2, "big")
    assert code_section(code) == entry(pause) + b"\xfe"
    assert dispatcher_selectors(code) == {pause}


def test_short_pushed_selectors_far_comparisons_and_truncated_code() -> None:
    leading_zero = b"\x00\x12\x34\x56"
    assert dispatcher_selectors(entry(leading_zero, PUSH3)) == {leading_zero}
    far = bytes([PUSH4]) + sel("pause()") + bytes([DUP1] * 4) + bytes([EQ])
    assert dispatcher_selectors(far) == set()
    assert dispatcher_selectors(bytes([PUSH32, 0x01, 0x02])) == set()


@pytest.mark.chain
async def test_owner_and_privileges_of_a_live_token(
    client: RpcClient, launch: Launcher, owner_call: OwnerCall
) -> None:
    token = await launch("tax")

    live = await owner_privileges(client, token.address)
    await owner_call(token, "renounceOwnership")
    renounced = await owner_privileges(client, token.address)

    assert (live.owner, live.renounced, live.is_proxy, live.proxy_impl) == (token.owner, False, False, None)
    assert ("0x" + sel("setTaxes(uint16,uint16)").hex(), "setTaxes(uint16,uint16)") in live.selectors
    assert {"fees", "ownership", "pairs", "fee_exemption"} == live.categories
    assert (renounced.owner, renounced.renounced, renounced.selectors) == (None, True, live.selectors)


@pytest.mark.chain
async def test_a_contract_without_owner_has_no_owner_and_no_privileges(
    chain: Devnet, client: RpcClient
) -> None:
    found = await owner_privileges(client, chain.deployment.multicall3)
    assert (found.owner, found.renounced, found.is_proxy, found.selectors) == (None, False, False, ())


def eip1967_proxy() -> bytes:
    """A hand-assembled EIP-1967 proxy: delegatecall everything to the address in the implementation slot."""
    slot = bytes.fromhex(EIP1967_IMPLEMENTATION_SLOT[2:])
    return (
        bytes.fromhex("365f5f37")  # calldatacopy(0, 0, calldatasize)
        + bytes.fromhex("5f5f365f7f")  # delegatecall(gas, sload(slot), 0, calldatasize, 0, 0)
        + slot
        + bytes.fromhex("545af4")
        + bytes.fromhex("3d5f5f3e")  # returndatacopy(0, 0, returndatasize)
        + bytes.fromhex("603657")  # jumpi(success, 0x36)
        + bytes.fromhex("3d5ffd")  # revert(0, returndatasize)
        + bytes.fromhex("5b3d5ff3")  # 0x36: return(0, returndatasize)
    )


@pytest.mark.chain
async def test_an_eip1967_proxy_is_resolved_to_its_implementation(
    chain: Devnet, client: RpcClient, launch: Launcher
) -> None:
    implementation = await launch("mint_rug")
    proxy = to_checksum_address("0x" + "d0" * 20)
    word = "0x" + implementation.address[2:].lower().rjust(64, "0")
    await client.request("anvil_setCode", [proxy, "0x" + eip1967_proxy().hex()])
    await client.request("anvil_setStorageAt", [proxy, EIP1967_IMPLEMENTATION_SLOT, word])

    found = await owner_privileges(client, proxy)

    assert (found.is_proxy, found.proxy_impl) == (True, implementation.address)
    assert {signature for _, signature in found.selectors} == PRIVILEGED["MintableRugToken"]
    # owner() runs the implementation's code on the proxy's (empty) storage: the zero address.
    assert (found.owner, found.renounced) == (None, True)


def test_selfdestruct_is_found_in_code_but_not_in_push_data() -> None:
    assert has_selfdestruct(bytes([0x60, 0x00, 0xFF]))  # PUSH1 0 SELFDESTRUCT
    assert not has_selfdestruct(bytes([0x60, 0xFF, 0x00]))  # PUSH1 0xff STOP
    assert not has_selfdestruct(load_own("TaxToken").deployed_bytecode)


def test_uint_masks_are_not_read_as_selectors() -> None:
    assert dispatcher_selectors(entry(b"\xff\xff\xff\xff") + entry(b"\x00\xff\xff\xff", PUSH3)) == set()
