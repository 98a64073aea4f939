// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title RiskMath
/// @notice The risk engine's pure maths: what an account's collateral is worth under stress. Each asset's
/// value is first cut for its size against the asset's liquidity depth (`sizeAdjustedDown`); then the
/// per-asset haircuts are combined through a correlation matrix (`stressedValueDown`), so a diversified
/// basket keeps more of its value than a concentrated one. With every correlation at 100% the result is
/// exactly the plain per-asset sum (`baselineDown`). Borrowing power passes haircut = 1 − LTV; health
/// passes haircut = 1 − liquidation threshold.
/// @dev The derivation, the proofs of every property, worked examples and the rounding bound are in
/// `docs/RISK.md`. `packages/protocol/src/risk.ts` is the same algorithm in TypeScript, operation for
/// operation; `test/e2e/risk-differential.test.ts` checks the two agree to the wei.
/// Units: values and depths are USD with 18 decimals; haircuts and correlations are basis points.
/// Rounding always goes against the account: values and power round down, losses round up.
/// Correlations are passed as the strict upper triangle of the n × n matrix, row by row:
/// `(0,1) (0,2) … (0,n−1) (1,2) … (n−2,n−1)`, n(n−1)/2 entries (see `correlationIndex`). The diagonal is
/// 1 by definition and the lower triangle mirrors the upper one, so neither is passed and neither can be
/// wrong.
library RiskMath {
    /// @notice Basis points in one (haircuts and correlations).
    uint256 internal constant BPS = 10_000;
    /// @notice Most assets one computation takes (an account holds at most this many; PROTOCOL.md V-5).
    uint256 internal constant MAX_ASSETS = 8;
    /// @notice Largest value (1e18 USD, i.e. $10^18) that counts; a larger value counts as this one.
    /// @dev Bounds every intermediate below 2^256 with 8 assets (largest: loss × exposure ≤ 8e76; see
    /// `docs/RISK.md#overflow`), so the arithmetic below needs no overflow checks.
    uint256 internal constant MAX_VALUE = 1e36;

    /// @notice Thrown when a computation is given more than `MAX_ASSETS` assets.
    error RiskMath_TooManyAssets(uint256 count, uint256 max);
    /// @notice Thrown when the per-asset arrays (values, haircuts, depths) differ in length.
    error RiskMath_LengthMismatch(uint256 values, uint256 haircuts, uint256 depths);
    /// @notice Thrown when the correlation triangle for `assets` assets does not have `expected` = n(n−1)/2 entries.
    error RiskMath_CorrelationLengthMismatch(uint256 assets, uint256 length, uint256 expected);
    /// @notice Thrown when asset `index`'s haircut is above 10,000 bps.
    error RiskMath_HaircutOutOfBounds(uint256 index, uint256 haircutBps);
    /// @notice Thrown when the correlation between assets `i` and `j` is above 10,000 bps.
    error RiskMath_CorrelationOutOfBounds(uint256 i, uint256 j, uint256 correlationBps);

    /// @notice A position's value after the size haircut for an asset whose liquidity depth is `depth`,
    /// rounded down: `value` up to `depth`, then `2·depth − ⌈depth² / value⌉`, never above `2·depth`.
    /// @dev Continuous, non-decreasing in `value`, never above `value`; the haircut `(value − depth)² / value`
    /// grows with the position. `depth == 0` means no size haircut. `value` above `MAX_VALUE` counts as
    /// `MAX_VALUE`.
    /// @param value USD with 18 decimals.
    /// @param depth USD with 18 decimals that can be sold within the liquidation horizon at no more than the
    /// asset's ordinary haircut (0: not configured).
    function sizeAdjustedDown(uint256 value, uint256 depth) internal pure returns (uint256) {
        if (value > MAX_VALUE) value = MAX_VALUE;
        if (depth == 0 || value <= depth) return value;
        unchecked {
            // depth < value ≤ 1e36, so depth² < 1e72 and 2·depth < 2e36; ⌈depth²/value⌉ ≤ depth.
            uint256 squared = depth * depth;
            return 2 * depth - (squared / value + (squared % value == 0 ? 0 : 1));
        }
    }

    /// @notice The plain per-asset value under stress: Σ (eᵢ − ⌈eᵢ·hᵢ / 10,000⌉) with eᵢ the size-adjusted
    /// value, i.e. Σ ⌊eᵢ·(10,000 − hᵢ) / 10,000⌋. With no depths this is Σ value × LTV rounded down.
    /// @param values USD with 18 decimals per asset.
    /// @param haircutBps Per asset, 10,000 − LTV (power) or 10,000 − liquidation threshold (health).
    /// @param depths Per asset, USD with 18 decimals (0: no size haircut).
    function baselineDown(uint256[] memory values, uint16[] memory haircutBps, uint256[] memory depths)
        internal
        pure
        returns (uint256 stressed)
    {
        uint256 n = _checkLengths(values, haircutBps, depths);
        for (uint256 i; i < n; ++i) {
            uint256 value = sizeAdjustedDown(values[i], depths[i]);
            uint256 haircut = haircutBps[i];
            if (haircut > BPS) revert RiskMath_HaircutOutOfBounds(i, haircut);
            unchecked {
                stressed += value - (value * haircut + (BPS - 1)) / BPS;
            }
        }
    }

    /// @notice What the basket is worth under stress, rounded down: S = Σ eᵢ − L with eᵢ the size-adjusted
    /// values, aᵢ = ⌈eᵢ·hᵢ / 10,000⌉ each asset's stressed loss, and the portfolio loss
    /// L = ⌈max(√(Σᵢ Σⱼ ρᵢⱼ aᵢ aⱼ), maxᵢ Σⱼ ρᵢⱼ aⱼ)⌉.
    /// @dev √(aᵀρa) is the loss at the haircut's confidence level when zσᵢ = hᵢ (docs/RISK.md). The second
    /// term, the loss when any one asset is at its stress level, equals or is below the first for every
    /// positive semidefinite ρ (every matrix estimated from returns); it only binds when an admin sets an
    /// inconsistent matrix, and keeps S non-decreasing in every value for any ρ the bounds allow.
    /// Always baselineDown ≤ S ≤ Σ eᵢ ≤ Σ values; S = baselineDown when every ρᵢⱼ = 10,000 or n ≤ 1.
    /// @param values USD with 18 decimals per asset.
    /// @param haircutBps Per asset, 10,000 − LTV (power) or 10,000 − liquidation threshold (health).
    /// @param depths Per asset, USD with 18 decimals (0: no size haircut).
    /// @param correlationBps Strict upper triangle of ρ, row by row, n(n−1)/2 entries in [0, 10,000].
    function stressedValueDown(
        uint256[] memory values,
        uint16[] memory haircutBps,
        uint256[] memory depths,
        uint16[] memory correlationBps
    ) internal pure returns (uint256) {
        uint256 n = _checkLengths(values, haircutBps, depths);
        uint256 pairs = n < 2 ? 0 : n * (n - 1) / 2;
        if (correlationBps.length != pairs) revert RiskMath_CorrelationLengthMismatch(n, correlationBps.length, pairs);

        // losses[i] = aᵢ; exposure[i] starts at its diagonal term 10,000·aᵢ.
        uint256[] memory losses = new uint256[](n);
        uint256[] memory exposure = new uint256[](n);
        uint256 total;
        uint256 lossSum;
        for (uint256 i; i < n; ++i) {
            uint256 value = sizeAdjustedDown(values[i], depths[i]);
            uint256 haircut = haircutBps[i];
            if (haircut > BPS) revert RiskMath_HaircutOutOfBounds(i, haircut);
            unchecked {
                uint256 loss = (value * haircut + (BPS - 1)) / BPS;
                total += value;
                lossSum += loss;
                losses[i] = loss;
                exposure[i] = loss * BPS;
            }
        }
        unchecked {
            // One asset (or none): L = a₀ exactly (R-1), no square root needed. Otherwise L ≤ Σ aᵢ ≤ total (R-4).
            return total - (n < 2 ? lossSum : _portfolioLossUp(losses, exposure, correlationBps));
        }
    }

    /// @dev L = ⌈max(√(aᵀρa), maxᵢ (ρa)ᵢ)⌉ for losses a, with `exposure` holding 10,000·aᵢ on entry (the
    /// diagonal). Row i adds ρᵢⱼ·aⱼ to its own exposure and ρᵢⱼ·aᵢ to every later row's, so exposureᵢ =
    /// 10,000·(ρa)ᵢ is final when row i ends. aᵀρa = Σᵢ aᵢ·exposureᵢ / 10,000 is summed as quotients plus
    /// one rounding up of the summed remainders, so the result is the exact ceiling of the real loss.
    function _portfolioLossUp(uint256[] memory losses, uint256[] memory exposure, uint16[] memory correlationBps)
        private
        pure
        returns (uint256)
    {
        uint256 n = losses.length;
        uint256 quotients;
        uint256 remainders;
        uint256 maxExposure;
        uint256 k;
        for (uint256 i; i < n; ++i) {
            uint256 lossI = losses[i];
            uint256 exposureI = exposure[i];
            for (uint256 j = i + 1; j < n; ++j) {
                uint256 rho;
                uint256 lossJ;
                // In bounds: k < n(n−1)/2 = correlationBps.length and j < n = both lengths. Skipping
                // Solidity's bounds checks saves a third of the loop. A dirty word in `rho` is above BPS
                // and reverts below.
                assembly ("memory-safe") {
                    rho := mload(add(correlationBps, shl(5, add(k, 1))))
                    lossJ := mload(add(losses, shl(5, add(j, 1))))
                    let slot := add(exposure, shl(5, add(j, 1)))
                    mstore(slot, add(mload(slot), mul(rho, lossI)))
                }
                if (rho > BPS) revert RiskMath_CorrelationOutOfBounds(i, j, rho);
                unchecked {
                    ++k;
                    exposureI += rho * lossJ;
                }
            }
            unchecked {
                uint256 product = lossI * exposureI;
                quotients += product / BPS;
                remainders += product % BPS;
            }
            if (exposureI > maxExposure) maxExposure = exposureI;
        }
        unchecked {
            uint256 quadratic = quotients + (remainders + (BPS - 1)) / BPS;
            return Math.max(Math.sqrt(quadratic, Math.Rounding.Ceil), (maxExposure + (BPS - 1)) / BPS);
        }
    }

    /// @notice Position of the correlation between assets `i` and `j` (i ≠ j, both < n) in the strict upper
    /// triangle of an n × n matrix, row by row.
    function correlationIndex(uint256 i, uint256 j, uint256 n) internal pure returns (uint256) {
        if (i > j) (i, j) = (j, i);
        return i * (2 * n - i - 1) / 2 + (j - i - 1);
    }

    /// @dev Checks the asset count, then that the per-asset arrays have one length; returns it.
    function _checkLengths(uint256[] memory values, uint16[] memory haircutBps, uint256[] memory depths)
        private
        pure
        returns (uint256 n)
    {
        n = values.length;
        if (n > MAX_ASSETS) revert RiskMath_TooManyAssets(n, MAX_ASSETS);
        if (haircutBps.length != n || depths.length != n) {
            revert RiskMath_LengthMismatch(n, haircutBps.length, depths.length);
        }
    }
}
