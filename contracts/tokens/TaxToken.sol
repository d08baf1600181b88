// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Fee-on-transfer token: buys and sells lose `bps / 10000` of the amount to the owner, so the
/// recipient gets less than the pair quoted. Wallet-to-wallet transfers are untaxed. Taxes start at 0.
contract TaxToken is DevTokenBase {
    uint16 public buyTaxBps;
    uint16 public sellTaxBps;

    event TaxesSet(uint16 buyBps, uint16 sellBps);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setTaxes(uint16 buyBps, uint16 sellBps) external onlyOwner {
        require(buyBps <= 10_000 && sellBps <= 10_000, "TAX: over 100%");
        buyTaxBps = buyBps;
        sellTaxBps = sellBps;
        emit TaxesSet(buyBps, sellBps);
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 bps;
        if (!_isExempt(from, to)) {
            if (isPair[from]) bps = buyTaxBps;
            else if (isPair[to]) bps = sellTaxBps;
        }
        uint256 tax = (value * bps) / 10_000;
        if (tax > 0) super._update(from, owner(), tax);
        super._update(from, to, value - tax);
    }
}
