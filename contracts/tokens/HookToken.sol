// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Reports each transfer to an outside contract the owner chose (`setHook`): whatever that
/// contract does runs inside every buy, sell and transfer, and the owner can swap it for one that reverts.
/// Deploys its own harmless hook (a counter) so it is live from launch.
contract HookToken is DevTokenBase {
    TransferCounter public hook;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {
        hook = new TransferCounter();
    }

    function setHook(address newHook) external onlyOwner {
        hook = TransferCounter(newHook);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!_isExempt(from, to)) hook.count(from, to, value);
    }
}

/// @notice The hook HookToken starts with: counts the transfers it is told about.
contract TransferCounter {
    uint256 public transfers;

    function count(address, address, uint256) external {
        transfers += 1;
    }
}
