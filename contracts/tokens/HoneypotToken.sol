// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Anyone can buy; only whitelisted accounts can sell. The classic honeypot.
contract HoneypotToken is DevTokenBase {
    mapping(address => bool) public isWhitelisted;

    event WhitelistedSet(address indexed account, bool value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {
        isWhitelisted[msg.sender] = true;
        emit WhitelistedSet(msg.sender, true);
    }

    function setWhitelisted(address account, bool value) external onlyOwner {
        isWhitelisted[account] = value;
        emit WhitelistedSet(account, value);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to) && isPair[to]) {
            require(isWhitelisted[from], "HP: trading not enabled");
        }
        super._update(from, to, value);
    }
}
