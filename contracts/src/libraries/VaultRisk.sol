// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../interfaces/IOracleAdapter.sol";
import { Bitmask } from "./Bitmask.sol";
import { CreditMath } from "./CreditMath.sol";
import { RiskMath } from "./RiskMath.sol";
import { VaultStorage } from "./VaultStorage.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title VaultRisk
/// @notice The portfolio term of the vault's power and health (`RiskMath` over an account's assets, with the
/// correlations and liquidity depths in force) and the risk admin's queue that changes those inputs. External
/// library functions over the vault's storage, reached by `DELEGATECALL` like `VaultLogic`. Spec:
/// docs/RISK.md ("In the vault"), docs/PROTOCOL.md V-2b. It also holds the owner's asset, remote and liquidation
/// configuration (space: VaultLogic is at EIP-170's limit).
library VaultRisk {
    /// @notice Least seconds between queueing a risk update and applying it. Longer than the timelock's two days
    /// in production, and never shorter than the owner's own delay plus `OWNER_CANCEL_MARGIN` (see
    /// `riskUpdateDelay`): a cancel the owner schedules when the update is queued always lands first.
    uint256 public constant RISK_UPDATE_DELAY = 3 days;
    /// @notice Time the owner has, past its own timelock delay, to cancel a queued risk update.
    uint256 public constant OWNER_CANCEL_MARGIN = 1 days;
    /// @notice Most one update may multiply or divide a depth or a correlation by (docs/PROTOCOL.md L-13).
    uint256 public constant MAX_STEP_FACTOR = 2;
    /// @notice Least correlation the risk admin may set (hard bound): no pair of assets is ever treated as
    /// less than 20% correlated, which caps how much a basket can gain over the per-asset baseline.
    uint16 public constant MIN_CORRELATION_BPS = 2000;
    /// @notice Most listed assets (the pair layout is sized for it; `VaultLogic.MAX_LISTED_ASSETS`).
    uint256 internal constant MAX_LISTED_ASSETS = 96;
    /// @notice Least gap between an asset's LTV and its liquidation threshold.
    uint16 public constant MIN_LIQUIDATION_BUFFER_BPS = 200;
    /// @notice Most remotes ever configured (bounds the loops of `flag` and `clear`).
    uint256 public constant MAX_REMOTES = 32;
    /// @notice Health 1 (1e18).
    uint256 internal constant ONE = 1e18;
    /// @notice USD (1e18) per unit of `depthThousands`.
    uint256 internal constant DEPTH_UNIT = 1e21;

    /// @notice How an asset is priced, and what an unusable price counts for (docs/PROTOCOL.md V-2a, L-11).
    enum Pricing {
        /// `tryPrice` (exports, withdrawals): an asset the oracle refuses counts for nothing.
        Fresh,
        /// `tryLiquidationPrice` (clear): an unusable price counts for nothing — it can only understate health.
        LiquidationFloor,
        /// `tryLiquidationPrice` (flag, recall, the SEIZE bonus, bad debt): an unusable price counts at the
        /// feed's last answer clamped into its bounds (0 when there is none), so one dead feed cannot stop a
        /// liquidation that needs a value.
        LiquidationLast
    }

    /// @notice Σ-weighted value of the assets in `mask` under stress: `RiskMath.stressedValueDown` with each
    /// asset's value at its price, haircut 10,000 − LTV (power) or 10,000 − liquidation threshold
    /// (`atThreshold`: health), its depth, and the correlations in force. Never reverts for a price: an asset
    /// priced as `pricing` says, the last one that counted for nothing returned as `unpriced`.
    function portfolioValue(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        uint256 mask,
        bool atThreshold,
        Pricing pricing
    ) public view returns (uint256 value, address unpriced) {
        Basket memory basket = _newBasket(Bitmask.count(mask));
        for (; mask != 0; mask &= mask - 1) {
            uint256 index = Bitmask.lowestBit(mask);
            VaultStorage.Risk memory risk = $.risks[index];
            uint256 price = priceOf($, oracle, risk.token, pricing);
            if (price == 0) {
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

    /// @notice The price of `token` under `pricing`; 0 when it counts for nothing. One oracle call.
    function priceOf(VaultStorage.Layout storage $, IOracleAdapter oracle, address token, Pricing pricing)
        internal
        view
        returns (uint256 price)
    {
        bool ok;
        if (pricing == Pricing.Fresh) {
            (ok, price,) = oracle.tryPrice(token);
        } else {
            (ok, price,) = oracle.tryLiquidationPrice(token, $.liquidation.priceTolerance);
            if (pricing == Pricing.LiquidationLast) return price;
        }
        if (!ok) return 0;
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

    /// @notice Queues `update` (the caller must be the risk admin); checks its bounds and steps now, against the
    /// values in force.
    function queueRiskUpdate(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        ICollateralVault.RiskUpdate calldata update,
        address owner
    ) external returns (bytes32 id) {
        if (msg.sender != $.riskAdmin) revert ICollateralVault.Vault_OnlyRiskAdmin(msg.sender);
        _check($, update);
        _checkSteps($, oracle, update);
        id = keccak256(abi.encode(update));
        uint256 notBefore = block.timestamp + riskUpdateDelay(owner);
        $.riskQueue[id] = notBefore;
        emit ICollateralVault.RiskUpdateQueued(id, notBefore, update);
    }

    /// @notice Seconds a risk update queued now waits: `RISK_UPDATE_DELAY`, or the owner's timelock delay
    /// (`getMinDelay()`, read if the owner answers it) plus `OWNER_CANCEL_MARGIN` when that is longer.
    function riskUpdateDelay(address owner) public view returns (uint256) {
        (bool ok, bytes memory data) = owner.staticcall(abi.encodeWithSignature("getMinDelay()"));
        if (!ok || data.length < 32) return RISK_UPDATE_DELAY;
        uint256 ownerDelay = abi.decode(data, (uint256));
        // A delay this large would overflow below; such an owner could never act anyway.
        if (ownerDelay > type(uint64).max) return ownerDelay;
        return
            ownerDelay + OWNER_CANCEL_MARGIN > RISK_UPDATE_DELAY ? ownerDelay + OWNER_CANCEL_MARGIN : RISK_UPDATE_DELAY;
    }

    /// @notice Applies a queued `update` whose delay has passed (anyone may). Its steps are checked again against
    /// the values in force now, so updates queued together cannot compound past one step.
    function applyRiskUpdate(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        ICollateralVault.RiskUpdate calldata update
    ) external {
        bytes32 id = keccak256(abi.encode(update));
        uint256 notBefore = $.riskQueue[id];
        if (notBefore == 0) revert ICollateralVault.Vault_RiskUpdateUnknown(id);
        if (block.timestamp < notBefore) revert ICollateralVault.Vault_RiskUpdateNotReady(id, notBefore);
        delete $.riskQueue[id];
        _checkSteps($, oracle, update);
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

    /// @notice Cancels a queued update; the caller must be the risk admin, `owner` or `guardian` (who can act at
    /// once, where the owner's timelock cannot).
    function cancelRiskUpdate(VaultStorage.Layout storage $, bytes32 id, address owner, address guardian) external {
        if (msg.sender != $.riskAdmin && msg.sender != owner && msg.sender != guardian) {
            revert ICollateralVault.Vault_OnlyRiskAdmin(msg.sender);
        }
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

    /// @dev Checks that no entry moves a value in force by more than `MAX_STEP_FACTOR` either way. A depth is
    /// never removed (0: no haircut, an unbounded step up); a first depth must be at least half the value the
    /// vault holds of the asset at its fresh price, so that no position loses more than a quarter of its value
    /// (RiskMath.sizeAdjustedDown at value = 2 × depth).
    function _checkSteps(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        ICollateralVault.RiskUpdate calldata update
    ) private view {
        for (uint256 u; u < update.correlations.length; ++u) {
            ICollateralVault.CorrelationUpdate calldata pair = update.correlations[u];
            (uint256 i, uint256 j) = _indices($, pair.assetA, pair.assetB);
            uint256 current = CreditMath.BPS - _decorrelation($, i, j);
            if (!_withinStep(current, pair.correlationBps)) {
                revert ICollateralVault.Vault_CorrelationStepTooLarge(
                    pair.assetA, pair.assetB, current, pair.correlationBps
                );
            }
        }
        for (uint256 u; u < update.depths.length; ++u) {
            ICollateralVault.DepthUpdate calldata depth = update.depths[u];
            VaultStorage.Risk memory risk = $.risks[$.listings[depth.asset].slot - 1];
            uint256 proposed = depth.depthThousands;
            bool allowed;
            if (risk.depthThousands != 0) {
                allowed = _withinStep(risk.depthThousands, proposed);
            } else if (proposed != 0) {
                uint256 held = CreditMath.valueDown(
                    IERC20(depth.asset).balanceOf(address(this)), oracle.price(depth.asset), risk.decimals
                );
                allowed = proposed * DEPTH_UNIT * MAX_STEP_FACTOR >= held;
            }
            if (!allowed) revert ICollateralVault.Vault_DepthStepTooLarge(depth.asset, risk.depthThousands, proposed);
        }
    }

    /// @dev `proposed` within a factor `MAX_STEP_FACTOR` of a non-zero `current`.
    function _withinStep(uint256 current, uint256 proposed) private pure returns (bool) {
        return proposed * MAX_STEP_FACTOR >= current && proposed <= current * MAX_STEP_FACTOR;
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

    // ------------------------------------------------------------------ governance (the vault checks the owner)
    // Here rather than in VaultLogic so that each library stays within EIP-170.

    /// @notice Lists `asset` or changes its parameters (see `CollateralVault.configureAsset`).
    function configureAsset(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address asset,
        uint16 ltvBps,
        uint16 liquidationThresholdBps,
        uint16 liquidationBonusBps,
        uint128 supplyCap,
        bool listed
    ) external {
        if (oracle.feed(asset).aggregator == address(0)) {
            _badConfig(ICollateralVault.ConfigFault.NoOracleFeed);
        }
        if (ltvBps == 0) _badConfig(ICollateralVault.ConfigFault.ZeroLtv);
        if (uint256(ltvBps) + MIN_LIQUIDATION_BUFFER_BPS > liquidationThresholdBps) {
            _badConfig(ICollateralVault.ConfigFault.ThresholdWithinBuffer);
        }
        if (CreditMath.bpsUp(liquidationThresholdBps, CreditMath.BPS + liquidationBonusBps) >= CreditMath.BPS) {
            _badConfig(ICollateralVault.ConfigFault.BonusTooLarge);
        }
        uint8 decimals = IERC20Metadata(asset).decimals();
        if (decimals > 36) _badConfig(ICollateralVault.ConfigFault.DecimalsAbove36);
        uint8 slot = $.listings[asset].slot;
        if (slot == 0) {
            if ($.listedCount >= MAX_LISTED_ASSETS) {
                revert ICollateralVault.Vault_TooManyListedAssets(MAX_LISTED_ASSETS);
            }
            slot = ++$.listedCount;
        }
        $.listings[asset] = VaultStorage.Listing(slot, listed, supplyCap);
        // The depth belongs to the risk admin (VaultRisk): a re-configuration keeps it.
        $.risks[slot - 1] = VaultStorage.Risk(
            asset, ltvBps, liquidationThresholdBps, liquidationBonusBps, decimals, $.risks[slot - 1].depthThousands
        );
        emit ICollateralVault.AssetConfigured(
            asset,
            ICollateralVault.AssetConfig(
                ltvBps, liquidationThresholdBps, liquidationBonusBps, decimals, listed, supplyCap
            )
        );
    }

    /// @notice Sets the limits of remote `eid`; its first configuration adds it to the remote list for good.
    function configureRemote(VaultStorage.Layout storage $, uint32 eid, ICollateralVault.RemoteConfig calldata config)
        external
    {
        if (config.grantTtl == 0) _badConfig(ICollateralVault.ConfigFault.ZeroGrantTtl);
        if (config.rateWindow == 0) _badConfig(ICollateralVault.ConfigFault.ZeroRateWindow);
        if ($.remoteConfigs[eid].grantTtl == 0) {
            // A configured remote's TTL is never 0, so this is its first configuration.
            if ($.remotes.length >= MAX_REMOTES) revert ICollateralVault.Vault_TooManyRemotes(MAX_REMOTES);
            $.remotes.push(eid);
        }
        $.remoteConfigs[eid] = config;
        emit ICollateralVault.RemoteConfigured(eid, config);
    }

    /// @notice Sets the liquidation settings: a close factor in (0, 100%], a recall health of at least 1.
    function configureLiquidation(VaultStorage.Layout storage $, ICollateralVault.LiquidationConfig calldata config)
        external
    {
        if (config.closeFactorBps == 0 || config.closeFactorBps > CreditMath.BPS) {
            _badConfig(ICollateralVault.ConfigFault.CloseFactorOutOfRange);
        }
        if (config.recallHealth < ONE) _badConfig(ICollateralVault.ConfigFault.RecallHealthBelowOne);
        $.liquidation = config;
        emit ICollateralVault.LiquidationConfigured(config);
    }

    function _badConfig(ICollateralVault.ConfigFault fault) private pure {
        revert ICollateralVault.Vault_BadConfig(fault);
    }
}
