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

/// @title CollateralVault
/// @notice Home-chain vault of Ballast: holds collateral, debits exported credit before any `GRANT`
/// leaves, and applies `RELEASE` / `USAGE` from the remotes. It moves state and checks rules; the
/// maths lives in `CreditMath`, the wire format in `MsgCodec`. Spec: docs/PROTOCOL.md.
contract CollateralVault is ICollateralVault, OApp, OAppOptionsType3, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most collateral assets one account may hold (bounds the gas of every health check).
    uint256 public constant MAX_ASSETS = 8;
    /// @notice Least gap between an asset's LTV and its liquidation threshold.
    uint16 public constant MIN_LIQUIDATION_BUFFER_BPS = 200;
    /// @notice Health of an account with nothing exported.
    uint256 internal constant INFINITE_HEALTH = type(uint256).max;

    IOracleAdapter public immutable override oracle;

    mapping(address asset => AssetConfig) public assetConfig;
    /// @notice Σ collateral of all accounts per asset (rule V-4: the vault's balance covers it).
    mapping(address asset => uint256) public totalCollateral;
    mapping(uint32 eid => RemoteConfig) public remoteConfig;
    /// @notice Credit exported to each remote over all accounts.
    mapping(uint32 eid => uint256) public remoteExported;
    RateLimit public rateLimit;
    address public guardian;
    bool public exportsPaused;

    mapping(address account => mapping(address asset => uint256)) internal _collateral;
    mapping(address account => address[]) internal _assets;
    mapping(address account => mapping(uint32 eid => uint256)) internal _exported;
    mapping(address account => uint256) internal _totalExported;
    mapping(address account => mapping(uint32 eid => Usage)) internal _usage;
    mapping(address account => mapping(address operator => bool)) internal _operators;
    uint64 internal _windowStart;
    uint128 internal _usedInWindow;
    uint64 internal _lastGrantId;

    constructor(address endpoint, address owner_, IOracleAdapter oracle_) OApp(endpoint, owner_) Ownable(owner_) {
        oracle = oracle_;
    }

    // ------------------------------------------------------------------ collateral

    /// @inheritdoc ICollateralVault
    function deposit(address account, address asset, uint256 amount) external nonReentrant {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig memory config = assetConfig[asset];
        if (!config.listed) revert Vault_AssetNotListed(asset);
        uint256 totalAfter = totalCollateral[asset] + amount;
        if (totalAfter > config.supplyCap) revert Vault_SupplyCapExceeded(asset, config.supplyCap, totalAfter);

        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(asset).balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert Vault_TransferAmountMismatch(asset, amount, received);

        uint256 balance = _collateral[account][asset];
        if (balance == 0) _addAsset(account, asset);
        _collateral[account][asset] = balance + amount;
        totalCollateral[asset] = totalAfter;
        emit Deposited(account, asset, msg.sender, amount);
    }

    /// @inheritdoc ICollateralVault
    function withdraw(address account, address asset, uint256 amount, address receiver) external nonReentrant {
        _authorize(account);
        if (amount == 0) revert Vault_ZeroAmount();
        uint256 balance = _collateral[account][asset];
        if (amount > balance) revert Vault_InsufficientCollateral(account, asset, amount, balance);
        _collateral[account][asset] = balance - amount;
        totalCollateral[asset] -= amount;
        if (balance == amount) _removeAsset(account, asset);

        uint256 exported = _totalExported[account];
        if (exported > 0) {
            uint256 powerAfter = _power(account);
            if (powerAfter < exported) revert Vault_WithdrawExceedsPower(account, powerAfter, exported);
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
        uint64 deadline = _debitExport(account, dstEid, amount);
        if (receiver == address(0)) receiver = account;
        uint64 grantId = ++_lastGrantId;
        receipt = _lzSend(
            dstEid,
            MsgCodec.encodeGrant(MsgCodec.Grant(account, receiver, amount, deadline, grantId)),
            combineOptions(dstEid, MsgCodec.TYPE_GRANT, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit CreditExported(account, dstEid, receiver, amount, grantId, deadline, receipt.guid);
    }

    /// @dev Checks every export rule and debits home (rule V-1: before the GRANT exists); returns the deadline.
    function _debitExport(address account, uint32 dstEid, uint128 amount) internal returns (uint64 deadline) {
        if (amount == 0) revert Vault_ZeroAmount();
        if (exportsPaused) revert Vault_ExportsPaused();
        RemoteConfig memory remote = remoteConfig[dstEid];
        if (!remote.enabled) revert Vault_RemoteDisabled(dstEid);
        uint256 remoteAfter = remoteExported[dstEid] + amount;
        if (remoteAfter > remote.creditCap) revert Vault_RemoteCapExceeded(dstEid, remote.creditCap, remoteAfter);
        _consumeRateLimit(amount);

        uint256 exportedBefore = _totalExported[account];
        uint256 power = _power(account);
        if (exportedBefore + amount > power) {
            revert Vault_ExportExceedsPower(account, amount, power > exportedBefore ? power - exportedBefore : 0);
        }
        _exported[account][dstEid] += amount;
        _totalExported[account] = exportedBefore + amount;
        remoteExported[dstEid] = remoteAfter;
        return uint64(block.timestamp) + remote.grantTtl;
    }

    /// @inheritdoc ICollateralVault
    function quoteExport(uint32 dstEid, bytes calldata options) external view returns (MessagingFee memory fee) {
        bytes memory message = new bytes(MsgCodec.SIZE_GRANT);
        return _quote(dstEid, message, combineOptions(dstEid, MsgCodec.TYPE_GRANT, options), false);
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
        _totalExported[release.account] -= release.amount;
        remoteExported[srcEid] -= release.amount;
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
    /// for the bonus: threshold × (1 + bonus) < 100%.
    function configureAsset(
        address asset,
        uint16 ltvBps,
        uint16 liquidationThresholdBps,
        uint16 liquidationBonusBps,
        uint128 supplyCap,
        bool listed
    ) external onlyOwner {
        if (oracle.feed(asset).aggregator == address(0)) {
            revert Vault_BadConfig("asset has no oracle feed");
        }
        if (ltvBps == 0) revert Vault_BadConfig("ltv is zero");
        if (uint256(ltvBps) + MIN_LIQUIDATION_BUFFER_BPS > liquidationThresholdBps) {
            revert Vault_BadConfig("threshold within buffer of ltv");
        }
        if (CreditMath.bpsUp(liquidationThresholdBps, CreditMath.BPS + liquidationBonusBps) >= CreditMath.BPS) {
            revert Vault_BadConfig("threshold x (1 + bonus) >= 100%");
        }
        uint8 decimals = IERC20Metadata(asset).decimals();
        if (decimals > 36) revert Vault_BadConfig("decimals above 36");
        AssetConfig memory config =
            AssetConfig(ltvBps, liquidationThresholdBps, liquidationBonusBps, decimals, listed, supplyCap);
        assetConfig[asset] = config;
        emit AssetConfigured(asset, config);
    }

    /// @notice Sets the limits of remote `eid` (its peer is set separately with `setPeer`).
    function configureRemote(uint32 eid, bool enabled, uint32 grantTtl, uint128 creditCap) external onlyOwner {
        if (grantTtl == 0) revert Vault_BadConfig("grant ttl is zero");
        RemoteConfig memory config = RemoteConfig(enabled, grantTtl, creditCap);
        remoteConfig[eid] = config;
        emit RemoteConfigured(eid, config);
    }

    /// @notice Sets the global export rate limit.
    function setRateLimit(uint32 window, uint128 maxPerWindow) external onlyOwner {
        if (window == 0) revert Vault_BadConfig("rate-limit window is zero");
        rateLimit = RateLimit(window, maxPerWindow);
        emit RateLimitSet(rateLimit);
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
    function assetsOf(address account) external view returns (address[] memory) {
        return _assets[account];
    }

    /// @inheritdoc ICollateralVault
    function exportedTo(address account, uint32 eid) external view returns (uint256) {
        return _exported[account][eid];
    }

    /// @inheritdoc ICollateralVault
    function totalExported(address account) external view returns (uint256) {
        return _totalExported[account];
    }

    /// @inheritdoc ICollateralVault
    function borrowingPower(address account) external view returns (uint256) {
        return _power(account);
    }

    /// @inheritdoc ICollateralVault
    function health(address account) external view returns (uint256) {
        uint256 exported = _totalExported[account];
        if (exported == 0) return INFINITE_HEALTH;
        address[] storage assets = _assets[account];
        uint256 weighted;
        for (uint256 i; i < assets.length; ++i) {
            address asset = assets[i];
            AssetConfig memory config = assetConfig[asset];
            uint256 value = CreditMath.valueDown(_collateral[account][asset], oracle.price(asset), config.decimals);
            weighted += CreditMath.bpsDown(value, config.liquidationThresholdBps);
        }
        return weighted * 1e18 / exported;
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

    /// @dev Σ value × LTV over the account's assets, rounded down; reverts on any bad price (oracle rules).
    function _power(address account) internal view returns (uint256 power) {
        address[] storage assets = _assets[account];
        for (uint256 i; i < assets.length; ++i) {
            address asset = assets[i];
            AssetConfig memory config = assetConfig[asset];
            uint256 value = CreditMath.valueDown(_collateral[account][asset], oracle.price(asset), config.decimals);
            power += CreditMath.bpsDown(value, config.ltvBps);
        }
    }

    function _consumeRateLimit(uint256 amount) internal {
        RateLimit memory limit = rateLimit;
        uint256 used = _usedInWindow;
        if (block.timestamp >= uint256(_windowStart) + limit.window) {
            _windowStart = uint64(block.timestamp);
            used = 0;
        }
        if (used + amount > limit.maxPerWindow) {
            // The limit may have been lowered below what this window already used.
            revert Vault_RateLimited(amount, limit.maxPerWindow > used ? limit.maxPerWindow - used : 0);
        }
        // Fits: used + amount ≤ maxPerWindow, a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        _usedInWindow = uint128(used + amount);
    }

    function _addAsset(address account, address asset) internal {
        address[] storage assets = _assets[account];
        if (assets.length >= MAX_ASSETS) revert Vault_TooManyAssets(account, MAX_ASSETS);
        assets.push(asset);
    }

    function _removeAsset(address account, address asset) internal {
        address[] storage assets = _assets[account];
        uint256 last = assets.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (assets[i] == asset) {
                assets[i] = assets[last];
                assets.pop();
                return;
            }
        }
    }

    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) onlyOwner {
        Ownable2Step.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        Ownable2Step._transferOwnership(newOwner);
    }
}
