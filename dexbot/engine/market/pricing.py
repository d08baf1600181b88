"""Prices and WETH-side liquidity from raw pool states, in exact integers: WETH wei per whole token."""

from __future__ import annotations

from dexbot.chain.dex.states import PoolState, V2State

Q96 = 2**96
Q192 = 2**192


def price_and_liquidity(state: PoolState, *, token_is_token0: bool, decimals: int) -> tuple[int, int]:
    """(WETH wei per 10**decimals token units, WETH in the pool). V3's WETH side is the virtual reserve
    at the current price (L·√P or L/√P), which is what a swap near the price sees."""
    unit = 10**decimals
    if isinstance(state, V2State):
        r_token, r_weth = (
            (state.reserve0, state.reserve1) if token_is_token0 else (state.reserve1, state.reserve0)
        )
        if r_token == 0:
            return 0, r_weth
        return r_weth * unit // r_token, r_weth
    sp, liq = state.sqrt_price_x96, state.liquidity
    if sp == 0:
        return 0, 0
    if token_is_token0:  # price token1 (WETH) per token0 = sp² / 2^192
        return sp * sp * unit // Q192, liq * sp // Q96
    return Q192 * unit // (sp * sp), liq * Q96 // sp


def usd_per_weth_e6(state: PoolState, *, usdc_is_token0: bool) -> int:
    """USD (6-decimal stablecoin units) for one WETH, from a WETH/USDC V2 pair."""
    if not isinstance(state, V2State):
        return 0
    r_usdc, r_weth = (state.reserve0, state.reserve1) if usdc_is_token0 else (state.reserve1, state.reserve0)
    return r_usdc * 10**18 // r_weth if r_weth else 0
