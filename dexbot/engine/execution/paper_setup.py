"""The paper executor the engine gets on every chain: one that prices each fill's transaction as the
chain would charge it (gas used, and on an OP-stack chain the L1 data and operator fees), signed by the
account that would trade live where it is known (the devnet's dev account)."""

from __future__ import annotations

from collections.abc import Callable

from dexbot.chain.gas.oracle import GasOracle
from dexbot.core.config import Config
from dexbot.core.errors import ConfigError
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.execution.live.signer import devnet_signer, is_devnet
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource


def priced_paper(
    cfg: Config, quotes: QuoteSource, gas: GasOracle, policy: Callable[[], IntelPolicy]
) -> PaperExecutor:
    account = None
    if is_devnet(cfg):
        try:
            account = devnet_signer(cfg)
        except ConfigError:
            account = None  # the market's traders use every account: the pricing key signs instead
    return PaperExecutor(quotes, SwapPricer(quotes.client, quotes.addrs, gas, policy, account))
