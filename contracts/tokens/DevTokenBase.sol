// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice Shared base of the devnet test tokens. Every token has the same constructor so the deployer
/// can treat them alike. The owner marks AMM pairs/pools with `setPair`: a transfer FROM a pair is a buy,
/// a transfer TO a pair is a sell (true for Uniswap V2 pairs and V3 pools alike). Excluded accounts (the
/// owner by default) skip every hazard, so the owner can add liquidity and remove it again.
abstract contract DevTokenBase is ERC20, Ownable {
    uint8 private immutable _decimals;

    mapping(address => bool) public isPair;
    mapping(address => bool) public isExcluded;

    event PairSet(address indexed pair, bool value);
    event ExcludedSet(address indexed account, bool value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        ERC20(name_, symbol_)
        Ownable(msg.sender)
    {
        _decimals = decimals_;
        isExcluded[msg.sender] = true;
        emit ExcludedSet(msg.sender, true);
        _mint(msg.sender, supply_);
    }

    function decimals() public view virtual override returns (uint8) {
        return _decimals;
    }

    function setPair(address pair, bool value) external onlyOwner {
        isPair[pair] = value;
        emit PairSet(pair, value);
    }

    function setExcluded(address account, bool value) external onlyOwner {
        isExcluded[account] = value;
        emit ExcludedSet(account, value);
    }

    /// @dev Mints, burns and transfers touching an excluded account never meet a hazard.
    function _isExempt(address from, address to) internal view returns (bool) {
        return from == address(0) || to == address(0) || isExcluded[from] || isExcluded[to];
    }
}
