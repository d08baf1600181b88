// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice The owner can freeze all trading at any moment; excluded accounts still move tokens.
contract PausableToken is DevTokenBase, Pausable {
    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!paused() || _isExempt(from, to), "PAUSE: paused");
        super._update(from, to, value);
    }
}
