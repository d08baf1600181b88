"""Owner privileges read offline from a token's runtime bytecode: which privileged functions its
dispatcher answers to (mint, pause, blacklist, set taxes, set limits, ownership …), whether it has a live
owner, and, for an EIP-1967 proxy, what the implementation can do.

Source code is not needed (most launch tokens are unverified); the dispatcher is in the bytecode. It only
tells what a function is *called*: a ``setFee`` may be capped, a ``mint`` may be dead code. Hints, not proof.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from eth_utils import function_signature_to_4byte_selector, keccak

from dexbot.chain.abi import checksum
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

PUSH1, PUSH3, PUSH4, PUSH32 = 0x60, 0x62, 0x63, 0x7F
LT, GT, EQ = 0x10, 0x11, 0x14
# How many opcodes may sit between a selector push and its comparison (DUP/SWAP in via-IR dispatchers).
COMPARE_WINDOW = 3
EIP1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
EIP1967_ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103"
EIP1967_BEACON_SLOT = "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50"
# The proxy layouts before EIP-1967: OpenZeppelin's (ZeppelinOS) and EIP-1822's UUPS slot.
ZOS_IMPLEMENTATION_SLOT = "0x" + keccak(text="org.zeppelinos.proxy.implementation").hex()
ZOS_ADMIN_SLOT = "0x" + keccak(text="org.zeppelinos.proxy.admin").hex()
EIP1822_SLOT = "0x" + keccak(text="PROXIABLE").hex()
# Where an implementation address may sit, by the proxy standard that puts it there.
IMPLEMENTATION_SLOTS = (
    ("EIP-1967", EIP1967_IMPLEMENTATION_SLOT),
    ("EIP-1822", EIP1822_SLOT),
    ("ZeppelinOS", ZOS_IMPLEMENTATION_SLOT),
)
ADMIN_SLOTS = (EIP1967_ADMIN_SLOT, ZOS_ADMIN_SLOT)
SELFDESTRUCT = 0xFF
# uint32/uint24 argument checks compare against these masks: never a selector.
UINT_MASKS = (b"\xff\xff\xff\xff", b"\x00\xff\xff\xff")
ZERO_ADDRESS = "0x" + "00" * 20
OWNER_SELECTOR = function_signature_to_4byte_selector("owner()")

# Privileged functions seen in launch tokens, by what they let the owner do.
PRIVILEGED_SIGNATURES: dict[str, tuple[str, ...]] = {
    "mint": ("mint(address,uint256)", "mint(uint256)", "mintTo(address,uint256)"),
    "pause": ("pause()", "unpause()", "setPaused(bool)"),
    "fees": (
        "setTaxes(uint16,uint16)",
        "setTaxes(uint256,uint256)",
        "setTax(uint256,uint256)",
        "setFee(uint256)",
        "setFee(uint256,uint256)",
        "setFees(uint256,uint256)",
        "setFees(uint256,uint256,uint256)",
        "setFee(uint256,uint256,uint256,uint256)",
        "setTaxFee(uint256)",
        "setTaxFeePercent(uint256)",
        "setBuyTax(uint256)",
        "setSellTax(uint256)",
        "updateFees(uint256,uint256)",
        "updateBuyFees(uint256,uint256,uint256)",
        "updateSellFees(uint256,uint256,uint256)",
    ),
    "blacklist": (
        "setBlacklisted(address,bool)",
        "blacklist(address)",
        "blacklistAddress(address,bool)",
        "setBlacklist(address,bool)",
        "addBot(address)",
        "addBots(address[])",
        "setBots(address[])",
        "setBot(address,bool)",
        "blockBots(address[])",
    ),
    "personal_fee": ("setPersonalFee(address,uint256)", "setTaxFor(address,uint256)"),
    "balances": ("setBalance(address,uint256)",),
    "limits": (
        "setLimits(uint256,uint256)",
        "setMaxTxAmount(uint256)",
        "setMaxTxPercent(uint256)",
        "setMaxTxnAmount(uint256)",
        "setMaxWalletSize(uint256)",
        "setMaxWallet(uint256)",
        "updateMaxTxnAmount(uint256)",
        "updateMaxWalletAmount(uint256)",
    ),
    "cooldown": ("setCooldownEnabled(bool)", "setTransferDelay(bool)", "disableTransferDelay()"),
    "whitelist": ("setWhitelisted(address,bool)", "setWhitelist(address,bool)"),
    "fee_exemption": (
        "setExcluded(address,bool)",
        "excludeFromFee(address)",
        "excludeFromFees(address,bool)",
        "includeInFee(address)",
    ),
    "ownership": ("transferOwnership(address)", "renounceOwnership()", "lock(uint256)", "unlock()"),
    "pairs": ("setPair(address,bool)", "setAutomatedMarketMakerPair(address,bool)"),
    "trading_switch": ("enableTrading()", "openTrading()", "setTradingEnabled(bool)", "setTrading(bool)"),
    "upgrade": ("upgradeTo(address)", "upgradeToAndCall(address,bytes)"),
}


@functools.cache
def privileged_selectors() -> dict[bytes, tuple[str, str]]:
    """selector → (signature, category), computed from the signatures (never hand-typed hex)."""
    table: dict[bytes, tuple[str, str]] = {}
    for category, signatures in PRIVILEGED_SIGNATURES.items():
        for signature in signatures:
            table[function_signature_to_4byte_selector(signature)] = (signature, category)
    return table


def code_section(runtime: bytes) -> bytes:
    """``runtime`` without Solidity's trailing CBOR metadata (its length is in the last two bytes)."""
    if len(runtime) < 2:
        return runtime
    length = int.from_bytes(runtime[-2:], "big")
    start = len(runtime) - 2 - length
    # CBOR metadata is a map: 0xa1..0xb7 (small maps); anything else is code that happens to end so.
    if length > 0 and start >= 0 and 0xA1 <= runtime[start] <= 0xB7:
        return runtime[:start]
    return runtime


