// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IOracleAdapter } from "./IOracleAdapter.sol";
import { MessagingFee, MessagingReceipt } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";

/// @title ICollateralVault
/// @notice The home chain's vault: multi-asset ERC-20 collateral per account, the authoritative record
/// of credit exported to each remote chain, and the LayerZero OApp that sends `GRANT` and `HEARTBEAT`
/// and applies `RELEASE` and `USAGE` (docs/PROTOCOL.md).
/// @dev Units: credit is USD with 18 decimals; prices are 1e18 USD per whole token (IOracleAdapter);
/// token amounts keep the token's decimals. Rounding is always against the account: power rounds down.
/// @dev Warning: listed assets must be plain ERC-20s. Fee-on-transfer tokens are refused at deposit
/// (the received amount must equal the requested amount); rebasing tokens must not be listed — the vault
/// would not see a rebase, and a negative one would break rule V-4 (backing).
/// @dev Warning: the owner is expected to be a timelock; the guardian can only pause exports.
interface ICollateralVault {
    /// @notice Risk parameters of a listed collateral asset.
    struct AssetConfig {
        /// Borrowing power per unit of value, in basis points.
        uint16 ltvBps;
        /// Value counted for health, in basis points; must exceed `ltvBps` by `MIN_LIQUIDATION_BUFFER_BPS`.
        uint16 liquidationThresholdBps;
        /// Extra collateral a liquidator receives, in basis points of the repaid credit.
        uint16 liquidationBonusBps;
        /// The token's decimals, read at listing.
        uint8 decimals;
        /// Whether new deposits are accepted (an unlisted asset keeps counting for accounts that hold it).
        bool listed;
        /// Most the vault holds of this asset, in token units.
        uint128 supplyCap;
    }

    /// @notice Limits of one remote chain (one storage slot, read by every export to it).
    struct RemoteConfig {
        /// Whether new exports to this remote are accepted.
        bool enabled;
        /// Seconds a `GRANT` may spend in flight before the remote bounces it home (≤ 194 days).
        uint24 grantTtl;
        /// Length in seconds of the fixed window of the export rate limit (≤ 194 days).
        uint24 rateWindow;
        /// Most credit (1e18 USD) exported to this remote over all accounts.
        uint96 creditCap;
        /// Most credit (1e18 USD) exported to this remote per rate window (bounds a compromised pathway).
        uint96 maxPerWindow;
    }

    /// @notice What the vault tracks of one remote (one storage slot, written by every export to it).
    struct RemoteState {
        /// Credit exported to this remote over all accounts (≤ `creditCap`).
        uint96 exported;
        /// Credit exported in the current rate window.
        uint96 usedInWindow;
        /// Start of the current rate window.
        uint32 windowStart;
        /// Grants sent to this remote; the next `GRANT`'s id is this plus one.
        uint32 grants;
    }

    /// @notice Last `USAGE` report from a remote for an account.
    struct Usage {
        uint128 drawn;
        uint128 line;
        uint64 seq;
    }

    /// @notice Liquidation settings (one slot; set by governance).
    struct LiquidationConfig {
        /// Share of an account's drawn credit on a remote a liquidator may repay per flag, in basis points.
        uint16 closeFactorBps;
        /// Seconds past a feed's heartbeat that its last good price still prices a liquidation (never an
        /// export or withdrawal), so a late oracle update cannot stop liquidations (ARCHITECTURE.md §8).
        uint32 priceTolerance;
        /// Health (1e18 = 1) under which anyone may `recall` an account's undrawn credit.
        uint64 recallHealth;
    }

    /// @notice A change of the portfolio term's inputs (queued by the risk admin, applied after a delay).
    struct RiskUpdate {
        /// Correlations to set, per pair of listed assets.
        CorrelationUpdate[] correlations;
        /// Liquidity depths to set, per listed asset.
        DepthUpdate[] depths;
    }

    /// @notice Correlation of the returns of two listed assets over the liquidation horizon.
    struct CorrelationUpdate {
        address assetA;
        address assetB;
        /// In basis points, at least `MIN_CORRELATION_BPS`, at most 10,000.
        uint16 correlationBps;
    }

