// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice The anti-bot rule of many 2023 launch templates ("transferDelayEnabled"): while it is on, each
/// transaction origin may move tokens to a wallet only once per block — a buy and a transfer, or two
/// transfers, in the same block revert; sells to a pair are free. Real holders act in separate blocks and
/// never notice; a simulation that buys, transfers and sells inside one transaction meets it at once.
contract TransferDelayToken is DevTokenBase {
    bool public transferDelayEnabled = true;
    mapping(address => uint256) private _lastTransferBlock;

    event TransferDelaySet(bool enabled);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function setTransferDelay(bool enabled) external onlyOwner {
        transferDelayEnabled = enabled;
        emit TransferDelaySet(enabled);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (transferDelayEnabled && !_isExempt(from, to) && !isPair[to] && !isExcluded[tx.origin]) {
            require(_lastTransferBlock[tx.origin] < block.number, "TD: one transfer per block allowed");
            _lastTransferBlock[tx.origin] = block.number;
        }
        super._update(from, to, value);
    }
}
