// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Bitmask
/// @notice Set-of-indices helpers for the vault's masks (an account's assets over listing indices, the remotes
/// a notice goes to over `remotes()` positions).
library Bitmask {
    /// @notice Index of the lowest set bit of `mask` (0 for an empty mask).
    function lowestBit(uint256 mask) internal pure returns (uint256) {
        return Math.log2(mask & (~mask + 1));
    }

    /// @notice Number of set bits of `mask`.
    function count(uint256 mask) internal pure returns (uint256 n) {
        for (; mask != 0; mask &= mask - 1) {
            ++n;
        }
    }
}