    /// @notice Liquidity depth of a listed asset: what can be sold within the liquidation horizon at no more
    /// than its ordinary haircut; larger positions lose power progressively (docs/RISK.md#size-haircut).
    struct DepthUpdate {
        address asset;
        /// Thousands of USD; 0 removes the size haircut.
        uint40 depthThousands;
    }

    /// @notice Emitted when `amount` of `asset` is deposited for `account` by `caller`.
    event Deposited(address indexed account, address indexed asset, address indexed caller, uint256 amount);
    /// @notice Emitted when `amount` of `asset` is withdrawn from `account` to `receiver` by `caller`.
    event Withdrawn(
        address indexed account, address indexed asset, address indexed caller, address receiver, uint256 amount
    );
    /// @notice Emitted when credit is exported (debited at home, `GRANT` sent).
    event CreditExported(
        address indexed account,
        uint32 indexed dstEid,
        address receiver,
        uint128 amount,
        uint64 grantId,
        uint64 deadline,
        bytes32 guid
    );
    /// @notice Emitted when a remote's `RELEASE` returns credit (exported decreases).
    event CreditReleased(address indexed account, uint32 indexed srcEid, uint128 amount, uint8 reason);
    /// @notice Emitted when a `USAGE` report is applied (`applied` false: it was older than the last one).
    event UsageReported(
        address indexed account, uint32 indexed srcEid, uint128 drawn, uint128 line, uint64 seq, bool applied
    );
    /// @notice Emitted when a `HEARTBEAT` is sent to a remote.
    event HeartbeatSent(uint32 indexed dstEid, uint64 timestamp, bytes32 guid);
    /// @notice Emitted when `account` approves or revokes `operator`.
    event OperatorSet(address indexed account, address indexed operator, bool approved);
    /// @notice Emitted when an asset is listed or its parameters change.
    event AssetConfigured(address indexed asset, AssetConfig config);
    /// @notice Emitted when a remote's limits change.
    event RemoteConfigured(uint32 indexed eid, RemoteConfig config);
    /// @notice Emitted when the guardian changes.
    event GuardianSet(address guardian);
    /// @notice Emitted when exports are paused or unpaused.
    event ExportsPausedSet(bool paused);
    /// @notice Emitted when the owner names the risk admin.
    event RiskAdminSet(address riskAdmin);
    /// @notice Emitted when the risk admin queues `update` (hash `id`); it may be applied from `notBefore`.
    event RiskUpdateQueued(bytes32 indexed id, uint256 notBefore, RiskUpdate update);
    /// @notice Emitted when a queued risk update is applied.
    event RiskUpdateApplied(bytes32 indexed id);
    /// @notice Emitted when the risk admin or the owner cancels a queued risk update.
    event RiskUpdateCancelled(bytes32 indexed id);
    /// @notice Emitted when the liquidation settings change.
    event LiquidationConfigured(LiquidationConfig config);
    /// @notice Emitted when `account` is flagged at `epoch` (odd); `remoteMask` names the remotes told (bit i: `remotes()[i]`).
    event AccountFlagged(address indexed account, uint32 epoch, uint256 health, uint256 remoteMask);
    /// @notice Emitted when a flagged `account` proved healthy and was cleared at `epoch` (even).
    event AccountCleared(address indexed account, uint32 epoch, uint256 health);
    /// @notice Emitted for each remote a `LIQUIDATABLE` or `CLEAR` skipped because it is cut (no peer, or
    /// disabled); the flag or clear took effect at home all the same (docs/PROTOCOL.md L-12).
    event NoticeSkipped(address indexed account, uint32 indexed dstEid, uint8 indexed msgType, uint32 epoch);
    /// @notice Emitted when the owner sets the dust floor (1e18 USD) of bad-debt write-offs.
    event DustFloorSet(uint128 dustFloor);
    /// @notice Emitted for every `RECALL`, `LIQUIDATABLE`, `CLEAR` and `BAD_DEBT` sent to a remote.
    /// @param value The recall's or bad debt's amount (1e18 USD), 0 for the others.
    event NoticeSent(
        address indexed account, uint32 indexed dstEid, uint8 indexed msgType, uint32 epoch, uint256 value, bytes32 guid
    );
    /// @notice Emitted when a remote's `SEIZE` is applied: `repaid` credit left `exported`, the liquidator was
    /// paid (`withBonus` false: at par, the account was not liquidatable at home at the seize's epoch), and
    /// `unpaid` credit found no collateral left (bad debt).
    event SeizeApplied(
        address indexed account,
        uint32 indexed srcEid,
        address indexed liquidator,
        uint128 repaid,
        uint64 epoch,
        uint64 seizeId,
        bool withBonus,
        uint256 unpaid
    );
    /// @notice Emitted per asset a `SEIZE` pays; `claimable` true: the token refused the transfer, `claim` it.
    event CollateralSeized(
        address indexed account, address indexed liquidator, address indexed asset, uint256 amount, bool claimable
    );
    /// @notice Emitted when `owner` claims seized collateral the token had refused to send.
    event Claimed(address indexed owner, address indexed asset, address to, uint256 amount);

