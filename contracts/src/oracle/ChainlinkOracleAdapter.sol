// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IAggregatorV3 } from "../interfaces/IAggregatorV3.sol";
import { IOracleAdapter } from "../interfaces/IOracleAdapter.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title ChainlinkOracleAdapter
/// @notice The home chain's oracle adapter over Chainlink `AggregatorV3` feeds (spec: `IOracleAdapter`,
/// docs/PROTOCOL.md "Oracle adapter"). The owner (a timelock) sets one feed per asset and, on an L2,
/// the sequencer-uptime feed.
/// @dev `price` and `tryPrice` share one code path, `_quote`, which returns the encoded custom error of
/// the first broken check instead of reverting: `price` re-throws it, `tryPrice` reports `ok = false`.
/// The two can therefore never disagree about which prices are good.
contract ChainlinkOracleAdapter is IOracleAdapter, Ownable2Step {
    /// @dev Prices are normalised to this many decimals.
    uint8 private constant PRICE_DECIMALS = 18;
    /// @dev Highest accepted feed decimals: keeps the divisor within 1e18 when scaling down.
    uint8 private constant MAX_FEED_DECIMALS = 36;

    /// @dev A feed as stored: `FeedConfig` plus the aggregator's decimals, cached when the feed is set.
    /// Slot 0 holds aggregator, heartbeat and decimals; slot 1 the two bounds.
    struct Feed {
        address aggregator;
        uint32 heartbeat;
        uint8 decimals;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @dev The sequencer-uptime feed and its grace period, in one slot; feed 0 = no check.
    struct Sequencer {
        address feed;
        uint32 gracePeriod;
    }

    mapping(address asset => Feed) private _feeds;
    Sequencer private _sequencer;

    /// @param initialOwner The owner, meant to be a timelock; transfers are two-step.
    constructor(address initialOwner) Ownable(initialOwner) { }

    // ---------------------------------------------------------------------------------------------
    // Reads
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleAdapter
    function price(address asset) external view returns (uint256 price1e18) {
        bytes memory failure;
        (price1e18,, failure) = _quote(asset, 0, true);
        _raise(failure);
    }

    /// @inheritdoc IOracleAdapter
    function liquidationPrice(address asset, uint256 tolerance) external view returns (uint256 price1e18) {
        bytes memory failure;
        (price1e18,, failure) = _quote(asset, tolerance, false);
        _raise(failure);
    }

    /// @inheritdoc IOracleAdapter
    function tryPrice(address asset) external view returns (bool ok, uint256 price1e18, uint256 updatedAt) {
        bytes memory failure;
        (price1e18, updatedAt, failure) = _quote(asset, 0, true);
        ok = failure.length == 0;
    }

    /// @inheritdoc IOracleAdapter
    function tryLiquidationPrice(address asset, uint256 tolerance)
        external
        view
        returns (bool ok, uint256 price1e18, uint256 updatedAt)
    {
        bytes memory failure;
        (price1e18, updatedAt, failure) = _quote(asset, tolerance, false);
        ok = failure.length == 0;
        if (ok || price1e18 == 0) return (ok, price1e18, updatedAt);
        Feed memory stored = _feeds[asset];
        if (price1e18 < stored.minPrice) price1e18 = stored.minPrice;
        else if (price1e18 > stored.maxPrice) price1e18 = stored.maxPrice;
    }

    /// @inheritdoc IOracleAdapter
    function feed(address asset) external view returns (FeedConfig memory) {
        Feed memory stored = _feeds[asset];
        return FeedConfig({
            aggregator: stored.aggregator,
            heartbeat: stored.heartbeat,
            minPrice: stored.minPrice,
            maxPrice: stored.maxPrice
        });
    }

    /// @inheritdoc IOracleAdapter
    function sequencerFeed() external view returns (address, uint32) {
        return (_sequencer.feed, _sequencer.gracePeriod);
    }

    /// @inheritdoc IOracleAdapter
    function sequencerStatus() external view returns (bool up, uint256 upSince) {
        address uptimeFeed = _sequencer.feed;
        if (uptimeFeed == address(0)) return (true, 0);
        return _sequencerStatus(uptimeFeed);
    }

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleAdapter
    function setFeed(address asset, FeedConfig calldata config) external onlyOwner {
        if (asset == address(0)) revert Oracle_BadConfig(asset, ConfigFault.ZeroAsset);
        if (config.aggregator.code.length == 0) revert Oracle_BadConfig(asset, ConfigFault.AggregatorNotContract);
        if (config.heartbeat == 0) revert Oracle_BadConfig(asset, ConfigFault.ZeroHeartbeat);
        if (config.minPrice == 0) revert Oracle_BadConfig(asset, ConfigFault.ZeroMinPrice);
        if (config.minPrice >= config.maxPrice) revert Oracle_BadConfig(asset, ConfigFault.MinNotBelowMax);
        uint8 decimals = IAggregatorV3(config.aggregator).decimals();
        if (decimals > MAX_FEED_DECIMALS) revert Oracle_BadConfig(asset, ConfigFault.DecimalsAbove36);

        _feeds[asset] = Feed({
            aggregator: config.aggregator,
            heartbeat: config.heartbeat,
            decimals: decimals,
            minPrice: config.minPrice,
            maxPrice: config.maxPrice
        });
        emit FeedSet(asset, config.aggregator, config.heartbeat, config.minPrice, config.maxPrice, decimals);
    }

    /// @inheritdoc IOracleAdapter
    function removeFeed(address asset) external onlyOwner {
        address aggregator = _feeds[asset].aggregator;
        if (aggregator == address(0)) revert Oracle_UnknownAsset(asset);
        delete _feeds[asset];
        emit FeedRemoved(asset, aggregator);
    }

    /// @inheritdoc IOracleAdapter
    function setSequencerFeed(address uptimeFeed, uint32 gracePeriod) external onlyOwner {
        if (uptimeFeed != address(0) && uptimeFeed.code.length == 0) {
            revert Oracle_BadConfig(address(0), ConfigFault.AggregatorNotContract);
        }
        _sequencer = Sequencer({ feed: uptimeFeed, gracePeriod: gracePeriod });
        emit SequencerFeedSet(uptimeFeed, gracePeriod);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Reads and checks the feed of `asset`, in the order the interface documents. Never reverts:
    /// returns the encoded custom error of the first broken check in `failure` (empty when all pass).
    /// `price1e18` is the normalised answer whenever the answer is positive and its round complete.
    /// @dev Re-throws the custom error `_quote` encoded, unchanged (no-op when empty).
    function _raise(bytes memory failure) private pure {
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
    }

    /// @dev The price of `asset` and why it may not be used (empty: it may). An answer may be `tolerance`
    /// seconds older than the heartbeat; `checkSequencer` false skips the sequencer check.
    function _quote(address asset, uint256 tolerance, bool checkSequencer)
        private
        view
        returns (uint256 price1e18, uint256 updatedAt, bytes memory failure)
    {
        Feed memory stored = _feeds[asset];
        if (stored.aggregator == address(0)) {
            return (0, 0, abi.encodeWithSelector(Oracle_UnknownAsset.selector, asset));
        }

        (bool read, int256 answer,, uint256 roundUpdatedAt) = _latestRound(stored.aggregator);
        if (!read) return (0, 0, abi.encodeWithSelector(Oracle_FeedCallFailed.selector, asset, stored.aggregator));
        if (roundUpdatedAt == 0) return (0, 0, abi.encodeWithSelector(Oracle_IncompleteRound.selector, asset));
        if (answer <= 0) {
            return (0, roundUpdatedAt, abi.encodeWithSelector(Oracle_NonPositivePrice.selector, asset, answer));
        }

        // Casting to uint256 is safe: answer > 0 was checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        price1e18 = _normaliseDown(uint256(answer), stored.decimals);
        updatedAt = roundUpdatedAt;

        // A validator can skew `block.timestamp` by seconds; heartbeats and grace periods are minutes
        // to hours, so the comparisons below (and in `_sequencerFailure`) are not at risk.
        // forge-lint: disable-start(block-timestamp)
        if (updatedAt > block.timestamp) {
            failure = abi.encodeWithSelector(Oracle_FutureTimestamp.selector, asset, updatedAt);
        } else if (
            block.timestamp - updatedAt > stored.heartbeat && block.timestamp - updatedAt - stored.heartbeat > tolerance
        ) {
            // Unreachable with a tolerance near 2^256 (no answer is that old), so the sum cannot overflow.
            failure = abi.encodeWithSelector(
                Oracle_StalePrice.selector, asset, updatedAt, uint256(stored.heartbeat) + tolerance
            );
        } else if (price1e18 < stored.minPrice || price1e18 > stored.maxPrice) {
            failure = abi.encodeWithSelector(
                Oracle_PriceOutOfBounds.selector, asset, price1e18, uint256(stored.minPrice), uint256(stored.maxPrice)
            );
        } else if (checkSequencer) {
            failure = _sequencerFailure();
        }
        // forge-lint: disable-end(block-timestamp)
    }

    /// @dev The encoded error that the sequencer's state calls for, or empty when prices may be used.
    /// A `startedAt` in the future counts as still within the grace period.
    function _sequencerFailure() private view returns (bytes memory failure) {
        Sequencer memory sequencer = _sequencer;
        if (sequencer.feed == address(0)) return failure;

        (bool up, uint256 upSince) = _sequencerStatus(sequencer.feed);
        if (!up) return abi.encodeWithSelector(Oracle_SequencerDown.selector);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < upSince || block.timestamp - upSince < sequencer.gracePeriod) {
            return abi.encodeWithSelector(Oracle_SequencerGracePeriod.selector, upSince, uint256(sequencer.gracePeriod));
        }
    }

    /// @dev Up only when the feed can be read, answers 0, and has a status-change time (`startedAt`).
    function _sequencerStatus(address uptimeFeed) private view returns (bool up, uint256 upSince) {
        (bool read, int256 answer, uint256 startedAt,) = _latestRound(uptimeFeed);
        if (read && answer == 0 && startedAt != 0) return (true, startedAt);
    }

    /// @dev `latestRoundData()` of `aggregator`, with `read = false` instead of a revert when the call
    /// fails or returns fewer than five words (no code, access revoked by the feed's owner, a wrong
    /// address). Copies at most five words back, so a hostile return payload costs nothing extra.
    function _latestRound(address aggregator)
        private
        view
        returns (bool read, int256 answer, uint256 startedAt, uint256 updatedAt)
    {
        bytes4 selector = IAggregatorV3.latestRoundData.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            read := staticcall(gas(), aggregator, ptr, 0x04, ptr, 0xa0)
            read := and(read, gt(returndatasize(), 0x9f))
            answer := mload(add(ptr, 0x20))
            startedAt := mload(add(ptr, 0x40))
            updatedAt := mload(add(ptr, 0x60))
        }
    }

    /// @dev Scales a positive `answer` with `decimals` (≤ 36) to 18 decimals, rounding down. An answer
    /// whose scaled value would not fit saturates to `type(uint256).max`, above every `maxPrice`.
    function _normaliseDown(uint256 answer, uint8 decimals) private pure returns (uint256) {
        unchecked {
            if (decimals <= PRICE_DECIMALS) {
                uint256 factor = 10 ** (PRICE_DECIMALS - decimals);
                if (answer > type(uint256).max / factor) return type(uint256).max;
                return answer * factor;
            }
            return answer / 10 ** (decimals - PRICE_DECIMALS);
        }
    }
}
