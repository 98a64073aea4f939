// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { MessagingFee, MessagingReceipt } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";

/// @title ICreditMirror
/// @notice A remote chain's mirror of Ballast credit: per home account, a credit line received from home
/// (`GRANT`), drawn and restored by approved consumers, and released back home (`RELEASE`). Usage is
/// reported home with a per-account sequence number (`USAGE`). docs/PROTOCOL.md is the spec.
/// @dev Units: credit is USD with 18 decimals. A line is keyed by the home account; its `owner` is the
/// address on this chain that controls it (the `receiver` of the latest `GRANT`).
/// @dev Warning: new draws need a `HEARTBEAT` from home whose home timestamp is within `heartbeatPeriod`
/// of now; a silent pathway stops growth, never restores or releases. Only heartbeats count: a late
/// heartbeat or grant can never reopen draws (rule M-5).
interface ICreditMirror {
    /// @notice One account's credit on this chain.
    struct Line {
        /// Credit granted by home and not released (1e18 USD).
        uint128 line;
        /// Credit drawn by consumers (1e18 USD); ≤ line (rule M-2).
        uint128 drawn;
        /// The address on this chain that controls the line.
        address owner;
        /// Sequence number of the last `USAGE` report sent.
        uint64 usageSeq;
        /// Home's liquidation epoch as last heard (`LIQUIDATABLE` / `CLEAR`): odd while the account is flagged.
        uint32 epoch;
    }

    /// @notice An approved consumer.
    struct Consumer {
        /// Whether it may draw.
        bool allowed;
        /// Most it may have drawn over all accounts (1e18 USD); uint120 keeps a consumer in one slot.
        uint120 cap;
        /// What it has drawn over all accounts (1e18 USD).
        uint128 drawn;
    }

    /// @notice Emitted when a `GRANT` credits a line.
    event CreditGranted(address indexed account, address indexed owner, uint128 amount, uint64 grantId);
    /// @notice Emitted when a `GRANT` arrived after its deadline: not credited, parked to go home.
    event GrantExpired(address indexed account, uint128 amount, uint64 grantId, uint64 deadline);
    /// @notice Emitted when a consumer draws.
    event Drawn(address indexed account, address indexed consumer, uint128 amount);
    /// @notice Emitted when a consumer restores.
    event Restored(address indexed account, address indexed consumer, uint128 amount);
    /// @notice Emitted when credit is sent home (`RELEASE`).
    event CreditReleased(address indexed account, uint128 amount, uint8 reason, bytes32 guid);
    /// @notice Emitted when a `USAGE` report is sent home.
    event UsageSent(address indexed account, uint128 drawn, uint128 line, uint64 seq, bytes32 guid);
    /// @notice Emitted when a `HEARTBEAT` from home is applied.
    event HeartbeatReceived(uint64 homeTimestamp);
    /// @notice Emitted when a line owner authorises or deauthorises a consumer.
    event ConsumerAuthorized(address indexed account, address indexed consumer, bool authorized);
    /// @notice Emitted when credit comes off (or never reaches) `account`'s line to go home: a `RECALL`, a
    /// `LIQUIDATABLE` releasing undrawn credit, a `GRANT` to a flagged line, or a bad-debt write-off.
    /// @param lineShrank True when the amount came off the line (a `RECALL`, a `LIQUIDATABLE`, a `BAD_DEBT`);
    /// false for a `GRANT` that never reached it (late, or to a flagged line).
    event CreditParked(address indexed account, uint128 amount, uint8 reason, bool lineShrank);
    /// @notice Emitted when a `LIQUIDATABLE` flags `account` at `epoch`; a liquidator may repay up to `repayable`.
    event LineFlagged(address indexed account, uint32 epoch, uint128 repayable);
    /// @notice Emitted when a `CLEAR` un-flags `account` at `epoch`.
    event LineCleared(address indexed account, uint32 epoch);
    /// @notice Emitted when a `LIQUIDATABLE` or `CLEAR` older than the line's epoch arrives: it changes nothing.
    event StaleNotice(address indexed account, uint8 msgType, uint32 epoch, uint32 lineEpoch);
    /// @notice Emitted when a liquidator repays `amount` of `account`'s debt through `consumer`; `SEIZE` sent home.
    event Liquidated(
        address indexed account,
        address indexed consumer,
        address indexed liquidator,
        uint128 amount,
        address asset,
        uint32 epoch,
        uint64 seizeId,
        bytes32 guid
    );
    /// @notice Emitted when a `BAD_DEBT` writes off `amount` that `consumer` had drawn for `account`;
    /// `notified` false: the consumer's `onBadDebt` reverted (its books are its own; the mirror's are settled).
    event BadDebtWrittenOff(address indexed account, address indexed consumer, uint128 amount, bool notified);
    /// @notice Emitted when governance configures a consumer.
    event ConsumerConfigured(address indexed consumer, bool allowed, uint120 cap);
    /// @notice Emitted when the heartbeat period changes.
    event HeartbeatPeriodSet(uint32 period);
    /// @notice Emitted when the guardian changes.
    event GuardianSet(address guardian);
    /// @notice Emitted when draws are paused or unpaused.
    event DrawsPausedSet(bool paused);

