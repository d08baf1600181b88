// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice The meme-template fee setter: `setFee(buyLiquidity, buyMarketing, sellLiquidity, sellMarketing)`
/// in whole percent with no cap, so the owner's `setFee(0,0,20,100)` makes a sell's fee (120 %) larger than
/// the amount and every sell reverts. `setPersonalFee` puts a fee on one address alone (0: none), applied to
/// everything it sends or receives.
contract FeeSetterToken is DevTokenBase {
    uint256 public buyLiquidityFee;
    uint256 public buyMarketingFee;
    uint256 public sellLiquidityFee;
    uint256 public sellMarketingFee;
    mapping(address => uint256) public personalFee;

    event FeesSet(uint256 buyLiquidity, uint256 buyMarketing, uint256 sellLiquidity, uint256 sellMarketing);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setFee(uint256 buyLiquidity, uint256 buyMarketing, uint256 sellLiquidity, uint256 sellMarketing)
        external
        onlyOwner
    {
        (buyLiquidityFee, buyMarketingFee) = (buyLiquidity, buyMarketing);
        (sellLiquidityFee, sellMarketingFee) = (sellLiquidity, sellMarketing);
        emit FeesSet(buyLiquidity, buyMarketing, sellLiquidity, sellMarketing);
    }

    function setPersonalFee(address account, uint256 percent) external onlyOwner {
        personalFee[account] = percent;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 percent;
        if (!_isExempt(from, to)) {
            if (isPair[from]) percent = buyLiquidityFee + buyMarketingFee;
            else if (isPair[to]) percent = sellLiquidityFee + sellMarketingFee;
            percent += personalFee[from] + personalFee[to];
        }
        uint256 fee = (value * percent) / 100;
        if (fee > 0) super._update(from, owner(), fee);
        super._update(from, to, value - fee);
    }
}