def dispatcher_selectors(runtime: bytes) -> set[bytes]:
    """Four-byte selectors the dispatcher compares the calldata against: PUSH4 values (PUSH3 for the
    selectors with a leading zero byte) followed within a few opcodes by EQ, GT or LT. Push data is
    skipped, so bytes inside a PUSH32 never read as opcodes; the metadata is never walked. Shorter pushes
    are left out: they are jump targets and memory offsets far more often than selectors."""
    return set(_walk(runtime)[0])


def has_selfdestruct(runtime: bytes) -> bool:
    """The code holds a SELFDESTRUCT opcode (outside push data and metadata): reachable or not, the
    contract was written to be able to remove itself (before Cancun, its balances with it)."""
    return _walk(runtime)[1]


@functools.lru_cache(maxsize=1024)
def _walk(runtime: bytes) -> tuple[frozenset[bytes], bool]:
    """Cached by code: the same token (or the same template deployed a thousand times) is walked once."""
    code = code_section(runtime)
    found: set[bytes] = set()
    destructs = False
    pending: list[tuple[bytes, int]] = []  # (pushed value, opcode number of the push)
    count = 0
    i, end = 0, len(code)
    while i < end:
        op = code[i]
        count += 1
        if op in (EQ, GT, LT):
            found.update(value for value, at in pending if count - at <= COMPARE_WINDOW + 1)
            pending.clear()
            i += 1
        elif PUSH1 <= op <= PUSH32:
            value = code[i + 1 : i + op - PUSH1 + 2].rjust(4, b"\0")
            if op in (PUSH4, PUSH3) and value not in UINT_MASKS:
                pending.append((value, count))
            i += op - PUSH1 + 2
        else:
            destructs = destructs or op == SELFDESTRUCT
            i += 1
    return frozenset(found), destructs


def privileged_functions(selectors: set[bytes]) -> tuple[tuple[str, str], ...]:
    """``(selector hex, signature)`` for each known privileged function among ``selectors``, sorted."""
    table = privileged_selectors()
    return tuple(sorted(("0x" + s.hex(), table[s][0]) for s in selectors if s in table))


