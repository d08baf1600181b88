// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A reflection ("RFI") token, reproduced from its behaviour: balances are shares of a reflected
/// supply, and every non-exempt transfer gives `taxFee` % of the amount to all holders at once by shrinking
/// that supply — the recipient gets less than was sent, and every holder's balance grows without a Transfer
/// event (pools included: their balance drifts above their reserve). Same constructor and owner functions
/// as the other devnet tokens (`setPair`, `setExcluded`, Ownable's owner/transfer/renounce).
contract ReflectionToken {
    uint256 private constant MAX = type(uint256).max;
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public immutable totalSupply;
    uint256 public taxFee = 2;
    address public owner;
    uint256 private _rTotal;
    mapping(address => uint256) private _rOwned;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public isPair;
    mapping(address => bool) public isExcluded;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        _;
    }

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_) {
        (name, symbol, decimals, totalSupply, owner) = (name_, symbol_, decimals_, supply_, msg.sender);
        _rTotal = MAX - (MAX % supply_);
        _rOwned[msg.sender] = _rTotal;
        isExcluded[msg.sender] = true;
        emit OwnershipTransferred(address(0), msg.sender);
        emit Transfer(address(0), msg.sender, supply_);
    }

    function balanceOf(address account) public view returns (uint256) {
        return _rOwned[account] / _rate();
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != MAX) {
            require(allowed >= value, "ERC20: insufficient allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function setTaxFee(uint256 percent) external onlyOwner {
        require(percent <= 10, "RFI: fee above 10%");
        taxFee = percent;
    }

    function setPair(address pair, bool value) external onlyOwner {
        isPair[pair] = value;
    }

    function setExcluded(address account, bool value) external onlyOwner {
        isExcluded[account] = value;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function renounceOwnership() external onlyOwner {
        emit OwnershipTransferred(owner, address(0));
        owner = address(0);
    }

    function _rate() private view returns (uint256) {
        return _rTotal / totalSupply;
    }

    function _transfer(address from, address to, uint256 value) private {
        uint256 rate = _rate();
        uint256 rAmount = value * rate;
        require(_rOwned[from] >= rAmount, "ERC20: transfer amount exceeds balance");
        uint256 fee = isExcluded[from] || isExcluded[to] ? 0 : (value * taxFee) / 100;
        uint256 rFee = fee * rate;
        _rOwned[from] -= rAmount;
        _rOwned[to] += rAmount - rFee;
        _rTotal -= rFee;
        emit Transfer(from, to, value - fee);
    }
}
