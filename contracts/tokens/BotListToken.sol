// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice The launch templates' bot list: `blockBots(address[])` puts any addresses in the `bots` mapping,
/// and a listed address can neither send nor receive. Empty at launch: nothing shows until the owner uses it.
contract BotListToken is DevTokenBase {
    mapping(address => bool) public bots;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function blockBots(address[] calldata accounts) external onlyOwner {
        for (uint256 i = 0; i < accounts.length; i++) {
            bots[accounts[i]] = true;
        }
    }

    function unblockBot(address account) external onlyOwner {
        bots[account] = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!bots[from] && !bots[to], "TOKEN: Your account is blacklisted!");
        super._update(from, to, value);
    }
}
