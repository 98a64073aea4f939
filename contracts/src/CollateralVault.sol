// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "./interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "./interfaces/IOracleAdapter.sol";
import { Bitmask } from "./libraries/Bitmask.sol";
import { CreditMath } from "./libraries/CreditMath.sol";
import { MsgCodec } from "./libraries/MsgCodec.sol";
import { VaultLogic } from "./libraries/VaultLogic.sol";
import { VaultRisk } from "./libraries/VaultRisk.sol";
import { VaultStorage } from "./libraries/VaultStorage.sol";
import { MessagingFee, MessagingReceipt, OApp, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OAppOptionsType3.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CollateralVault
/// @notice Home-chain vault of Ballast: holds collateral, debits exported credit before any `GRANT`
/// leaves, and applies `RELEASE` / `USAGE` from the remotes. It moves state and checks rules; the
/// maths lives in `CreditMath`, the wire format in `MsgCodec`. Spec: docs/PROTOCOL.md.
contract CollateralVault is ICollateralVault, OApp, OAppOptionsType3, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most collateral assets one account may hold (bounds the gas of every health check).
    uint256 public constant MAX_ASSETS = 8;

    IOracleAdapter public immutable override oracle;

    address public guardian;
    bool public exportsPaused;

    VaultStorage.Layout internal $;

    constructor(address endpoint, address owner_, IOracleAdapter oracle_) OApp(endpoint, owner_) Ownable(owner_) {
        oracle = oracle_;
    }

    // ------------------------------------------------------------------ collateral

    /// @inheritdoc ICollateralVault
    function deposit(address account, address asset, uint256 amount) external nonReentrant {
        if (amount == 0) revert Vault_ZeroAmount();
        VaultStorage.Listing memory listing = $.listings[asset];
        if (!listing.listed) revert Vault_AssetNotListed(asset);

        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = IERC20(asset).balanceOf(address(this));
        if (balanceAfter - balanceBefore != amount) {
            revert Vault_TransferAmountMismatch(asset, amount, balanceAfter - balanceBefore);
        }
        // The vault's balance covers Σ collateral (rule V-4), so capping it caps the collateral too.
        if (balanceAfter > listing.supplyCap) revert Vault_SupplyCapExceeded(asset, listing.supplyCap, balanceAfter);
        // Read after the transfer (rule L-14): whatever a token's hook did meanwhile is not overwritten.
        uint256 balance = $.collateral[account][asset];
        if (balance == 0) _addAsset(account, listing.slot - 1);
        $.collateral[account][asset] = balance + amount;
        emit Deposited(account, asset, msg.sender, amount);
    }

    /// @inheritdoc ICollateralVault
    function withdraw(address account, address asset, uint256 amount, address receiver) external nonReentrant {
        VaultLogic.withdraw($, oracle, account, asset, amount, receiver);
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
        RemoteConfig memory config = $.remoteConfigs[dstEid];
        if (!config.enabled) revert Vault_RemoteDisabled(dstEid);
        RemoteState memory remote = $.remoteStates[dstEid];
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

        VaultStorage.Account memory state = $.accounts[account];
        if (state.epoch & 1 == 1) revert Vault_AccountFlagged(account);
        uint256 exportedAfter = uint256(state.totalExported) + amount;
        (uint256 power, address unpriced) = VaultLogic.weightedValue($, oracle, account, state.assetMask, false);
        if (exportedAfter > power) {
            VaultLogic.raiseOracleError(oracle, unpriced);
            revert Vault_ExportExceedsPower(
                account, amount, power > state.totalExported ? power - state.totalExported : 0
            );
        }
        // Both fit: remoteAfter ≤ creditCap and used + amount ≤ maxPerWindow, each a uint96.
        // forge-lint: disable-next-line(unsafe-typecast)
        (remote.exported, remote.usedInWindow) = (uint96(remoteAfter), uint96(used + amount));
        grantId = ++remote.grants;
        $.remoteStates[dstEid] = remote;
        $.accounts[account].totalExported = SafeCast.toUint128(exportedAfter);
        $.exported[account][dstEid] += amount;
        deadline = uint64(block.timestamp) + config.grantTtl;
    }

    /// @inheritdoc ICollateralVault
    function quoteExport(uint32 dstEid, bytes calldata options) external view returns (MessagingFee memory fee) {
        return quote(dstEid, MsgCodec.TYPE_GRANT, options);
    }

    /// @inheritdoc ICollateralVault
    function quote(uint32 dstEid, uint8 msgType, bytes calldata options) public view returns (MessagingFee memory fee) {
        return VaultLogic.quote(dstEid, msgType, options);
    }

    /// @inheritdoc ICollateralVault
    function sendHeartbeat(uint32 dstEid, bytes calldata options) external payable returns (MessagingReceipt memory) {
        return VaultLogic.sendHeartbeat(dstEid, options, msg.value);
    }

    /// @inheritdoc ICollateralVault
    function setOperator(address operator, bool approved) external {
        $.operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    // ------------------------------------------------------------------ messages from remotes

    /// @dev Every message from a remote (RELEASE, USAGE, SEIZE) is applied by `VaultLogic.receiveMessage`, never
    /// while another guarded vault call runs (rule L-14): a verified packet may be executed by anyone, so without
    /// the guard a token's transfer hook could apply a `SEIZE` in the middle of a deposit. The endpoint keeps the
    /// packet, which lands once the outer call is over.
    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
        nonReentrant
    {
        VaultLogic.receiveMessage($, oracle, origin.srcEid, message);
    }

    // ------------------------------------------------------------------ liquidation (cold path in VaultLogic)

    /// @inheritdoc ICollateralVault
    function flag(address account, bytes calldata options) external payable nonReentrant {
        VaultLogic.flag($, oracle, account, options, msg.value);
    }

    /// @inheritdoc ICollateralVault
    function clear(address account, bytes calldata options) external payable nonReentrant {
        VaultLogic.clear($, oracle, account, options, msg.value);
    }

    /// @inheritdoc ICollateralVault
    function recall(address account, uint32 dstEid, uint128 amount, bytes calldata options)
        external
        payable
        nonReentrant
    {
        VaultLogic.recall($, oracle, account, dstEid, amount, options, msg.value);
    }

    /// @inheritdoc ICollateralVault
    function reportBadDebt(address account, uint32 dstEid, bytes calldata options) external payable nonReentrant {
        VaultLogic.reportBadDebt($, oracle, account, dstEid, options, msg.value);
    }

    /// @inheritdoc ICollateralVault
    function claim(address asset, address to) external nonReentrant returns (uint256) {
        return VaultLogic.claim($, msg.sender, asset, to);
    }

    /// @inheritdoc ICollateralVault
    function quoteNotices(address account, uint8 msgType, bytes calldata options) external view returns (uint256) {
        return VaultLogic.quoteNotices($, account, msgType, options);
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
        VaultRisk.configureAsset(
            $, oracle, asset, ltvBps, liquidationThresholdBps, liquidationBonusBps, supplyCap, listed
        );
    }

    /// @notice Sets the limits of remote `eid` (its peer is set separately with `setPeer`).
    function configureRemote(uint32 eid, RemoteConfig calldata config) external onlyOwner {
        VaultRisk.configureRemote($, eid, config);
    }

    /// @notice Sets the liquidation settings.
    function configureLiquidation(LiquidationConfig calldata config) external onlyOwner {
        VaultRisk.configureLiquidation($, config);
    }

    /// @inheritdoc ICollateralVault
    function setDustFloor(uint128 dustFloor_) external onlyOwner {
        VaultLogic.setDustFloor($, dustFloor_);
    }

    /// @inheritdoc ICollateralVault
    function setRiskAdmin(address riskAdmin) external onlyOwner {
        $.riskAdmin = riskAdmin;
        emit RiskAdminSet(riskAdmin);
    }

    /// @inheritdoc ICollateralVault
    function queueRiskUpdate(RiskUpdate calldata update) external returns (bytes32) {
        return VaultRisk.queueRiskUpdate($, oracle, update, owner());
    }

    /// @inheritdoc ICollateralVault
    function applyRiskUpdate(RiskUpdate calldata update) external {
        VaultRisk.applyRiskUpdate($, oracle, update);
    }

    /// @inheritdoc ICollateralVault
    function cancelRiskUpdate(bytes32 id) external {
        VaultRisk.cancelRiskUpdate($, id, owner(), guardian);
    }

    /// @inheritdoc ICollateralVault
    function riskOf(address assetA, address assetB) external view returns (uint16, uint40) {
        return VaultRisk.riskOf($, assetA, assetB);
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
        return $.collateral[account][asset];
    }

    /// @inheritdoc ICollateralVault
    function assetsOf(address account) external view returns (address[] memory) {
        return VaultLogic.assetsOf($, account);
    }

    /// @inheritdoc ICollateralVault
    function assetConfig(address asset) external view returns (AssetConfig memory) {
        return VaultLogic.assetConfig($, asset);
    }

    /// @inheritdoc ICollateralVault
    function remoteConfig(uint32 eid) external view returns (RemoteConfig memory) {
        return $.remoteConfigs[eid];
    }

    /// @inheritdoc ICollateralVault
    function remoteState(uint32 eid) external view returns (RemoteState memory) {
        return $.remoteStates[eid];
    }

    /// @inheritdoc ICollateralVault
    function exportedTo(address account, uint32 eid) external view returns (uint256) {
        return $.exported[account][eid];
    }

    /// @inheritdoc ICollateralVault
    function totalExported(address account) external view returns (uint256) {
        return $.accounts[account].totalExported;
    }

    /// @inheritdoc ICollateralVault
    function borrowingPower(address account) external view returns (uint256) {
        return VaultLogic.borrowingPower($, oracle, account);
    }

    /// @inheritdoc ICollateralVault
    function health(address account) external view returns (uint256) {
        return VaultLogic.health($, oracle, account);
    }

    /// @inheritdoc ICollateralVault
    function liquidationHealth(address account) external view returns (uint256) {
        return VaultLogic.liquidationHealth($, oracle, account);
    }

    /// @inheritdoc ICollateralVault
    function epochOf(address account) external view returns (uint32) {
        return $.accounts[account].epoch;
    }

    /// @inheritdoc ICollateralVault
    function flaggedSinceOf(address account) external view returns (uint32) {
        return $.flaggedSince[account];
    }

    /// @inheritdoc ICollateralVault
    function remotes() external view returns (uint32[] memory) {
        return $.remotes;
    }

    /// @inheritdoc ICollateralVault
    function claimableOf(address owner_, address asset) external view returns (uint256) {
        return $.claimable[owner_][asset];
    }

    /// @inheritdoc ICollateralVault
    function dustFloor() external view returns (uint128) {
        return $.dustFloor;
    }

    /// @inheritdoc ICollateralVault
    function liquidationConfig() external view returns (LiquidationConfig memory) {
        return $.liquidation;
    }

    /// @inheritdoc ICollateralVault
    function isOperator(address account, address operator) external view returns (bool) {
        return $.operators[account][operator];
    }

    /// @inheritdoc ICollateralVault
    function usageOf(address account, uint32 eid) external view returns (Usage memory) {
        return $.usage[account][eid];
    }

    // ------------------------------------------------------------------ internals

    function _authorize(address account) internal view {
        if (msg.sender != account && !$.operators[account][msg.sender]) revert Vault_Unauthorized(account, msg.sender);
    }

    /// @dev Adds the asset at listing `index` to `account`: only the account or its operator may open a new
    /// position (a stranger could otherwise fill its `MAX_ASSETS` with dust), and never while it is flagged (dust
    /// of an asset whose feed is down must not join a liquidation; rule L-11).
    function _addAsset(address account, uint8 index) internal {
        _authorize(account);
        VaultStorage.Account memory state = $.accounts[account];
        if (state.epoch & 1 == 1) revert Vault_AccountFlagged(account);
        uint96 mask = state.assetMask;
        if (Bitmask.count(mask) >= MAX_ASSETS) revert Vault_TooManyAssets(account, MAX_ASSETS);
        $.accounts[account].assetMask = mask | (uint96(1) << index);
    }

    /// @notice Takes the endpoint's refund of what a notice's budget held beyond its fee (VaultLogic passes it
    /// on to the caller before the call ends); the vault holds no ether otherwise.
    receive() external payable { }

    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) onlyOwner {
        Ownable2Step.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        Ownable2Step._transferOwnership(newOwner);
    }
}