    /// @notice Thrown when `caller` acts for `account` without being it or its operator.
    error Vault_Unauthorized(address account, address caller);
    /// @notice Thrown when an amount is zero.
    error Vault_ZeroAmount();
    /// @notice Thrown when depositing an asset that is not listed.
    error Vault_AssetNotListed(address asset);
    /// @notice Thrown when a deposit would take the vault's holding of `asset` over its cap.
    error Vault_SupplyCapExceeded(address asset, uint256 cap, uint256 totalAfter);
    /// @notice Thrown when the vault received a different amount than transferred (fee-on-transfer token).
    error Vault_TransferAmountMismatch(address asset, uint256 expected, uint256 received);
    /// @notice Thrown when withdrawing more of `asset` than `account` holds.
    error Vault_InsufficientCollateral(address account, address asset, uint256 requested, uint256 available);
    /// @notice Thrown when an export would take exported credit over borrowing power.
    error Vault_ExportExceedsPower(address account, uint256 requested, uint256 available);
    /// @notice Thrown when a withdrawal would leave borrowing power below exported credit.
    error Vault_WithdrawExceedsPower(address account, uint256 powerAfter, uint256 exported);
    /// @notice Thrown when exporting to a remote that is not enabled.
    error Vault_RemoteDisabled(uint32 eid);
    /// @notice Thrown when an export would take a remote's exported credit over its cap.
    error Vault_RemoteCapExceeded(uint32 eid, uint256 cap, uint256 totalAfter);
    /// @notice Thrown when an export exceeds what the rate limit of remote `eid` allows in the current window.
    error Vault_RateLimited(uint32 eid, uint256 requested, uint256 available);
    /// @notice Thrown when exporting while exports are paused.
    error Vault_ExportsPaused();
    /// @notice Thrown when an account would hold more than `MAX_ASSETS` collateral assets.
    error Vault_TooManyAssets(address account, uint256 max);
    /// @notice Thrown when listing an asset beyond `MAX_LISTED_ASSETS` (delisted assets keep their place).
    error Vault_TooManyListedAssets(uint256 max);
    /// @notice Thrown when exporting or withdrawing for a flagged account (`clear` it first if it is healthy).
    error Vault_AccountFlagged(address account);
    /// @notice Thrown when flagging an account whose home health is at least 1.
    error Vault_AccountHealthy(address account, uint256 health);
    /// @notice Thrown when clearing an account that is not flagged.
    error Vault_NotFlagged(address account);
    /// @notice Thrown when clearing a flagged account whose health is still below 1.
    error Vault_StillUnhealthy(address account, uint256 health);
    /// @notice Thrown when a stranger recalls credit of an account whose health is at or above the recall health.
    error Vault_RecallNotAllowed(address account, address caller, uint256 health);
    /// @notice Thrown when reporting bad debt for an account that is not flagged, exported nothing to `eid`, or still
    /// holds collateral worth the dust floor or more (or with health at least 1).
    error Vault_NoBadDebt(address account, uint32 eid);
    /// @notice Thrown when a `SEIZE` id from `srcEid` was already applied (kept retryable, never applied twice).
    error Vault_DuplicateSeize(uint32 srcEid, uint64 seizeId);
    /// @notice Thrown when a `SEIZE` repays more than was exported to its remote (impossible under rule V-1).
    error Vault_SeizeExceedsExported(address account, uint32 eid, uint256 repaid, uint256 exported);
    /// @notice Thrown when claiming with nothing claimable.
    error Vault_NothingToClaim(address owner, address asset);
    /// @notice Thrown when someone other than the risk admin queues a risk update (or other than it or the
    /// owner cancels one).
    error Vault_OnlyRiskAdmin(address caller);
    /// @notice Thrown when applying a risk update that was never queued (or was applied or cancelled).
    error Vault_RiskUpdateUnknown(bytes32 id);
    /// @notice Thrown when applying a risk update before its delay has passed.
    error Vault_RiskUpdateNotReady(bytes32 id, uint256 notBefore);
    /// @notice Thrown when a correlation is outside [`MIN_CORRELATION_BPS`, 10,000] or names an asset twice or
    /// an unlisted one.
    error Vault_BadCorrelation(address assetA, address assetB, uint256 correlationBps);
    /// @notice Thrown when a depth names an asset that was never listed.
    error Vault_BadDepth(address asset);
    /// @notice Thrown when a risk update would move the depth of `asset` from `current` to `proposed` by more
    /// than a factor of two (or remove it, or set a first depth below half the value the vault holds of it).
    error Vault_DepthStepTooLarge(address asset, uint256 current, uint256 proposed);
    /// @notice Thrown when a risk update would move a correlation from `current` to `proposed` (bps) by more than
    /// a factor of two.
    error Vault_CorrelationStepTooLarge(address assetA, address assetB, uint256 current, uint256 proposed);
    /// @notice Thrown when configuring more than `MAX_REMOTES` remotes.
    error Vault_TooManyRemotes(uint256 max);
    /// @notice Which configuration rule a governance call broke.
    enum ConfigFault {
        /// The asset has no feed on the oracle adapter.
        NoOracleFeed,
        /// LTV is zero.
        ZeroLtv,
        /// The liquidation threshold is less than `MIN_LIQUIDATION_BUFFER_BPS` above LTV.
        ThresholdWithinBuffer,
        /// threshold × (1 + bonus) ≥ 100%: a liquidation could take more than the collateral.
        BonusTooLarge,
        /// The token has more than 36 decimals.
        DecimalsAbove36,
        /// A remote's grant TTL is zero.
        ZeroGrantTtl,
        /// A remote's rate window is zero.
        ZeroRateWindow,
        /// The close factor is 0 or above 10,000 bps.
        CloseFactorOutOfRange,
        /// The recall health is below 1 (1e18).
        RecallHealthBelowOne
    }

