// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Anti-whale limits: a cap per transfer and a cap per wallet balance (pairs are exempt from the
/// wallet cap). A zero limit is off; both start off.
contract LimitsToken is DevTokenBase {
    uint256 public maxTxAmount;
    uint256 public maxWalletAmount;

    event LimitsSet(uint256 maxTx, uint256 maxWallet);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setLimits(uint256 maxTx, uint256 maxWallet) external onlyOwner {
        maxTxAmount = maxTx;
        maxWalletAmount = maxWallet;
        emit LimitsSet(maxTx, maxWallet);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to)) {
            require(maxTxAmount == 0 || value <= maxTxAmount, "LIM: max tx");
            if (maxWalletAmount != 0 && !isPair[to]) {
                require(balanceOf(to) + value <= maxWalletAmount, "LIM: max wallet");
            }
        }
        super._update(from, to, value);
    }
}
