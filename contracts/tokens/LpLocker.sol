// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice A minimal liquidity locker, as launchers use to show their LP tokens cannot be pulled for a
/// while: LP tokens go in with an unlock time and come out to their owner only after it. The only thing
/// a reader needs from outside is `unlockTime(lp)`: when the first still-locked LP of that token may leave.
contract LpLocker {
    struct Lock {
        address lp;
        address owner;
        uint256 amount;
        uint256 unlockTime;
    }

    Lock[] public locks;

    event Locked(uint256 indexed id, address indexed lp, address indexed owner, uint256 amount, uint256 unlockTime);
    event Withdrawn(uint256 indexed id, address indexed owner, uint256 amount);

    function lock(address lp, uint256 amount, uint256 unlockTime_) external returns (uint256 id) {
        require(unlockTime_ > block.timestamp, "unlock time must be in the future");
        require(amount > 0, "nothing to lock");
        require(IERC20(lp).transferFrom(msg.sender, address(this), amount), "LP transfer failed");
        id = locks.length;
        locks.push(Lock(lp, msg.sender, amount, unlockTime_));
        emit Locked(id, lp, msg.sender, amount, unlockTime_);
    }

    function withdraw(uint256 id) external {
        Lock storage l = locks[id];
        require(msg.sender == l.owner, "not the lock owner");
        require(block.timestamp >= l.unlockTime, "still locked");
        uint256 amount = l.amount;
        require(amount > 0, "already withdrawn");
        l.amount = 0;
        require(IERC20(l.lp).transfer(l.owner, amount), "LP transfer failed");
        emit Withdrawn(id, l.owner, amount);
    }

    /// @notice The earliest unlock time of the still-locked LP of `lp` (0: none locked).
    function unlockTime(address lp) external view returns (uint256 earliest) {
        for (uint256 i = 0; i < locks.length; i++) {
            Lock storage l = locks[i];
            if (l.lp == lp && l.amount > 0 && (earliest == 0 || l.unlockTime < earliest)) {
                earliest = l.unlockTime;
            }
        }
    }
}