    /// @notice Thrown when a configuration value breaks a rule (`fault` names it).
    error Vault_BadConfig(ConfigFault fault);
    /// @notice Thrown when a `RELEASE` returns more than was exported (impossible under rule V-1; kept retryable).
    error Vault_ReleaseExceedsExported(address account, uint32 eid, uint256 amount, uint256 exported);
    /// @notice Thrown when a message of a type the vault does not handle arrives (kept retryable).
    error Vault_UnexpectedMessage(uint8 msgType);
    /// @notice Thrown when someone other than the guardian or owner pauses.
    error Vault_OnlyGuardian(address caller);

    /// @notice The oracle adapter pricing every asset.
    function oracle() external view returns (IOracleAdapter);

    /// @notice Deposits `amount` of `asset` from the caller as collateral of `account`. Allowed while exports are paused.
    /// @dev Anyone may top up an asset `account` already holds; adding a new asset to an account takes the
    /// account or its operator (nobody can fill another account's `MAX_ASSETS` with dust). The supply cap
    /// bounds the vault's balance of the asset, which covers every account's collateral (rule V-4). A flagged
    /// account cannot add a new asset (`Vault_AccountFlagged`; rule L-11); the balance is read after the transfer
    /// and no endpoint delivery can run meanwhile (rule L-14).
    /// @dev Warning: tokens with transfer hooks (ERC-777 and the like) are not refused at listing (no on-chain
    /// test can tell them), but nothing a hook does can change the vault's books mid-call (docs/DECISIONS.md).
    function deposit(address account, address asset, uint256 amount) external;

