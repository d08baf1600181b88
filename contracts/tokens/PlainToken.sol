// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice A well-behaved ERC20: the control group for every hazard test.
contract PlainToken is DevTokenBase {
    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}
}
