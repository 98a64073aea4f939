// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOracleAdapter
/// @notice The home chain's price source: one Chainlink-style feed per collateral asset, normalised to
/// 1e18 USD per whole token, checked for staleness, bounds and (on an L2) the sequencer's uptime.
///
/// A **feed** is the configuration of one asset (`FeedConfig`): the aggregator to read, the heartbeat
/// (longest age of an answer still called fresh), and the bounds a normalised price must lie within.
/// A **price** is USD with 18 decimals per whole token (10 ** token decimals base units); it never
/// depends on the token's own decimals. Normalisation from the feed's decimals rounds down.
///
/// `price` is for actions that grow risk (exports, withdrawals): it reverts on any problem.
/// `tryPrice` is for actions that must never be blocked (liquidation, repay): it never reverts for a
/// price problem and hands back the latest reading, so the caller can apply its own tolerance.
///
/// @dev Warning: feeds are trusted. The adapter checks freshness, sign and bounds, not manipulation;
/// every aggregator must be a Chainlink (or equally robust) feed quoting the asset itself in USD. A
/// bridged representation of an asset needs its own feed, not the canonical asset's.
/// @dev Warning: an aggregator's `decimals()` must not exceed 36 and must never change; it is read once
/// when the feed is set. If a proxy ever points at an aggregator with other decimals, set the feed again.
/// @dev Warning: `heartbeat` should be the feed's published heartbeat plus a margin for block times;
/// an answer is stale only when strictly older than the heartbeat.
/// @dev Warning: the L2 sequencer-uptime feed follows Chainlink's convention: answer 0 = up, anything
/// else = down, and `startedAt` is when the status last changed. A `startedAt` of 0 (an uninitialised
/// feed) counts as down, as does a sequencer feed that cannot be read.
/// @dev Warning: the owner is meant to be a timelock: bounds and feeds change only with delay.
interface IOracleAdapter {
    /// @notice Configuration of one asset's feed.
    /// @param aggregator The Chainlink-style aggregator (or proxy) quoting the asset in USD.
    /// @param heartbeat Longest age, in seconds, of an answer still fresh (`block.timestamp - updatedAt`).
    /// @param minPrice Lowest accepted price, 1e18 USD per whole token (inclusive); at least 1, so that
    /// `price` never returns 0 (a positive answer can round down to 0 when scaled down).
    /// @param maxPrice Highest accepted price, 1e18 USD per whole token (inclusive).
    struct FeedConfig {
        address aggregator;
        uint32 heartbeat;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice Which rule a rejected configuration broke.
    enum ConfigFault {
        /// The asset is the zero address.
        ZeroAsset,
        /// The aggregator has no code (this includes the zero address).
        AggregatorNotContract,
        /// The heartbeat is 0: no answer could ever be fresh.
        ZeroHeartbeat,
        /// `minPrice` is 0: a price of 0 would pass.
        ZeroMinPrice,
        /// `minPrice >= maxPrice`: no price could ever be in bounds.
        MinNotBelowMax,
        /// The aggregator's `decimals()` exceeds 36.
        DecimalsAbove36
    }

    /// @notice Emitted when the feed of `asset` is set or replaced.
    /// @param decimals The aggregator's decimals, cached for normalisation.
    event FeedSet(
        address indexed asset,
        address indexed aggregator,
        uint32 heartbeat,
        uint128 minPrice,
        uint128 maxPrice,
        uint8 decimals
    );
    /// @notice Emitted when the feed of `asset` is removed; `price(asset)` reverts from then on.
    event FeedRemoved(address indexed asset, address indexed aggregator);
    /// @notice Emitted when the sequencer-uptime feed or its grace period is set; feed 0 = no check.
    event SequencerFeedSet(address indexed uptimeFeed, uint32 gracePeriod);

    /// @notice Thrown when `asset` has no feed; set one with `setFeed`.
    error Oracle_UnknownAsset(address asset);
    /// @notice Thrown when the aggregator of `asset` reverts or returns too little data to read a round.
    error Oracle_FeedCallFailed(address asset, address aggregator);
    /// @notice Thrown when the latest round of `asset` is not complete (`updatedAt == 0`).
    error Oracle_IncompleteRound(address asset);
    /// @notice Thrown when the latest answer of `asset` is dated after the current block (a broken feed).
    error Oracle_FutureTimestamp(address asset, uint256 updatedAt);
    /// @notice Thrown when the latest answer of `asset` is older than its heartbeat; wait for the feed to update.
    error Oracle_StalePrice(address asset, uint256 updatedAt, uint256 heartbeat);
    /// @notice Thrown when the latest answer of `asset` is zero or negative.
    error Oracle_NonPositivePrice(address asset, int256 answer);
    /// @notice Thrown when the normalised price of `asset` lies outside `[min, max]` (1e18 USD per token).
    error Oracle_PriceOutOfBounds(address asset, uint256 price, uint256 min, uint256 max);
    /// @notice Thrown when the L2 sequencer is down (or its uptime feed cannot be read).
    error Oracle_SequencerDown();
    /// @notice Thrown when the sequencer came back at `upSince` and `gracePeriod` seconds have not passed yet.
    error Oracle_SequencerGracePeriod(uint256 upSince, uint256 gracePeriod);
    /// @notice Thrown when a feed configuration for `asset` breaks the rule named by `fault`.
    error Oracle_BadConfig(address asset, ConfigFault fault);

