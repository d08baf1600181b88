// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Every buyer is blacklisted on their first buy and can never send the tokens on: the buy
/// simulates fine, the sell (or any transfer) afterwards reverts.
contract BlacklistToken is DevTokenBase {
    mapping(address => bool) public isBlacklisted;

    event BlacklistedSet(address indexed account, bool value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setBlacklisted(address account, bool value) external onlyOwner {
        isBlacklisted[account] = value;
        emit BlacklistedSet(account, value);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to)) {
            require(!isBlacklisted[from], "BL: blacklisted");
            if (isPair[from] && !isBlacklisted[to]) {
                isBlacklisted[to] = true;
                emit BlacklistedSet(to, true);
            }
        }
        super._update(from, to, value);
    }
}
