"""``dexbot quote`` without the terminal: find the chain from the configuration (a running devnet's
devnet.json, or a known chain's RPC URLs), turn symbols and a human amount into addresses and raw units,
and price every route at one block.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from eth_utils import is_address, is_checksum_address, to_checksum_address

from dexbot.chain.chains import chain_info
from dexbot.chain.devnet import load_deployment
from dexbot.chain.dex.errors import NoRoute
from dexbot.chain.dex.route import find_quotes
from dexbot.chain.dex.types import DexAddresses, Quote
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import token_meta
from dexbot.core.config import Config
from dexbot.core.errors import ChainError, DevnetError, InputError, RpcUnavailable
from dexbot.core.units import parse_amount, to_units

NO_DEVNET = "no devnet running: start one with `dexbot devnet up`"


@dataclass(frozen=True)
class QuoteTarget:
    """Where to ask: endpoints, the chain's DEX contracts and the token symbols it knows."""

    urls: tuple[str, ...]
    chain_id: int
    addrs: DexAddresses
    symbols: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0
    devnet: bool = False
    block_time_s: float = 2.0  # the chain's, for ages in blocks → minutes
    log_blocks: int | None = None  # the newest blocks whose logs the node keeps (a devnet's); None: all


@dataclass(frozen=True)
class Side:
    address: str
    symbol: str
    decimals: int
    native: bool = False


@dataclass(frozen=True)
class QuoteReport:
    """The best quote first in ``quotes``; the rest are the alternatives that exist."""

    token_in: Side
    token_out: Side
    quotes: tuple[Quote, ...]
    chain_id: int
    weth: str

    @property
    def best(self) -> Quote:
        return self.quotes[0]

    def symbol(self, address: str) -> str:
        """A route token's label: the sides' symbols, WETH for the hop token, else the address."""
        for side in (self.token_in, self.token_out):
            if address == side.address:
                return side.symbol
        return "WETH" if address == self.weth else address


def quote_target(cfg: Config, rpc_url: str | None = None) -> QuoteTarget:
    """The configured chain; ``rpc_url`` replaces its endpoints (the devnet's contracts still come from
    its devnet.json)."""
    if cfg.chain.network == "devnet":
        try:
            dep = load_deployment(cfg.data_path)
        except DevnetError:
            raise ChainError(f"{NO_DEVNET} (no devnet.json in {cfg.data_path})") from None
        symbols = {"ETH": dep.weth, "WETH": dep.weth, "USDC": dep.usdc}
        symbols |= {t.symbol.upper(): t.address for t in dep.tokens}
        urls: tuple[str, ...] = (rpc_url or dep.rpc_url,)
        return QuoteTarget(
            urls,
            dep.chain_id,
            DexAddresses.from_deployment(dep),
            symbols,
            devnet=True,
            block_time_s=cfg.chain.block_time_s,
            log_blocks=cfg.devnet.log_blocks,
        )
    info = chain_info(cfg.chain)
    symbols = {k: v for k, v in (("ETH", info.weth), ("WETH", info.weth), ("USDC", info.usdc)) if v}
    urls = (rpc_url,) if rpc_url else tuple(cfg.chain.rpc_urls)
    return QuoteTarget(
        urls,
        info.chain_id,
        DexAddresses.from_chain(info),
        symbols,
        cfg.chain.request_timeout_s,
        block_time_s=info.block_time_s,
    )


def resolve_token(value: str, symbols: dict[str, str], what: str) -> str:
    """An address (checksum verified when mixed-case) or a known symbol, as a checksummed address."""
    text = value.strip()
    if text.lower().startswith("0x"):
        if not is_address(text):
            raise InputError(f"{what}: {value!r} is not a 20-byte hex address")
        mixed = text[2:] not in (text[2:].lower(), text[2:].upper())
        if mixed and not is_checksum_address(text):
            raise InputError(f"{what}: {value!r} has an invalid EIP-55 checksum (copy the address again)")
        return str(to_checksum_address(text))
    address = symbols.get(text.upper())
    if address is None:
        known = ", ".join(symbols) or "none on this chain"
        raise InputError(f"{what}: {value!r} is not an address or a known symbol (known: {known})")
    return str(to_checksum_address(address))


async def connect(target: QuoteTarget) -> RpcClient:
    """An RpcClient on the target; a devnet that does not answer is "no devnet running", not an RPC fault."""
    try:
        return await RpcClient.connect(target.urls, chain_id=target.chain_id, timeout_s=target.timeout_s)
    except RpcUnavailable:
        if target.devnet:
            raise ChainError(f"{NO_DEVNET} (nothing answers at {target.urls[0]})") from None
        raise


async def quote_tokens(target: QuoteTarget, token_in: str, token_out: str, amount: str) -> QuoteReport:
    """Every route for ``amount`` (human units of ``token_in``), best first, all read at one block."""
    address_in = resolve_token(token_in, target.symbols, "TOKEN_IN")
    address_out = resolve_token(token_out, target.symbols, "TOKEN_OUT")
    if address_in == address_out:
        raise InputError(f"TOKEN_IN and TOKEN_OUT are the same token ({address_in})")
    parse_amount(amount, field="AMOUNT")  # not a number: a usage error before any connection
    client = await connect(target)
    try:
        block = await client.block_number()
        meta_in, meta_out = await asyncio.gather(
            token_meta(client, address_in, block, multicall=target.addrs.multicall3),
            token_meta(client, address_out, block, multicall=target.addrs.multicall3),
        )
        amount_in = to_units(amount, meta_in.decimals, field="AMOUNT", unit=meta_in.symbol)
        if amount_in == 0:
            raise InputError(f"AMOUNT: {amount!r} must be more than zero")
        quotes = await find_quotes(client, target.addrs, address_in, address_out, amount_in, block=block)
    finally:
        await client.close()
    side_in = _side(token_in, meta_in.address, meta_in.symbol, meta_in.decimals)
    side_out = _side(token_out, meta_out.address, meta_out.symbol, meta_out.decimals)
    if not quotes:
        raise NoRoute(
            f"no Uniswap V2/V3 route from {side_in.symbol} to {side_out.symbol} (direct or via WETH) "
            f"can fill {amount} {side_in.symbol} at block {block}"
        )
    return QuoteReport(side_in, side_out, tuple(quotes), target.chain_id, target.addrs.weth)


def _side(typed: str, address: str, symbol: str, decimals: int) -> Side:
    native = typed.strip().upper() == "ETH"
    return Side(address, "ETH" if native else symbol, decimals, native)
