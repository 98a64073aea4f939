// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../interfaces/ICollateralVault.sol";

/// @title VaultStorage
/// @notice The vault's state as one struct, so that `CollateralVault` (the hot path) and the externally
/// linked `VaultLogic` (the cold path: liquidation, risk governance, large views) read and write the same
/// storage. `VaultLogic` runs by `DELEGATECALL` in the vault's context and is handed a pointer to this
/// layout; neither side declares state of its own in the struct's place.
/// @dev Field order is the storage order: appending is safe, reordering is not (the vault is not upgradeable,
/// but forge's storage-layout output is checked in review).
library VaultStorage {
    /// @notice What a deposit needs of an asset, keyed by token: one slot.
    struct Listing {
        /// Listing index + 1 (0: never listed).
        uint8 slot;
        bool listed;
        uint128 supplyCap;
    }

    /// @notice What pricing needs of an asset, keyed by listing index: one slot.
    struct Risk {
        address token;
        uint16 ltvBps;
        uint16 liquidationThresholdBps;
        uint16 liquidationBonusBps;
        uint8 decimals;
        /// Liquidity depth in thousands of USD (0: no size haircut; see RiskMath.sizeAdjustedDown).
        uint40 depthThousands;
    }

    /// @notice Everything an export or withdrawal reads of an account besides its balances: one slot.
    struct Account {
        /// Credit exported to all remotes (1e18 USD).
        uint128 totalExported;
        /// Bit i set: the account holds the asset listed at index i.
        uint96 assetMask;
        /// Liquidation epoch: odd while the account is flagged, even otherwise (`flag` and `clear` each add one).
        uint32 epoch;
    }

    struct Layout {
        mapping(address asset => Listing) listings;
        mapping(uint256 index => Risk) risks;
        mapping(uint32 eid => ICollateralVault.RemoteConfig) remoteConfigs;
        mapping(uint32 eid => ICollateralVault.RemoteState) remoteStates;
        mapping(address account => Account) accounts;
        mapping(address account => mapping(address asset => uint256)) collateral;
        mapping(address account => mapping(uint32 eid => uint256)) exported;
        mapping(address account => mapping(uint32 eid => ICollateralVault.Usage)) usage;
        mapping(address account => mapping(address operator => bool)) operators;
        /// Every remote ever configured, in order; bit i of a remote mask is `remotes[i]`.
        uint32[] remotes;
        /// Remotes sent `LIQUIDATABLE` at the account's current (odd) epoch: they get the `CLEAR`.
        mapping(address account => uint256 remoteMask) flaggedRemotes;
        /// `SEIZE` ids already applied, per remote (exactly once on top of the endpoint's nonces).
        mapping(uint32 eid => mapping(uint64 seizeId => bool)) seizes;
        /// Seized collateral a liquidator could not be sent (the token refused the transfer); claimable.
        mapping(address owner => mapping(address asset => uint256)) claimable;
        ICollateralVault.LiquidationConfig liquidation;
        /// `RECALL`s sent; the next one's id is this plus one.
        uint64 recalls;
        /// Assets ever listed; the next one's listing index is this.
        uint8 listedCount;
        /// May queue risk updates (correlations, depths); they apply after `RISK_UPDATE_DELAY`.
        address riskAdmin;
        /// 10,000 − correlation (bps) of each pair of listing indices i < j, sixteen to a word: pair
        /// p = i × 96 + j sits in word p / 16 at bits 16 × (p % 16). Stored as the complement so that a pair
        /// never set reads as correlation 1 (no diversification benefit until the risk admin proves one).
        mapping(uint256 word => uint256) decorrelations;
        /// Queued risk updates by hash: the earliest time each may be applied.
        mapping(bytes32 update => uint256 notBefore) riskQueue;
        /// The epoch at which the account's current flagged period began (re-flags keep it).
        mapping(address account => uint32 epoch) flaggedSince;
        /// Collateral worth less than this (1e18 USD) no longer blocks a flagged account's bad-debt write-off.
        uint128 dustFloor;
    }
}
