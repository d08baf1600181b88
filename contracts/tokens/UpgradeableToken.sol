// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice An EIP-1967 proxy whose admin can swap the implementation (`upgradeTo`) at any time: whatever the
/// token does today, the admin can make it do anything tomorrow. Same constructor as the other devnet tokens:
/// it deploys its first implementation (a plain ERC20, UpgradeableTokenLogic) and initialises it for the
/// deployer, who is both the admin and the token's owner.
contract UpgradeableToken {
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    bytes32 internal constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;

    event Upgraded(address indexed implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_) {
        address logic = address(new UpgradeableTokenLogic());
        _setImplementation(logic);
        assembly {
            sstore(ADMIN_SLOT, caller())
        }
        emit AdminChanged(address(0), msg.sender);
        (bool ok,) = logic.delegatecall(
            abi.encodeCall(UpgradeableTokenLogic.initialize, (name_, symbol_, decimals_, supply_, msg.sender))
        );
        require(ok, "PROXY: initialize failed");
    }

    function upgradeTo(address implementation) external {
        require(msg.sender == _admin(), "PROXY: not admin");
        require(implementation.code.length > 0, "PROXY: not a contract");
        _setImplementation(implementation);
    }

    fallback() external payable {
        assembly {
            let impl := sload(IMPLEMENTATION_SLOT)
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    receive() external payable {}

    function _admin() internal view returns (address a) {
        assembly {
            a := sload(ADMIN_SLOT)
        }
    }

    function _setImplementation(address implementation) internal {
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
    }
}

/// @notice The proxy's first implementation: a plain ERC20 with the devnet tokens' owner functions
/// (`setPair`, `setExcluded`), initialised through the proxy instead of a constructor.
contract UpgradeableTokenLogic {
    string public name;
    string public symbol;
    uint8 public decimals;
    uint256 public totalSupply;
    address public owner;
    bool private _initialized;
    mapping(address => uint256) public balanceOf;
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

    function initialize(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_, address to)
        external
    {
        require(!_initialized, "already initialized");
        _initialized = true;
        (name, symbol, decimals, totalSupply, owner) = (name_, symbol_, decimals_, supply_, to);
        balanceOf[to] = supply_;
        isExcluded[to] = true;
        emit OwnershipTransferred(address(0), to);
        emit Transfer(address(0), to, supply_);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "ERC20: insufficient allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _move(from, to, value);
        return true;
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

    function _move(address from, address to, uint256 value) internal {
        require(balanceOf[from] >= value, "ERC20: transfer amount exceeds balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
