// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../interfaces/IOracleAdapter.sol";
import { Bitmask } from "./Bitmask.sol";
import { CreditMath } from "./CreditMath.sol";
import { RiskMath } from "./RiskMath.sol";
import { VaultStorage } from "./VaultStorage.sol";

/// @title VaultRisk
/// @notice The portfolio term of the vault's power and health (`RiskMath` over an account's assets, with the
/// correlations and liquidity depths in force) and the risk admin's queue that changes those inputs. External
/// library functions over the vault's storage, reached by `DELEGATECALL` like `VaultLogic`. Spec:
/// docs/RISK.md ("In the vault"), docs/PROTOCOL.md V-2b.
library VaultRisk {
    /// @notice Seconds between queueing a risk update and applying it.
    uint256 public constant RISK_UPDATE_DELAY = 1 days;
    /// @notice Least correlation the risk admin may set (hard bound): no pair of assets is ever treated as
    /// less than 20% correlated, which caps how much a basket can gain over the per-asset baseline.
    uint16 public constant MIN_CORRELATION_BPS = 2000;
    /// @notice Most listed assets (the pair layout is sized for it; `VaultLogic.MAX_LISTED_ASSETS`).
    uint256 internal constant MAX_LISTED_ASSETS = 96;
    /// @notice USD (1e18) per unit of `depthThousands`.
    uint256 internal constant DEPTH_UNIT = 1e21;

    /// @notice Σ-weighted value of the assets in `mask` under stress: `RiskMath.stressedValueDown` with each
    /// asset's value at its price, haircut 10,000 − LTV (power) or 10,000 − liquidation threshold
    /// (`atThreshold`: health), its depth, and the correlations in force. With fresh prices (`forLiquidation`
    /// false) an asset the oracle refuses counts for nothing and is returned as `unpriced` (rule V-2a); with
    /// liquidation prices an unusable one reverts with the oracle's error.
    function portfolioValue(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        uint256 mask,
        bool atThreshold,
        bool forLiquidation
    ) public view returns (uint256 value, address unpriced) {
        Basket memory basket = _newBasket(Bitmask.count(mask));
        for (; mask != 0; mask &= mask - 1) {
            uint256 index = Bitmask.lowestBit(mask);
            VaultStorage.Risk memory risk = $.risks[index];
            (bool ok, uint256 price) = _price($, oracle, risk.token, forLiquidation);
            if (!ok) {
                unpriced = risk.token;
                continue;
            }
            uint256 n = basket.count++;
            basket.values[n] = CreditMath.valueDown($.collateral[account][risk.token], price, risk.decimals);
            basket.haircuts[n] = uint16(CreditMath.BPS) - (atThreshold ? risk.liquidationThresholdBps : risk.ltvBps);
            basket.depths[n] = uint256(risk.depthThousands) * DEPTH_UNIT;
            basket.indices[n] = index;
        }
        value = _stressed($, basket);
    }

    /// @dev The per-asset inputs of the assets that take part, in listing order.
    struct Basket {
        uint256[] values;
        uint16[] haircuts;
        uint256[] depths;
        uint256[] indices;
        uint256 count;
    }

    function _newBasket(uint256 n) private pure returns (Basket memory) {
        return Basket(new uint256[](n), new uint16[](n), new uint256[](n), new uint256[](n), 0);
    }

    /// @dev A fresh price (`ok` false when the oracle refuses it) or a liquidation price (reverts when unusable).
    function _price(VaultStorage.Layout storage $, IOracleAdapter oracle, address token, bool forLiquidation)
        private
        view
        returns (bool ok, uint256 price)
    {
        if (forLiquidation) return (true, oracle.liquidationPrice(token, $.liquidation.priceTolerance));
        (ok, price,) = oracle.tryPrice(token);
    }

    /// @dev `RiskMath.stressedValueDown` over the basket's first `count` assets and the correlations in force.
    function _stressed(VaultStorage.Layout storage $, Basket memory basket) private view returns (uint256) {
        uint256 n = basket.count;
        (uint256[] memory values, uint16[] memory haircuts, uint256[] memory depths) =
            (basket.values, basket.haircuts, basket.depths);
        // Only the priced assets take part: shorten the arrays in place.
        assembly ("memory-safe") {
            mstore(values, n)
            mstore(haircuts, n)
            mstore(depths, n)
        }
        uint16[] memory correlations = new uint16[](n < 2 ? 0 : n * (n - 1) / 2);
        uint256 k;
        for (uint256 i; i + 1 < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                correlations[k++] = uint16(CreditMath.BPS) - _decorrelation($, basket.indices[i], basket.indices[j]);
            }
        }
        return RiskMath.stressedValueDown(values, haircuts, depths, correlations);
    }

    // ------------------------------------------------------------------ risk admin

    /// @notice Queues `update` (the caller must be the risk admin); checks its bounds now.
    function queueRiskUpdate(VaultStorage.Layout storage $, ICollateralVault.RiskUpdate calldata update)
        external
        returns (bytes32 id)
    {
        if (msg.sender != $.riskAdmin) revert ICollateralVault.Vault_OnlyRiskAdmin(msg.sender);
        _check($, update);
        id = keccak256(abi.encode(update));
        uint256 notBefore = block.timestamp + RISK_UPDATE_DELAY;
        $.riskQueue[id] = notBefore;
        emit ICollateralVault.RiskUpdateQueued(id, notBefore, update);
    }

    /// @notice Applies a queued `update` whose delay has passed (anyone may).
    function applyRiskUpdate(VaultStorage.Layout storage $, ICollateralVault.RiskUpdate calldata update) external {
        bytes32 id = keccak256(abi.encode(update));
        uint256 notBefore = $.riskQueue[id];
        if (notBefore == 0) revert ICollateralVault.Vault_RiskUpdateUnknown(id);
        if (block.timestamp < notBefore) revert ICollateralVault.Vault_RiskUpdateNotReady(id, notBefore);
        delete $.riskQueue[id];
        // Bounds were checked when queued; assets cannot be unlisted since, so the check still holds.
        for (uint256 u; u < update.correlations.length; ++u) {
            ICollateralVault.CorrelationUpdate calldata pair = update.correlations[u];
            (uint256 i, uint256 j) = _indices($, pair.assetA, pair.assetB);
            uint256 p = i * MAX_LISTED_ASSETS + j;
            uint256 shift = (p & 15) * 16;
            uint256 word = $.decorrelations[p >> 4] & ~(uint256(0xffff) << shift);
            $.decorrelations[p >> 4] = word | (uint256(CreditMath.BPS - pair.correlationBps) << shift);
        }
        for (uint256 u; u < update.depths.length; ++u) {
            $.risks[$.listings[update.depths[u].asset].slot - 1].depthThousands = update.depths[u].depthThousands;
        }
        emit ICollateralVault.RiskUpdateApplied(id);
    }

    /// @notice Cancels a queued update; the caller must be the risk admin or `owner`.
    function cancelRiskUpdate(VaultStorage.Layout storage $, bytes32 id, address owner) external {
        if (msg.sender != $.riskAdmin && msg.sender != owner) revert ICollateralVault.Vault_OnlyRiskAdmin(msg.sender);
        if ($.riskQueue[id] == 0) revert ICollateralVault.Vault_RiskUpdateUnknown(id);
        delete $.riskQueue[id];
        emit ICollateralVault.RiskUpdateCancelled(id);
    }

    /// @notice Correlation (bps) in force between two listed assets, and the depth of `assetA`.
    function riskOf(VaultStorage.Layout storage $, address assetA, address assetB)
        external
        view
        returns (uint16 correlationBps, uint40 depthThousands)
    {
        uint8 slotA = $.listings[assetA].slot;
        uint8 slotB = $.listings[assetB].slot;
        if (slotA != 0) depthThousands = $.risks[slotA - 1].depthThousands;
        if (slotA == 0 || slotB == 0 || slotA == slotB) return (uint16(CreditMath.BPS), depthThousands);
        (uint256 i, uint256 j) = slotA < slotB ? (slotA - 1, slotB - 1) : (slotB - 1, slotA - 1);
        correlationBps = uint16(CreditMath.BPS) - _decorrelation($, i, j);
    }

    /// @dev Checks every correlation is within [MIN_CORRELATION_BPS, 10,000] between two different listed
    /// assets, and every depth names a listed asset.
    function _check(VaultStorage.Layout storage $, ICollateralVault.RiskUpdate calldata update) private view {
        for (uint256 u; u < update.correlations.length; ++u) {
            ICollateralVault.CorrelationUpdate calldata pair = update.correlations[u];
            uint8 slotA = $.listings[pair.assetA].slot;
            uint8 slotB = $.listings[pair.assetB].slot;
            if (
                slotA == 0 || slotB == 0 || slotA == slotB || pair.correlationBps < MIN_CORRELATION_BPS
                    || pair.correlationBps > CreditMath.BPS
            ) revert ICollateralVault.Vault_BadCorrelation(pair.assetA, pair.assetB, pair.correlationBps);
        }
        for (uint256 u; u < update.depths.length; ++u) {
            if ($.listings[update.depths[u].asset].slot == 0) {
                revert ICollateralVault.Vault_BadDepth(update.depths[u].asset);
            }
        }
    }

    /// @dev Listing indices of two different listed assets, lower first.
    function _indices(VaultStorage.Layout storage $, address assetA, address assetB)
        private
        view
        returns (uint256 i, uint256 j)
    {
        uint256 a = $.listings[assetA].slot - 1;
        uint256 b = $.listings[assetB].slot - 1;
        return a < b ? (a, b) : (b, a);
    }

    /// @dev 10,000 − correlation of listing indices i < j.
    function _decorrelation(VaultStorage.Layout storage $, uint256 i, uint256 j) private view returns (uint16) {
        uint256 p = i * MAX_LISTED_ASSETS + j;
        return uint16($.decorrelations[p >> 4] >> ((p & 15) * 16));
    }
}