    /// @notice The price of `asset`, 1e18 USD per whole token, rounded down.
    /// @dev Reverts with `Oracle_UnknownAsset`, `Oracle_FeedCallFailed`, `Oracle_IncompleteRound`,
    /// `Oracle_NonPositivePrice`, `Oracle_FutureTimestamp`, `Oracle_StalePrice`, `Oracle_PriceOutOfBounds`,
    /// `Oracle_SequencerDown` or `Oracle_SequencerGracePeriod`, checked in that order. Succeeds only if
    /// the answer is complete, positive, `block.timestamp - updatedAt <= heartbeat`, the normalised price
    /// is within `[minPrice, maxPrice]`, and (when a sequencer feed is set) the sequencer is up and
    /// `block.timestamp - upSince >= gracePeriod`.
    function price(address asset) external view returns (uint256 price1e18);

    /// @notice The price of `asset` for a liquidation: as `price`, but an answer up to `tolerance` seconds
    /// older than the heartbeat still counts, and the sequencer is not checked (a liquidation must not wait
    /// for a grace period; ARCHITECTURE.md §8). Bounds, sign and completeness are checked as in `price`.
    /// @dev Reverts with the same errors as `price` except the sequencer's; `Oracle_StalePrice` then reports
    /// heartbeat + tolerance as the limit.
    function liquidationPrice(address asset, uint256 tolerance) external view returns (uint256 price1e18);

    /// @notice The price of `asset` as `price` computes it, without reverting for a price problem.
    /// @return ok True exactly when `price(asset)` would succeed; then `price1e18` is what it returns.
    /// @return price1e18 When `ok` is false: the normalised latest answer if it is positive and its round
    /// complete (possibly stale, out of bounds or read while the sequencer is down), else 0.
    /// @return updatedAt The latest round's `updatedAt`, or 0 if the asset is unknown or the feed unreadable.
    /// @dev Warning: a caller that uses a price with `ok == false` must bound its age and value itself.
    /// An answer too large to normalise saturates to `type(uint256).max` (always out of bounds).
    function tryPrice(address asset) external view returns (bool ok, uint256 price1e18, uint256 updatedAt);

    /// @notice The price of `asset` as `liquidationPrice(asset, tolerance)` computes it, without reverting for a
    /// price problem: for the liquidation paths that must never be blocked by one feed (docs/PROTOCOL.md L-11).
    /// @return ok True exactly when `liquidationPrice(asset, tolerance)` would succeed; then `price1e18` is what
    /// it returns.
    /// @return price1e18 When `ok` is false: the latest answer (positive, round complete) clamped into the feed's
    /// `[minPrice, maxPrice]` — the last price the feed gave, never one outside what governance accepts — or 0
    /// when there is none (no feed, an unreadable or incomplete round, a non-positive answer).
    /// @return updatedAt The latest round's `updatedAt`, or 0 if the asset is unknown or the feed unreadable.
    function tryLiquidationPrice(address asset, uint256 tolerance)
        external
        view
        returns (bool ok, uint256 price1e18, uint256 updatedAt);

    /// @notice The feed configuration of `asset`; all zero if it has none.
    function feed(address asset) external view returns (FeedConfig memory);

    /// @notice The sequencer-uptime feed and its grace period in seconds; feed 0 = no sequencer check.
    function sequencerFeed() external view returns (address uptimeFeed, uint32 gracePeriod);

    /// @notice Whether the L2 sequencer is up, and since when.
    /// @return up True when no sequencer feed is set, or the feed answers 0 with a non-zero `startedAt`.
    /// @return upSince The feed's `startedAt` when up (0 when no feed is set); 0 when down.
    function sequencerStatus() external view returns (bool up, uint256 upSince);

    /// @notice Sets or replaces the feed of `asset`. Owner only.
    /// @dev Reverts with `Oracle_BadConfig` for a zero asset, an aggregator without code, a zero heartbeat,
    /// `minPrice == 0`, `minPrice >= maxPrice`, or aggregator decimals above 36. Reads and caches `decimals()`.
    function setFeed(address asset, FeedConfig calldata config) external;

    /// @notice Removes the feed of `asset`. Owner only. Reverts with `Oracle_UnknownAsset` if it has none.
    function removeFeed(address asset) external;

    /// @notice Sets the L2 sequencer-uptime feed and the grace period after it comes back. Owner only.
    /// @param uptimeFeed The uptime feed; 0 turns the sequencer check off (for L1s).
    /// @param gracePeriod Seconds after the sequencer comes back during which `price` still reverts.
    /// @dev Reverts with `Oracle_BadConfig(address(0), AggregatorNotContract)` for a non-zero feed without code.
    function setSequencerFeed(address uptimeFeed, uint32 gracePeriod) external;
}