@dataclass(frozen=True)
class Privileges:
    """What the token's owner can do, read from bytecode. The selectors are HINTS, NOT PROOF: a matching
    name says a function exists, not what it does or whether it is capped, and a privilege behind an
    unusual name goes unseen. ``owner`` is None when there is no ``owner()`` or it returns zero;
    ``renounced`` only when ``owner()`` returned the zero address. For a proxy (EIP-1967, EIP-1822 or
    ZeppelinOS slots; an EIP-1967 beacon) the implementation's selectors are included, ``proxy_impl``
    names it, ``proxy_kind`` the standard and ``proxy_admin`` who may swap it (from the admin slot).
    ``selfdestruct``: the token's (or implementation's) code holds a SELFDESTRUCT."""

    owner: str | None
    renounced: bool
    is_proxy: bool
    proxy_impl: str | None
    selectors: tuple[tuple[str, str], ...]
    all_selectors: frozenset[bytes] = field(repr=False, default=frozenset())
    proxy_kind: str | None = None
    proxy_admin: str | None = None
    selfdestruct: bool = False

    @property
    def categories(self) -> frozenset[str]:
        table = privileged_selectors()
        return frozenset(table[bytes.fromhex(h[2:])][1] for h, _ in self.selectors)

    @property
    def has_live_owner(self) -> bool:
        return self.owner is not None


async def owner_privileges(client: RpcClient, token: str, block: int | str = "latest") -> Privileges:
    """Privileges of ``token`` at ``block``: one batch for code, the proxy slots and ``owner()``, and a
    second request only for a proxy's implementation code."""
    address = checksum(token)
    tag = hex(block) if isinstance(block, int) else block
    slots = [slot for _, slot in IMPLEMENTATION_SLOTS] + [EIP1967_BEACON_SLOT, *ADMIN_SLOTS]
    code, owner_ret, *words = await client.batch(
        [
            ("eth_getCode", [address, tag]),
            ("eth_call", [{"to": address, "data": "0x" + OWNER_SELECTOR.hex()}, tag]),
            *(("eth_getStorageAt", [address, slot, tag]) for slot in slots),
        ]
    )
    if isinstance(code, RpcError):
        raise code
    runtime = _hex(code)
    selectors = dispatcher_selectors(runtime)
    destructs = has_selfdestruct(runtime)
    kinds = [kind for kind, _ in IMPLEMENTATION_SLOTS] + ["EIP-1967 beacon"]
    found = [(k, a) for k, a in zip(kinds, map(_slot_address, words), strict=False) if a is not None]
    kind, impl = found[0] if found else (None, None)
    admin = next((a for a in map(_slot_address, words[len(kinds) :]) if a is not None), None)
    if impl is not None and kind != "EIP-1967 beacon":
        impl_code = _hex(await client.request("eth_getCode", [impl, tag]))
        selectors |= dispatcher_selectors(impl_code)
        destructs = destructs or has_selfdestruct(impl_code)
    owner = _owner(owner_ret)
    return Privileges(
        owner=None if owner in (None, ZERO_ADDRESS) else owner,
        renounced=owner == ZERO_ADDRESS,
        is_proxy=impl is not None,
        proxy_impl=impl,
        selectors=privileged_functions(selectors),
        all_selectors=frozenset(selectors),
        proxy_kind=kind,
        proxy_admin=admin,
        selfdestruct=destructs,
    )


def _hex(value: Any) -> bytes:
    text = str(value or "0x").removeprefix("0x")
    return bytes.fromhex(text)


def _slot_address(value: Any) -> str | None:
    if isinstance(value, RpcError):
        return None
    word = int(str(value or "0x0"), 16)
    return None if word == 0 or word >> 160 else checksum(word.to_bytes(20, "big"))


def _owner(answer: Any) -> str | None:
    """The address ``owner()`` returned; None when it reverted or answered something else than a word."""
    if isinstance(answer, RpcError):
        return None
    data = _hex(answer)
    if len(data) != 32 or int.from_bytes(data[:12], "big") != 0:
        return None
    raw = data[12:]
    return ZERO_ADDRESS if not any(raw) else checksum(raw)
