// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice A max-wallet rule the way SafeMath-era templates order their checks: the sender's balance is
/// debited first (complaining "SafeMath: subtraction overflow" when short), the receiver's cap is checked
/// after. A diagnostic transfer by someone holding nothing only ever meets the balance complaint; the real
/// buy that breaks the cap fails for "Max wallet exceeded". The cap starts at 0.1 % of supply (pairs exempt).
contract LegacyMaxWalletToken is DevTokenBase {
    uint256 public maxWallet;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {
        maxWallet = supply_ / 1000;
    }

    function setMaxWallet(uint256 amount) external onlyOwner {
        maxWallet = amount;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to)) {
            require(balanceOf(from) >= value, "SafeMath: subtraction overflow");
            if (!isPair[to]) require(balanceOf(to) + value <= maxWallet, "Max wallet exceeded");
        }
        super._update(from, to, value);
    }
}
