// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

interface ISwapBackRouter {
    function WETH() external view returns (address);

    function swapExactTokensForETHSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external;
}

/// @notice Fee-on-transfer token that keeps its fees: buy and sell taxes go to this contract, and on a
/// sell, once the contract holds at least `swapThreshold` tokens, it first sells everything it holds into
/// the pool through the V2 router (the ETH goes to the owner) and only then moves the seller's tokens.
/// A sell therefore lands in the pool right after the contract's own sale: the pool receives more tokens
/// during the seller's transfer than the seller sent, which is what a balance-difference measurement of
/// the seller's tax must not be fooled by. Swap-back is off (threshold 0) until `setSwapBack`.
contract SwapBackToken is DevTokenBase {
    uint16 public buyTaxBps;
    uint16 public sellTaxBps;
    address public swapRouter;
    uint256 public swapThreshold;
    bool private _swapping;

    event TaxesSet(uint16 buyBps, uint16 sellBps);
    event SwapBackSet(address router, uint256 threshold);
    event SwappedBack(uint256 tokens);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setTaxes(uint16 buyBps, uint16 sellBps) external onlyOwner {
        require(buyBps <= 10_000 && sellBps <= 10_000, "TAX: over 100%");
        buyTaxBps = buyBps;
        sellTaxBps = sellBps;
        emit TaxesSet(buyBps, sellBps);
    }

    function setSwapBack(address router, uint256 threshold) external onlyOwner {
        swapRouter = router;
        swapThreshold = threshold;
        _approve(address(this), router, type(uint256).max);
        emit SwapBackSet(router, threshold);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (_swapping || _isExempt(from, to)) {
            super._update(from, to, value);
            return;
        }
        bool sell = isPair[to] && !isPair[from];
        if (sell) _swapBack();
        uint256 bps = isPair[from] ? buyTaxBps : sell ? sellTaxBps : 0;
        uint256 tax = (value * bps) / 10_000;
        if (tax > 0) super._update(from, address(this), tax);
        super._update(from, to, value - tax);
    }

    /// @dev Sells the contract's whole balance for ETH to the owner. A failed sale leaves the fees where
    /// they are: the seller's transfer must not depend on it.
    function _swapBack() private {
        uint256 held = balanceOf(address(this));
        if (swapThreshold == 0 || held < swapThreshold) return;
        address[] memory path = new address[](2);
        path[0] = address(this);
        path[1] = ISwapBackRouter(swapRouter).WETH();
        _swapping = true;
        try ISwapBackRouter(swapRouter).swapExactTokensForETHSupportingFeeOnTransferTokens(
            held, 0, path, owner(), block.timestamp
        ) {
            emit SwappedBack(held);
        } catch {}
        _swapping = false;
    }
}
