// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice SafeMoon's two owner powers, reproduced from their behaviour: `setMaxTxPercent` sets the largest
/// transfer as a percentage of supply with no lower bound (0 freezes every transfer but the owner's), and
/// `lock`/`unlock` let the owner give ownership up "for a while" and take it back afterwards: a token that
/// reads as renounced while its creator can reclaim it at any time.
contract MaxTxPercentToken is DevTokenBase {
    uint256 public maxTxAmount;
    address private _previousOwner;
    uint256 private _lockTime;

    event MaxTxSet(uint256 amount);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {
        maxTxAmount = supply_;
    }

    function setMaxTxPercent(uint256 maxTxPercent) external onlyOwner {
        maxTxAmount = (totalSupply() * maxTxPercent) / 100;
        emit MaxTxSet(maxTxAmount);
    }

    /// @dev Renounces for `time` seconds; `unlock` afterwards makes the previous owner the owner again.
    function lock(uint256 time) external onlyOwner {
        _previousOwner = owner();
        _lockTime = block.timestamp + time;
        _transferOwnership(address(0));
    }

    function unlock() external {
        require(_previousOwner == msg.sender, "You don't have permission to unlock");
        require(block.timestamp >= _lockTime, "Contract is locked");
        _transferOwnership(_previousOwner);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!_isExempt(from, to)) {
            require(value <= maxTxAmount, "Transfer amount exceeds the maxTxAmount.");
        }
        super._update(from, to, value);
    }
}
