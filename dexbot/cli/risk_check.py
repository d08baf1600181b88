"""`dexbot token check`: assess one token on the configured chain (or a running devnet), at the head."""

from __future__ import annotations

from dexbot.cli.quote_service import QuoteTarget, connect, resolve_token
from dexbot.core.config import Config
from dexbot.core.errors import ChainError, DexbotError
from dexbot.engine.api.intel import effective_policy
from dexbot.engine.host.commands import Assessment, RiskAssessor
from dexbot.engine.host.commands import describe_token_fault as describe


async def check_token(
    cfg: Config, target: QuoteTarget, token: str, *, level: int | None = None
) -> Assessment:
    address = resolve_token(token, target.symbols, "ADDRESS")
    client = await connect(target)
    try:
        p = effective_policy(cfg, level)
        size = cfg.paper.starting_balance_wei * int(p.position_pct * 100) // 10_000
        assessor = RiskAssessor(
            client,
            target.addrs,
            cfg.risk,
            block_time_s=target.block_time_s,
            log_blocks=target.log_blocks,
        )
        block = await client.block_number()
        gas_price = int(await client.request("eth_gasPrice", []), 16)
        try:
            return await assessor.assess(
                address, policy=p, size_wei=size, block=block, gas_price_wei=gas_price
            )
        except DexbotError:
            raise
        except Exception as err:  # whatever the token made the assessment raise: one line, not a traceback
            raise ChainError(f"assessing {address} at block {block} failed: {describe(err)}") from err
    finally:
        await client.close()
