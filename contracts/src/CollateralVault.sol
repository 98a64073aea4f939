// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "./interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "./interfaces/IOracleAdapter.sol";
import { CreditMath } from "./libraries/CreditMath.sol";
import { MsgCodec } from "./libraries/MsgCodec.sol";
import { MessagingFee, MessagingReceipt, OApp, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OAppOptionsType3.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CollateralVault
/// @notice Home-chain vault of Ballast: holds collateral, debits exported credit before any `GRANT`
/// leaves, and applies `RELEASE` / `USAGE` from the remotes. It moves state and checks rules; the
/// maths lives in `CreditMath`, the wire format in `MsgCodec`. Spec: docs/PROTOCOL.md.
contract CollateralVault is ICollateralVault, OApp, OAppOptionsType3, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most collateral assets one account may hold (bounds the gas of every health check).
    uint256 public constant MAX_ASSETS = 8;
    /// @notice Most assets ever listed (an account's assets are a bitmask over listing indices).
    uint256 public constant MAX_LISTED_ASSETS = 96;
    /// @notice Least gap between an asset's LTV and its liquidation threshold.
    uint16 public constant MIN_LIQUIDATION_BUFFER_BPS = 200;
    /// @notice Health of an account with nothing exported.
    uint256 internal constant INFINITE_HEALTH = type(uint256).max;

    /// @dev What a deposit needs of an asset, keyed by token: one slot.
    struct Listing {
        /// Listing index + 1 (0: never listed).
        uint8 slot;
        bool listed;
        uint128 supplyCap;
    }

    /// @dev What pricing needs of an asset, keyed by listing index: one slot.
    struct Risk {
        address token;
        uint16 ltvBps;
        uint16 liquidationThresholdBps;
        uint16 liquidationBonusBps;
        uint8 decimals;
    }

    /// @dev Everything an export or withdrawal reads of an account besides its balances: one slot.
    struct Account {
        /// Credit exported to all remotes (1e18 USD).
        uint128 totalExported;
        /// Bit i set: the account holds the asset listed at index i.
        uint96 assetMask;
    }

    IOracleAdapter public immutable override oracle;

    address public guardian;
    bool public exportsPaused;
    uint8 internal _listedCount;

    mapping(address asset => Listing) internal _listings;
    mapping(uint256 index => Risk) internal _risks;
    mapping(uint32 eid => RemoteConfig) internal _remoteConfigs;
    mapping(uint32 eid => RemoteState) internal _remoteStates;

    mapping(address account => Account) internal _accounts;
    mapping(address account => mapping(address asset => uint256)) internal _collateral;
    mapping(address account => mapping(uint32 eid => uint256)) internal _exported;
    mapping(address account => mapping(uint32 eid => Usage)) internal _usage;
    mapping(address account => mapping(address operator => bool)) internal _operators;

    constructor(address endpoint, address owner_, IOracleAdapter oracle_) OApp(endpoint, owner_) Ownable(owner_) {
        oracle = oracle_;
    }

    // ------------------------------------------------------------------ collateral

    /// @inheritdoc ICollateralVault
    function deposit(address account, address asset, uint256 amount) external nonReentrant {
        if (amount == 0) revert Vault_ZeroAmount();
        Listing memory listing = _listings[asset];
        if (!listing.listed) revert Vault_AssetNotListed(asset);
        uint256 balance = _collateral[account][asset];
        if (balance == 0) _addAsset(account, listing.slot - 1);

        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = IERC20(asset).balanceOf(address(this));
        if (balanceAfter - balanceBefore != amount) {
            revert Vault_TransferAmountMismatch(asset, amount, balanceAfter - balanceBefore);
        }
        // The vault's balance covers Σ collateral (rule V-4), so capping it caps the collateral too.
        if (balanceAfter > listing.supplyCap) revert Vault_SupplyCapExceeded(asset, listing.supplyCap, balanceAfter);
        _collateral[account][asset] = balance + amount;
        emit Deposited(account, asset, msg.sender, amount);
    }

    /// @inheritdoc ICollateralVault
    function withdraw(address account, address asset, uint256 amount, address receiver) external nonReentrant {
        _authorize(account);
        if (amount == 0) revert Vault_ZeroAmount();
        uint256 balance = _collateral[account][asset];
        if (amount > balance) revert Vault_InsufficientCollateral(account, asset, amount, balance);
        _collateral[account][asset] = balance - amount;
        Account memory state = _accounts[account];
        if (balance == amount) {
            state.assetMask &= ~(uint96(1) << (_listings[asset].slot - 1));
            _accounts[account].assetMask = state.assetMask;
        }
        if (state.totalExported > 0) {
            (uint256 powerAfter, address unpriced) = _weightedValue(account, state.assetMask, false);
            if (powerAfter < state.totalExported) {
                _raiseOracleError(unpriced);
                revert Vault_WithdrawExceedsPower(account, powerAfter, state.totalExported);
            }
        }
        IERC20(asset).safeTransfer(receiver, amount);
        emit Withdrawn(account, asset, msg.sender, receiver, amount);
    }

    // ------------------------------------------------------------------ credit

    /// @inheritdoc ICollateralVault
    function exportCredit(address account, uint32 dstEid, uint128 amount, address receiver, bytes calldata options)
        external
        payable
        nonReentrant
        returns (MessagingReceipt memory receipt)
    {
        _authorize(account);
        (uint64 grantId, uint64 deadline) = _debitExport(account, dstEid, amount);
        if (receiver == address(0)) receiver = account;
        receipt = _lzSend(
            dstEid,
            MsgCodec.encodeGrant(MsgCodec.Grant(account, receiver, amount, deadline, grantId)),
            combineOptions(dstEid, MsgCodec.TYPE_GRANT, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit CreditExported(account, dstEid, receiver, amount, grantId, deadline, receipt.guid);
    }

    /// @dev Checks every export rule and debits home (rule V-1: before the GRANT exists). Storage: the
    /// pause flag, the remote's config and state, the account, its export to the remote, and per asset
    /// its risk slot and balance.
    function _debitExport(address account, uint32 dstEid, uint128 amount)
        internal
        returns (uint64 grantId, uint64 deadline)
    {
        if (amount == 0) revert Vault_ZeroAmount();
        if (exportsPaused) revert Vault_ExportsPaused();
        RemoteConfig memory config = _remoteConfigs[dstEid];
        if (!config.enabled) revert Vault_RemoteDisabled(dstEid);
        RemoteState memory remote = _remoteStates[dstEid];
        uint256 remoteAfter = uint256(remote.exported) + amount;
        if (remoteAfter > config.creditCap) revert Vault_RemoteCapExceeded(dstEid, config.creditCap, remoteAfter);
        uint256 used = remote.usedInWindow;
        if (block.timestamp >= uint256(remote.windowStart) + config.rateWindow) {
            remote.windowStart = uint32(block.timestamp);
            used = 0;
        }
        if (used + amount > config.maxPerWindow) {
            // The limit may have been lowered below what this window already used.
            revert Vault_RateLimited(dstEid, amount, config.maxPerWindow > used ? config.maxPerWindow - used : 0);
        }

        Account memory state = _accounts[account];
        uint256 exportedAfter = uint256(state.totalExported) + amount;
        (uint256 power, address unpriced) = _weightedValue(account, state.assetMask, false);
        if (exportedAfter > power) {
            _raiseOracleError(unpriced);
            revert Vault_ExportExceedsPower(
                account, amount, power > state.totalExported ? power - state.totalExported : 0
            );
        }
        // Both fit: remoteAfter ≤ creditCap and used + amount ≤ maxPerWindow, each a uint96.
        // forge-lint: disable-next-line(unsafe-typecast)
        (remote.exported, remote.usedInWindow) = (uint96(remoteAfter), uint96(used + amount));
        grantId = ++remote.grants;
        _remoteStates[dstEid] = remote;
        _accounts[account].totalExported = SafeCast.toUint128(exportedAfter);
        _exported[account][dstEid] += amount;
        deadline = uint64(block.timestamp) + config.grantTtl;
    }

    /// @inheritdoc ICollateralVault
    function quoteExport(uint32 dstEid, bytes calldata options) external view returns (MessagingFee memory fee) {
        return quote(dstEid, MsgCodec.TYPE_GRANT, options);
    }

    /// @inheritdoc ICollateralVault
    function quote(uint32 dstEid, uint8 msgType, bytes calldata options) public view returns (MessagingFee memory fee) {
        bytes memory message = new bytes(MsgCodec.sizeOf(msgType));
        return _quote(dstEid, message, combineOptions(dstEid, msgType, options), false);
    }

    /// @inheritdoc ICollateralVault
    function sendHeartbeat(uint32 dstEid, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        uint64 timestamp = uint64(block.timestamp);
        receipt = _lzSend(
            dstEid,
            MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(timestamp)),
            combineOptions(dstEid, MsgCodec.TYPE_HEARTBEAT, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit HeartbeatSent(dstEid, timestamp, receipt.guid);
    }

    /// @inheritdoc ICollateralVault
    function setOperator(address operator, bool approved) external {
        _operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    // ------------------------------------------------------------------ messages from remotes

    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        uint8 msgType = MsgCodec.msgType(message);
        if (msgType == MsgCodec.TYPE_RELEASE) {
            _applyRelease(origin.srcEid, MsgCodec.decodeRelease(message));
        } else if (msgType == MsgCodec.TYPE_USAGE) {
            _applyUsage(origin.srcEid, MsgCodec.decodeUsage(message));
        } else {
            revert Vault_UnexpectedMessage(msgType);
        }
    }

    function _applyRelease(uint32 srcEid, MsgCodec.Release memory release) internal {
        uint256 exported = _exported[release.account][srcEid];
        if (release.amount > exported) {
            revert Vault_ReleaseExceedsExported(release.account, srcEid, release.amount, exported);
        }
        _exported[release.account][srcEid] = exported - release.amount;
        // Both hold at least this account's export to srcEid, which covers the release.
        _accounts[release.account].totalExported -= release.amount;
        // forge-lint: disable-next-line(unsafe-typecast)
        _remoteStates[srcEid].exported -= uint96(release.amount);
        emit CreditReleased(release.account, srcEid, release.amount, uint8(release.reason));
    }

    function _applyUsage(uint32 srcEid, MsgCodec.Usage memory usage) internal {
        Usage storage last = _usage[usage.account][srcEid];
        bool applied = usage.seq > last.seq;
        // Reports may arrive out of order: only a newer sequence number replaces the stored one.
        if (applied) (last.drawn, last.line, last.seq) = (usage.drawn, usage.line, usage.seq);
        emit UsageReported(usage.account, srcEid, usage.drawn, usage.line, usage.seq, applied);
    }

    // ------------------------------------------------------------------ governance (owner = timelock)

    /// @notice Lists `asset` or changes its parameters. Thresholds keep a buffer over LTV and leave room
    /// for the bonus: threshold × (1 + bonus) < 100%. A listed asset keeps its index when delisted.
    function configureAsset(
        address asset,
        uint16 ltvBps,
        uint16 liquidationThresholdBps,
        uint16 liquidationBonusBps,
        uint128 supplyCap,
        bool listed
    ) external onlyOwner {
        if (oracle.feed(asset).aggregator == address(0)) {
            revert Vault_BadConfig(ConfigFault.NoOracleFeed);
        }
        if (ltvBps == 0) revert Vault_BadConfig(ConfigFault.ZeroLtv);
        if (uint256(ltvBps) + MIN_LIQUIDATION_BUFFER_BPS > liquidationThresholdBps) {
            revert Vault_BadConfig(ConfigFault.ThresholdWithinBuffer);
        }
        if (CreditMath.bpsUp(liquidationThresholdBps, CreditMath.BPS + liquidationBonusBps) >= CreditMath.BPS) {
            revert Vault_BadConfig(ConfigFault.BonusTooLarge);
        }
        uint8 decimals = IERC20Metadata(asset).decimals();
        if (decimals > 36) revert Vault_BadConfig(ConfigFault.DecimalsAbove36);
        uint8 slot = _listings[asset].slot;
        if (slot == 0) {
            if (_listedCount >= MAX_LISTED_ASSETS) revert Vault_TooManyListedAssets(MAX_LISTED_ASSETS);
            slot = ++_listedCount;
        }
        _listings[asset] = Listing(slot, listed, supplyCap);
        _risks[slot - 1] = Risk(asset, ltvBps, liquidationThresholdBps, liquidationBonusBps, decimals);
        emit AssetConfigured(
            asset, AssetConfig(ltvBps, liquidationThresholdBps, liquidationBonusBps, decimals, listed, supplyCap)
        );
    }

    /// @notice Sets the limits of remote `eid` (its peer is set separately with `setPeer`).
    function configureRemote(uint32 eid, RemoteConfig calldata config) external onlyOwner {
        if (config.grantTtl == 0) revert Vault_BadConfig(ConfigFault.ZeroGrantTtl);
        if (config.rateWindow == 0) revert Vault_BadConfig(ConfigFault.ZeroRateWindow);
        _remoteConfigs[eid] = config;
        emit RemoteConfigured(eid, config);
    }

    /// @notice Sets the guardian, who can only pause exports.
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Stops new exports (guardian or owner). Deposits, withdrawals and messages keep working.
    function pauseExports() external {
        if (msg.sender != guardian && msg.sender != owner()) revert Vault_OnlyGuardian(msg.sender);
        exportsPaused = true;
        emit ExportsPausedSet(true);
    }

    /// @notice Resumes exports (owner only).
    function unpauseExports() external onlyOwner {
        exportsPaused = false;
        emit ExportsPausedSet(false);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICollateralVault
    function collateralOf(address account, address asset) external view returns (uint256) {
        return _collateral[account][asset];
    }

    /// @inheritdoc ICollateralVault
    function assetsOf(address account) external view returns (address[] memory assets) {
        uint256 mask = _accounts[account].assetMask;
        assets = new address[](_popcount(mask));
        for (uint256 n; mask != 0; ++n) {
            assets[n] = _risks[_lowestBit(mask)].token;
            mask &= mask - 1;
        }
    }

    /// @inheritdoc ICollateralVault
    function assetConfig(address asset) external view returns (AssetConfig memory config) {
        Listing memory listing = _listings[asset];
        if (listing.slot == 0) return config;
        Risk memory risk = _risks[listing.slot - 1];
        return AssetConfig(
            risk.ltvBps,
            risk.liquidationThresholdBps,
            risk.liquidationBonusBps,
            risk.decimals,
            listing.listed,
            listing.supplyCap
        );
    }

    /// @inheritdoc ICollateralVault
    function remoteConfig(uint32 eid) external view returns (RemoteConfig memory) {
        return _remoteConfigs[eid];
    }

    /// @inheritdoc ICollateralVault
    function remoteState(uint32 eid) external view returns (RemoteState memory) {
        return _remoteStates[eid];
    }

    /// @inheritdoc ICollateralVault
    function exportedTo(address account, uint32 eid) external view returns (uint256) {
        return _exported[account][eid];
    }

    /// @inheritdoc ICollateralVault
    function totalExported(address account) external view returns (uint256) {
        return _accounts[account].totalExported;
    }

    /// @inheritdoc ICollateralVault
    function borrowingPower(address account) external view returns (uint256 power) {
        address unpriced;
        (power, unpriced) = _weightedValue(account, _accounts[account].assetMask, false);
        _raiseOracleError(unpriced);
    }

    /// @inheritdoc ICollateralVault
    function health(address account) external view returns (uint256) {
        Account memory state = _accounts[account];
        if (state.totalExported == 0) return INFINITE_HEALTH;
        (uint256 weighted, address unpriced) = _weightedValue(account, state.assetMask, true);
        _raiseOracleError(unpriced);
        return weighted * 1e18 / state.totalExported;
    }

    /// @inheritdoc ICollateralVault
    function isOperator(address account, address operator) external view returns (bool) {
        return _operators[account][operator];
    }

    /// @inheritdoc ICollateralVault
    function usageOf(address account, uint32 eid) external view returns (Usage memory) {
        return _usage[account][eid];
    }

    // ------------------------------------------------------------------ internals

    function _authorize(address account) internal view {
        if (msg.sender != account && !_operators[account][msg.sender]) revert Vault_Unauthorized(account, msg.sender);
    }

    /// @dev Σ value × LTV (power) or × liquidation threshold (health's numerator) over the assets in
    /// `mask`, rounded down. An asset whose price the oracle refuses counts for nothing (rule V-2a: never
    /// more than the prices prove); the last such asset is returned so that a caller can raise the
    /// oracle's own error.
    function _weightedValue(address account, uint256 mask, bool atThreshold)
        internal
        view
        returns (uint256 weighted, address unpriced)
    {
        for (; mask != 0; mask &= mask - 1) {
            Risk memory risk = _risks[_lowestBit(mask)];
            (bool ok, uint256 price,) = oracle.tryPrice(risk.token);
            if (!ok) {
                unpriced = risk.token;
                continue;
            }
            uint256 value = CreditMath.valueDown(_collateral[account][risk.token], price, risk.decimals);
            weighted += CreditMath.bpsDown(value, atThreshold ? risk.liquidationThresholdBps : risk.ltvBps);
        }
    }

    /// @dev Re-throws the oracle's error for `asset` (no-op for the zero address or a price that is good now).
    function _raiseOracleError(address asset) internal view {
        if (asset != address(0)) oracle.price(asset);
    }

    /// @dev Adds the asset at listing `index` to `account`: only the account or its operator may open a new
    /// position (a stranger could otherwise fill its `MAX_ASSETS` with dust).
    function _addAsset(address account, uint8 index) internal {
        _authorize(account);
        uint96 mask = _accounts[account].assetMask;
        if (_popcount(mask) >= MAX_ASSETS) revert Vault_TooManyAssets(account, MAX_ASSETS);
        _accounts[account].assetMask = mask | (uint96(1) << index);
    }

    function _lowestBit(uint256 mask) internal pure returns (uint256) {
        return Math.log2(mask & (~mask + 1));
    }

    function _popcount(uint256 mask) internal pure returns (uint256 count) {
        for (; mask != 0; mask &= mask - 1) {
            ++count;
        }
    }

    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) onlyOwner {
        Ownable2Step.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        Ownable2Step._transferOwnership(newOwner);
    }
}