    /// @notice Withdraws `amount` of `asset` from `account` to `receiver`; the caller is `account` or its operator.
    /// @dev Reverts with `Vault_WithdrawExceedsPower` if power after the withdrawal is below exported credit
    /// (rule V-3). An account with nothing exported withdraws without any price read, even with a stale feed.
    /// An asset whose price is unusable counts for no power (rule V-3a); if the check fails while one was
    /// skipped, the oracle's own error is raised instead, so the caller learns which feed is at fault.
    function withdraw(address account, address asset, uint256 amount, address receiver) external;

    /// @notice Exports `amount` of credit of `account` to `receiver` on `dstEid`: debits home first, then sends `GRANT`.
    /// @dev `msg.value` must cover `quoteExport`; the endpoint refunds any excess to the caller. `options` are
    /// appended to the enforced options for `GRANT`.
    function exportCredit(address account, uint32 dstEid, uint128 amount, address receiver, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice The fee of `exportCredit` with the same arguments.
    function quoteExport(uint32 dstEid, bytes calldata options) external view returns (MessagingFee memory fee);

    /// @notice The fee of sending message type `msgType` (`GRANT` or `HEARTBEAT`) to `dstEid` with `options`.
    function quote(uint32 dstEid, uint8 msgType, bytes calldata options) external view returns (MessagingFee memory fee);

    /// @notice Sends a `HEARTBEAT` to `dstEid` (permissionless; keeps the remote's draws open).
    function sendHeartbeat(uint32 dstEid, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice Approves or revokes `operator` to act for the caller (withdraw, export).
    function setOperator(address operator, bool approved) external;

    /// @notice Collateral of `account` in `asset`, in token units.
    function collateralOf(address account, address asset) external view returns (uint256);

    /// @notice Assets `account` holds (at most `MAX_ASSETS`).
    function assetsOf(address account) external view returns (address[] memory);

    /// @notice Credit of `account` exported to `eid` (1e18 USD).
    function exportedTo(address account, uint32 eid) external view returns (uint256);

    /// @notice Credit of `account` exported to all remotes (1e18 USD).
    function totalExported(address account) external view returns (uint256);

    /// @notice Borrowing power of `account`: Σ value × LTV, rounded down (1e18 USD). Reverts on a bad price.
    function borrowingPower(address account) external view returns (uint256);

    /// @notice Parameters of `asset` (all zero if it was never listed).
    function assetConfig(address asset) external view returns (AssetConfig memory);

    /// @notice Limits of remote `eid`.
    function remoteConfig(uint32 eid) external view returns (RemoteConfig memory);

    /// @notice Exported total, rate-limit window and grant count of remote `eid`.
    function remoteState(uint32 eid) external view returns (RemoteState memory);

    /// @notice Home health of `account` (1e18 = 1): Σ value × threshold ÷ total exported; max uint if nothing exported.
    function health(address account) external view returns (uint256);

    /// @notice Whether `operator` may act for `account`.
    function isOperator(address account, address operator) external view returns (bool);

    /// @notice Last applied `USAGE` report of `account` from `eid`.
    function usageOf(address account, uint32 eid) external view returns (Usage memory);

    // ------------------------------------------------------------------ liquidation (docs/PROTOCOL.md#liquidation)

    /// @notice Flags `account` (permissionless): home health at liquidation prices must be below 1. Bumps the
    /// epoch to odd and sends `LIQUIDATABLE` to every remote the account exported to; `msg.value` pays all of
    /// them (see `quoteNotices`), the rest is refunded. A flagged account still under 1 may be flagged again
    /// (epoch + 2): each remote allows a fresh close factor of what is drawn.
    function flag(address account, bytes calldata options) external payable;

    /// @notice Clears a flagged `account` whose health is at least 1 again (permissionless): bumps the epoch to
    /// even and sends `CLEAR` to every remote that was flagged. `msg.value` pays all of them; the rest is refunded.
    function clear(address account, bytes calldata options) external payable;

    /// @notice Asks remote `dstEid` to release up to `amount` of `account`'s undrawn credit (`RECALL`). The
    /// account or its operator may always; anyone once the account's health is below `recallHealth`.
    function recall(address account, uint32 dstEid, uint128 amount, bytes calldata options) external payable;

    /// @notice Tells remote `dstEid` to write off what `account` still owes there (`BAD_DEBT`, permissionless):
    /// the account must be flagged, have credit exported to `dstEid` and hold no collateral — or only dust worth
    /// less than `dustFloor()` with health below 1, which then goes to the caller as claimable (rule L-16).
    function reportBadDebt(address account, uint32 dstEid, bytes calldata options) external payable;

    /// @notice Sends the caller seized `asset` that the token had refused to transfer.
    function claim(address asset, address to) external returns (uint256 amount);

    /// @notice Total fee of the messages `flag` (`msgType` = `LIQUIDATABLE`: one to every remote `account` exported
    /// to) or `clear` (`CLEAR`: one to every flagged remote) would send now. `recall` and `reportBadDebt` send one
    /// message each: quote them with `quote`. Every notice refunds what `msg.value` holds beyond its fees.
    function quoteNotices(address account, uint8 msgType, bytes calldata options) external view returns (uint256 fee);

    /// @notice Home health of `account` at liquidation prices (fresh, or stale by at most `priceTolerance`
    /// past the feed's heartbeat); what `flag`, `recall` and the `SEIZE` bonus judge by. Never reverts for a price:
    /// an unusable one counts at the feed's last answer clamped into its bounds (`clear` counts it as nothing).
    function liquidationHealth(address account) external view returns (uint256);

    /// @notice Liquidation epoch of `account` (odd: flagged).
    function epochOf(address account) external view returns (uint32);

    /// @notice The epoch at which `account`'s current (or last) flagged period began; a `SEIZE` made under an
    /// earlier epoch pays at par.
    function flaggedSinceOf(address account) external view returns (uint32);

    /// @notice Every remote ever configured; bit i of a remote mask is `remotes()[i]`.
    function remotes() external view returns (uint32[] memory);

    /// @notice Seized collateral of `owner` in `asset` waiting to be claimed.
    function claimableOf(address owner, address asset) external view returns (uint256);

    /// @notice The liquidation settings.
    function liquidationConfig() external view returns (LiquidationConfig memory);

    // ------------------------------------------------------------------ risk (docs/RISK.md)

    /// @notice Sets the dust floor (owner only): a flagged account under 1 whose collateral is worth less than
    /// this (1e18 USD, at liquidation prices) may have its bad debt written off, its dust going to the caller.
    /// Set it above what a liquidation costs (gas on both chains and the `SEIZE` fee): below it, no liquidator
    /// takes the collateral (docs/PROTOCOL.md L-16).
    function setDustFloor(uint128 dustFloor) external;

    /// @notice The dust floor (1e18 USD); 0 until set (a write-off then needs no collateral at all).
    function dustFloor() external view returns (uint128);

    /// @notice Names the risk admin, who may queue risk updates (owner only).
    function setRiskAdmin(address riskAdmin) external;

    /// @notice Queues `update` (risk admin only); it may be applied `RISK_UPDATE_DELAY` (3 days) later, or the
    /// owner's timelock delay plus a day when that is longer. Checks its bounds and steps now (each depth or
    /// correlation within a factor of two of the value in force). Returns its id (the hash of the update).
    function queueRiskUpdate(RiskUpdate calldata update) external returns (bytes32 id);

    /// @notice Applies a queued `update` whose delay has passed (anyone); its steps are checked again.
    function applyRiskUpdate(RiskUpdate calldata update) external;

    /// @notice Cancels a queued update (risk admin, owner or guardian).
    function cancelRiskUpdate(bytes32 id) external;

    /// @notice The correlation (bps) of two listed assets in force (10,000 for a pair never set or an asset with
    /// itself), and the depth (thousands of USD) of `assetA`.
    function riskOf(address assetA, address assetB) external view returns (uint16 correlationBps, uint40 depthThousands);
}
