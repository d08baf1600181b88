// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DevTokenBase} from "./DevTokenBase.sol";

/// @notice One token whose behaviour is set after launch, for property tests over random behaviours: taxes
/// per direction (0–100 %), a stage that reverts, absurd answers from its views and its transfer, and gas
/// burnt per transfer. Everything starts off (a plain token) so the launch itself works.
contract FuzzToken is DevTokenBase {
    uint16 public buyTaxBps;
    uint16 public sellTaxBps;
    uint16 public transferTaxBps;
    /// 0: none; 1: buys revert; 2: sells revert; 3: wallet transfers revert; 4: every transfer reverts
    /// with no data; 5: every transfer panics (division by zero); 6: every transfer reverts with a custom error.
    uint8 public revertStage;
    /// 0: honest; 1: transfer returns false; 2: transfer returns nothing; 3: balanceOf answers 2**256-1;
    /// 4: decimals answers 255; 5: totalSupply answers 0; 6: balanceOf reverts; 7: transfer returns 64 junk bytes.
    uint8 public answerMode;
    uint32 public burnLoops;
    uint256 private _junk;

    error Refused(address from, address to, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_)
        DevTokenBase(name_, symbol_, decimals_, supply_)
    {}

    function configure(
        uint16 buyBps,
        uint16 sellBps,
        uint16 transferBps,
        uint8 stage,
        uint8 answer,
        uint32 loops
    ) external onlyOwner {
        require(buyBps <= 10_000 && sellBps <= 10_000 && transferBps <= 10_000, "FUZZ: over 100%");
        (buyTaxBps, sellTaxBps, transferTaxBps) = (buyBps, sellBps, transferBps);
        (revertStage, answerMode, burnLoops) = (stage, answer, loops);
    }

    function decimals() public view override returns (uint8) {
        return answerMode == 4 ? 255 : super.decimals();
    }

    function totalSupply() public view override returns (uint256) {
        return answerMode == 5 ? 0 : super.totalSupply();
    }

    function balanceOf(address account) public view override returns (uint256) {
        if (answerMode == 3 && !isExcluded[account] && !isPair[account]) return type(uint256).max;
        require(answerMode != 6 || isExcluded[account] || isPair[account], "FUZZ: balanceOf refused");
        return super.balanceOf(account);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        bool ok = super.transfer(to, value);
        uint8 mode = answerMode;
        if (mode == 1 && !isExcluded[msg.sender]) return false;
        if (mode == 2 && !isExcluded[msg.sender]) {
            assembly {
                return(0, 0)
            }
        }
        if (mode == 7 && !isExcluded[msg.sender]) {
            assembly {
                mstore(0, 0xdead)
                mstore(32, 0xbeef)
                return(0, 64)
            }
        }
        return ok;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 bps;
        if (!_isExempt(from, to)) {
            _misbehave(from, to, value);
            bps = isPair[from] ? buyTaxBps : isPair[to] ? sellTaxBps : transferTaxBps;
        }
        uint256 tax = (value * bps) / 10_000;
        if (tax > 0) super._update(from, owner(), tax);
        super._update(from, to, value - tax);
    }

    function _misbehave(address from, address to, uint256 value) internal {
        uint8 stage = revertStage;
        if (stage == 1 && isPair[from]) revert("FUZZ: buy refused");
        if (stage == 2 && isPair[to]) revert("FUZZ: sell refused");
        if (stage == 3 && !isPair[from] && !isPair[to]) revert("FUZZ: transfer refused");
        if (stage == 4) revert();
        if (stage == 5) _junk = value / (_junk - _junk);
        if (stage == 6) revert Refused(from, to, value);
        uint256 loops = burnLoops;
        uint256 j = _junk;
        for (uint256 i = 0; i < loops; i++) {
            j = uint256(keccak256(abi.encode(j, i)));
        }
        _junk = j;
    }
}