    /// @notice Thrown when the caller is not an allowed consumer.
    error Mirror_ConsumerNotAllowed(address consumer);
    /// @notice Thrown when the line owner has not authorised the consumer for this account.
    error Mirror_ConsumerNotAuthorized(address account, address consumer);
    /// @notice Thrown when the caller does not own the line.
    error Mirror_NotLineOwner(address account, address caller);
    /// @notice Thrown when an amount is zero.
    error Mirror_ZeroAmount();
    /// @notice Thrown when a draw exceeds the undrawn line.
    error Mirror_DrawExceedsLine(address account, uint256 requested, uint256 available);
    /// @notice Thrown when a draw takes a consumer over its cap.
    error Mirror_ConsumerCapExceeded(address consumer, uint256 cap, uint256 drawnAfter);
    /// @notice Thrown when a consumer restores more than it drew for the account.
    error Mirror_RestoreExceedsDrawn(address account, address consumer, uint256 requested, uint256 drawn);
    /// @notice Thrown when releasing more than the undrawn line.
    error Mirror_ReleaseExceedsUndrawn(address account, uint256 requested, uint256 undrawn);
    /// @notice Thrown when drawing while draws are paused.
    error Mirror_DrawsPaused();
    /// @notice Thrown when drawing while the newest home heartbeat is older than the heartbeat period.
    error Mirror_HeartbeatStale(uint256 lastHeartbeat, uint256 period);
    /// @notice Thrown when there is no parked credit to send home.
    error Mirror_NothingToReturn(address account);
    /// @notice Thrown when a message of a type the mirror does not handle arrives (kept retryable).
    error Mirror_UnexpectedMessage(uint8 msgType);
    /// @notice Thrown when someone other than the guardian or owner pauses.
    error Mirror_OnlyGuardian(address caller);
    /// @notice Thrown when liquidating an account whose line is not flagged.
    error Mirror_NotFlagged(address account);
    /// @notice Thrown when a liquidation repays more than the close factor still allows at this epoch.
    error Mirror_RepayExceedsCloseFactor(address account, uint256 requested, uint256 repayable);
    /// @notice Thrown when a consumer liquidates more than it drew for the account.
    error Mirror_LiquidationExceedsDrawn(address account, address consumer, uint256 requested, uint256 drawn);
    /// @notice Thrown when a liquidation names no home-chain address to pay.
    error Mirror_ZeroLiquidator();
    /// @notice Thrown when configuring more than `MAX_CONSUMERS` consumers.
    error Mirror_TooManyConsumers(uint256 max);

    /// @notice Endpoint id of the home chain.
    function homeEid() external view returns (uint32);

    /// @notice Draws `amount` of `account`'s line for the calling consumer.
    /// @dev Reverts unless the caller is allowed and authorised by the line's owner, draws are not paused,
    /// home was heard from within `heartbeatPeriod`, and drawn stays ≤ line and ≤ the consumer's cap.
    function draw(address account, uint128 amount) external;

    /// @notice Restores `amount` the calling consumer drew for `account`. Never paused.
    function restore(address account, uint128 amount) external;

    /// @notice Sends `amount` of undrawn credit of `account` home; the caller owns the line. Never paused.
    function release(address account, uint128 amount, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice Sends home the credit of `account` parked by late grants, recalls, a flag or a write-off
    /// (permissionless; the relayer pays it).
    function returnParked(address account, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice Sends a `USAGE` report of `account` home (permissionless).
    function reportUsage(address account, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice Repays `amount` of `account`'s drawn credit on behalf of a liquidator (called by the consumer that
    /// collected the repayment in its debt asset) and sends `SEIZE` home, where `liquidator` is paid collateral
    /// (in `asset` first, if the account holds it). The line must be flagged; at most the close factor of what
    /// was drawn when it was flagged may be repaid per epoch. Never paused: liquidation is an exit.
    function liquidate(address account, uint128 amount, address liquidator, address asset, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt);

    /// @notice Fee of sending message type `msgType` home with `options`.
    function quote(uint8 msgType, bytes calldata options) external view returns (MessagingFee memory fee);

    /// @notice Authorises or deauthorises `consumer` to draw on `account`'s line; the caller owns the line.
    function setConsumerAuthorization(address account, address consumer, bool authorized) external;

    /// @notice The line of `account`.
    function lineOf(address account) external view returns (Line memory);

    /// @notice The address on this chain that controls `account`'s line (zero before its first grant).
    function ownerOf(address account) external view returns (address);

    /// @notice Undrawn credit of `account`.
    function undrawn(address account) external view returns (uint256);

    /// @notice What a liquidator may still repay of `account`'s debt at the line's current (odd) epoch.
    function repayableOf(address account) external view returns (uint256);

    /// @notice Debt written off through `consumer` by `BAD_DEBT` over all accounts (1e18 USD).
    function badDebtOf(address consumer) external view returns (uint256);

    /// @notice Credit off `account`'s line waiting for `returnParked` to send it home.
    function parkedOf(address account) external view returns (uint256);

    /// @notice What `consumer` has drawn for `account`.
    function drawnBy(address consumer, address account) external view returns (uint256);

    /// @notice Configuration and total draw of `consumer`.
    function consumer(address consumer) external view returns (Consumer memory);

    /// @notice Whether `consumer` may draw on `account`'s line.
    function isConsumerAuthorized(address account, address consumer) external view returns (bool);

    /// @notice Home timestamp of the newest `HEARTBEAT` applied (capped at this chain's time on arrival).
    function lastHeartbeat() external view returns (uint64);
}
