// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IL1BlockFees {
    function basefee() external view returns (uint256);
    function blobBaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
    function operatorFeeScalar() external view returns (uint32);
    function operatorFeeConstant() external view returns (uint64);
}

/// @notice The devnet's GasPriceOracle (put at 0x420000000000000000000000000000000000000F with anvil_setCode):
/// the OP-stack predeploy's read interface, priced by the published Fjord rule. An L1 data fee is
/// estimatedSize * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) / 1e12, where
/// estimatedSize = max(100e6, -42_585_600 + 836_500 * fastLzSize) (sizes scaled by 1e6). getL1Fee takes
/// the unsigned transaction and adds 68 bytes for the signature, as the predeploy does; the chain itself
/// charges on the signed transaction's FastLZ size. Parameters come from the L1Block predeploy. Since Isthmus
/// a transaction also pays an operator fee, gasUsed * operatorFeeScalar / 1e6 + operatorFeeConstant
/// (getOperatorFee), which the chain (anvil --optimism included) charges from the same L1Block slot.
contract DevGasPriceOracle {
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    uint256 public constant DECIMALS = 6;
    int256 internal constant COST_INTERCEPT = -42_585_600;
    uint256 internal constant COST_FASTLZ_COEF = 836_500;
    uint256 internal constant MIN_TRANSACTION_SIZE = 100;
    uint256 internal constant SIGNATURE_BYTES = 68;
    uint256 internal constant HASH_SLOTS = 8192;

    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    function isEcotone() external pure returns (bool) {
        return true;
    }

    function isFjord() external pure returns (bool) {
        return true;
    }

    function isIsthmus() external pure returns (bool) {
        return true;
    }

    /// @notice The operator fee of a transaction that used `gasUsed` gas (Isthmus rule).
    function getOperatorFee(uint256 gasUsed) external view returns (uint256) {
        IL1BlockFees l1 = IL1BlockFees(L1_BLOCK);
        return (gasUsed * l1.operatorFeeScalar()) / 10 ** DECIMALS + l1.operatorFeeConstant();
    }

    function l1BaseFee() public view returns (uint256) {
        return IL1BlockFees(L1_BLOCK).basefee();
    }

    function blobBaseFee() public view returns (uint256) {
        return IL1BlockFees(L1_BLOCK).blobBaseFee();
    }

    function baseFeeScalar() public view returns (uint32) {
        return IL1BlockFees(L1_BLOCK).baseFeeScalar();
    }

    function blobBaseFeeScalar() public view returns (uint32) {
        return IL1BlockFees(L1_BLOCK).blobBaseFeeScalar();
    }

    /// @notice The L1 data fee of an unsigned, RLP-encoded transaction (68 signature bytes added).
    function getL1Fee(bytes calldata data) external view returns (uint256) {
        return _fjordCost(flzCompressLen(data) + SIGNATURE_BYTES);
    }

    /// @notice The most the L1 data fee of an unsigned transaction of this many bytes can be: FastLZ never
    /// grows its input by more than a byte per 255 plus 16.
    function getL1FeeUpperBound(uint256 unsignedTxSize) external view returns (uint256) {
        uint256 txSize = unsignedTxSize + SIGNATURE_BYTES;
        return _fjordCost(txSize + txSize / 255 + 16);
    }

    function _fjordCost(uint256 fastLzSize) internal view returns (uint256) {
        int256 estimate = COST_INTERCEPT + int256(COST_FASTLZ_COEF * fastLzSize);
        uint256 floor = MIN_TRANSACTION_SIZE * 10 ** DECIMALS;
        uint256 estimated = estimate < int256(floor) ? floor : uint256(estimate);
        uint256 scaled = uint256(baseFeeScalar()) * 16 * l1BaseFee() + uint256(blobBaseFeeScalar()) * blobBaseFee();
        return (estimated * scaled) / 10 ** (DECIMALS * 2);
    }

    /// @notice The length of FastLZ level-1 output for `data`, counted without writing it: three-byte hashes
    /// into 8192 slots, matches at most 8191 bytes back, literal runs of at most 32, the last 13 bytes literal.
    function flzCompressLen(bytes calldata data) public pure returns (uint256 size) {
        uint256 n = data.length;
        uint256[] memory table = new uint256[](HASH_SLOTS);
        uint256 limit = n >= 13 ? n - 13 : 0;
        uint256 anchor = 0;
        uint256 ip = 2;
        while (ip < limit) {
            uint256 ref;
            while (true) {
                uint256 seq = _u24(data, ip);
                uint256 h = _hash(seq);
                ref = table[h];
                table[h] = ip;
                uint256 distance = ip - ref;
                if (ip >= limit) break;
                ip++;
                if (distance <= 8191 && seq == _u24(data, ref)) break;
            }
            if (ip >= limit) break;
            ip--;
            if (ip > anchor) size += _literalsSize(ip - anchor);
            uint256 length = 0;
            uint256 end = limit + 9 - (ip + 3);
            while (length < end) {
                bool same = data[ref + 3 + length] == data[ip + 3 + length];
                length++;
                if (!same) break;
            }
            size += _matchSize(length);
            ip += length;
            table[_hash(_u24(data, ip))] = ip;
            ip++;
            table[_hash(_u24(data, ip))] = ip;
            ip++;
            anchor = ip;
        }
        size += _literalsSize(n - anchor);
    }

    function _u24(bytes calldata data, uint256 i) private pure returns (uint256) {
        return uint256(uint8(data[i])) | (uint256(uint8(data[i + 1])) << 8) | (uint256(uint8(data[i + 2])) << 16);
    }

    function _hash(uint256 v) private pure returns (uint256) {
        return ((v * 2654435769) & 0xffffffff) >> 19;
    }

    function _literalsSize(uint256 run) private pure returns (uint256) {
        uint256 rest = run % 32;
        return (run / 32) * 33 + (rest == 0 ? 0 : rest + 1);
    }

    function _matchSize(uint256 length) private pure returns (uint256) {
        uint256 l = length - 1;
        return 3 * (l / 262) + (l % 262 >= 6 ? 3 : 2);
    }
}
