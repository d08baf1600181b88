// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice Makes every holder's transfer write `burnSlots` fresh storage slots (about 22k gas each): a buy
/// or a sell costs many times a plain ERC20 transfer, paid by the trader. Starts at 6 slots (~130k gas).
contract GasBurnerToken is DevTokenBase {
    uint256 public burnSlots = 6;
    uint256 private _cursor;
    mapping(uint256 => uint256) private _junk;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setBurnSlots(uint256 slots) external onlyOwner {
        burnSlots = slots;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to)) {
            uint256 c = _cursor;
            for (uint256 i = 0; i < burnSlots; i++) {
                _junk[c + i] = c + i + 1;
            }
            _cursor = c + burnSlots;
        }
        super._update(from, to, value);
    }
}
