// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The devnet's stand-in for the OP-stack L1Block predeploy (0x4200000000000000000000000000000000000015).
/// Its state variables are declared in the predeploy's storage order because that layout is the interface:
/// an OP-stack node (anvil --optimism included) charges each transaction's L1 data fee from these slots,
/// whatever code sits there. The devnet writes the slots with anvil_setStorageAt; this code only reads them,
/// so the gas price oracle and the fee the chain charges read the same numbers.
contract DevL1Block {
    uint64 public number;
    uint64 public timestamp;
    uint256 public basefee; // slot 1: the L1 base fee, wei
    bytes32 public hash;
    uint64 public sequenceNumber; // slot 3, packed with the two scalars below
    uint32 public blobBaseFeeScalar;
    uint32 public baseFeeScalar;
    bytes32 public batcherHash;
    uint256 public l1FeeOverhead;
    uint256 public l1FeeScalar;
    uint256 public blobBaseFee; // slot 7: the L1 blob base fee, wei
    uint64 public operatorFeeConstant; // slot 8 (Isthmus), packed with the scalar: wei per transaction
    uint32 public operatorFeeScalar; // millionths of a wei per gas used
}
