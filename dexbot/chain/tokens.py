"""ERC20 facts read in one batch: metadata, supply, holder balances (holders discovered from Transfer
logs, balances read exactly at one block)."""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.abi import ZERO_ADDRESS, address_word, checksum, hex_to_bytes, selector, topic, word_uint
from dexbot.chain.multicall import MULTICALL3, aggregate3, encode_call3
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.errors import ChainError

DEAD = "0x000000000000000000000000000000000000dEaD"
SYMBOL = selector("symbol()")
DECIMALS = selector("decimals()")
TOTAL_SUPPLY = selector("totalSupply()")
BALANCE_OF = selector("balanceOf(address)")
TRANSFER_TOPIC = topic("Transfer(address,address,uint256)")


class TokenUnreadable(ChainError):
    """The token's own answers are no ERC20's (decimals()/totalSupply() revert, absurd decimals): its
    code, not the node, so asking again cannot help."""


@dataclass(frozen=True)
class TokenMeta:
    address: str
    symbol: str
    decimals: int
    total_supply: int


@dataclass(frozen=True)
class HolderStats:
    """Shares are in bps of total supply; ``excluded`` holders (pools, burn addresses) are not counted
    as concentration. ``complete`` is False when the log window may not reach the token's creation."""

    holders: int
    top10_bps: int
    largest: tuple[tuple[str, int], ...]  # (address, balance), largest first
    complete: bool


def _decode_string(data: bytes) -> str:
    if len(data) >= 64:
        length = word_uint(data, 32)
        return data[64 : 64 + length].decode("utf-8", errors="replace").strip("\x00")[:32]
    if len(data) == 32:  # bytes32 symbols (old tokens)
        return data.rstrip(b"\x00").decode("utf-8", errors="replace")[:32]
    return ""


async def token_meta(client: RpcClient, token: str, block: int, *, multicall: str = MULTICALL3) -> TokenMeta:
    address = checksum(token)
    calls = [encode_call3(address, s) for s in (SYMBOL, DECIMALS, TOTAL_SUPPLY)]
    (sym_ok, sym), (dec_ok, dec), (sup_ok, sup) = await aggregate3(client, calls, block, address=multicall)
    if not (dec_ok and sup_ok) or len(dec) < 32 or len(sup) < 32:
        raise TokenUnreadable(f"token {address}: decimals()/totalSupply() failed: not an ERC20 token?")
    decimals = word_uint(dec, 0)
    if decimals > 77:
        raise TokenUnreadable(f"token {address}: decimals() = {decimals} is not a sane ERC20 value")
    symbol = _decode_string(sym) if sym_ok else ""
    return TokenMeta(address, symbol or address[:8], decimals, word_uint(sup, 0))


async def balances(
    client: RpcClient, token: str, owners: list[str], block: int, *, multicall: str = MULTICALL3
) -> dict[str, int]:
    calls = [encode_call3(token, BALANCE_OF + address_word(o)) for o in owners]
    results = await aggregate3(client, calls, block, address=multicall)
    return {
        o: word_uint(d, 0) if ok and len(d) >= 32 else 0 for o, (ok, d) in zip(owners, results, strict=True)
    }


async def transfer_parties(client: RpcClient, token: str, from_block: int, to_block: int) -> set[str]:
    """Every address that sent or received ``token`` in the range (one eth_getLogs)."""
    try:
        logs = await client.request(
            "eth_getLogs",
            [
                {
                    "address": token,
                    "topics": [TRANSFER_TOPIC],
                    "fromBlock": hex(from_block),
                    "toBlock": hex(to_block),
                }
            ],
        )
    except RpcError as err:
        raise ChainError(f"Transfer logs of {token} unavailable: {err.message}") from None
    parties: set[str] = set()
    for log in logs or ():
        topics = log.get("topics") or []
        for t in topics[1:3]:
            parties.add(checksum(hex_to_bytes(t)[-20:]))
    return parties


async def holder_stats(
    client: RpcClient,
    token: str,
    total_supply: int,
    *,
    from_block: int,
    block: int,
    exclude: set[str],
    multicall: str = MULTICALL3,
) -> HolderStats:
    parties = await transfer_parties(client, token, from_block, block)
    skip = {a.lower() for a in (*exclude, ZERO_ADDRESS, DEAD)}
    owners = sorted(p for p in parties if p.lower() not in skip)
    bal = await balances(client, token, owners, block, multicall=multicall) if owners else {}
    ranked = sorted(((a, b) for a, b in bal.items() if b > 0), key=lambda ab: -ab[1])
    top10 = sum(b for _, b in ranked[:10])
    bps = top10 * 10_000 // total_supply if total_supply else 0
    return HolderStats(len(ranked), bps, tuple(ranked[:10]), complete=from_block == 0)


async def token_balance(client: RpcClient, token: str, owner: str, block: int | str) -> int:
    tag = hex(block) if isinstance(block, int) else block
    data = "0x" + (BALANCE_OF + address_word(owner)).hex()
    out = str(await client.request("eth_call", [{"to": token, "data": data}, tag]))
    if len(out) < 66:
        raise ChainError(f"token {token} answered balanceOf with {out!r}: is it an ERC20?")
    return int(out[:66], 16)


async def eth_balance(client: RpcClient, owner: str, block: int | str = "latest") -> int:
    tag = hex(block) if isinstance(block, int) else block
    return int(await client.request("eth_getBalance", [owner, tag]), 16)
