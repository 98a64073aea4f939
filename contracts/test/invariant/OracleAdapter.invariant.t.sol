// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { ChainlinkOracleAdapter } from "../../src/oracle/ChainlinkOracleAdapter.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { Test } from "forge-std/Test.sol";

/// Drives the adapter's world at random: moves time, sets answers (good, zero, negative, at the
/// bounds, huge), re-dates rounds (fresh, stale, incomplete, future), flips the sequencer and lets the
/// owner change heartbeats, bounds and the grace period. It never calls `price` itself; the
/// invariants do, after every step.
contract OracleAdapterHandler is Test {
    ChainlinkOracleAdapter public immutable adapter;
    MockAggregator public immutable sequencer;
    address public immutable owner;

    address[] public assets;
    MockAggregator[] public feeds;

    /// @notice The time the handler has moved to; `vm.warp` is re-applied at the start of every call.
    uint256 public currentTime;
    uint32 public gracePeriod;
    bool public sequencerOn;

    /// @notice Calls made, per action, to show the run was not vacuous.
    mapping(bytes32 action => uint256) public calls;

    constructor(
        ChainlinkOracleAdapter adapter_,
        MockAggregator sequencer_,
        address owner_,
        address[] memory assets_,
        MockAggregator[] memory feeds_,
        uint32 gracePeriod_
    ) {
        adapter = adapter_;
        sequencer = sequencer_;
        owner = owner_;
        assets = assets_;
        feeds = feeds_;
        currentTime = block.timestamp;
        gracePeriod = gracePeriod_;
        sequencerOn = true;
    }

    modifier atCurrentTime(bytes32 action) {
        vm.warp(currentTime);
        calls[action]++;
        _;
    }

    function assetCount() external view returns (uint256) {
        return assets.length;
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function warp(uint256 seconds_) external atCurrentTime("warp") {
        currentTime += _bound(seconds_, 0, 30 minutes);
        vm.warp(currentTime);
    }

    function setAnswer(uint256 assetIndex, uint256 kind, uint256 value) external atCurrentTime("setAnswer") {
        (uint256 index, MockAggregator feed) = _pick(assetIndex);
        IOracleAdapter.FeedConfig memory config = adapter.feed(assets[index]);
        uint8 decimals = feed.decimals();
        int256 answer;
        kind %= 10;
        if (kind == 0) {
            answer = 0;
        } else if (kind == 1) {
            answer = -SafeCast.toInt256(_bound(value, 1, 1e30));
        } else if (kind == 2) {
            // One feed unit below, at, or above the minimum.
            answer = SafeCast.toInt256(_toFeedUnits(config.minPrice, decimals)) + SafeCast.toInt256(value % 3) - 1;
        } else if (kind == 3) {
            answer = SafeCast.toInt256(_toFeedUnits(config.maxPrice, decimals)) + SafeCast.toInt256(value % 3) - 1;
        } else if (kind == 4) {
            answer = SafeCast.toInt256(_bound(value, 1, uint256(type(int256).max)));
        } else {
            answer = SafeCast.toInt256(_toFeedUnits(_bound(value, config.minPrice, config.maxPrice), decimals));
        }
        feed.setAnswer(answer);
    }

    function setUpdatedAt(uint256 assetIndex, uint256 kind, uint256 age) external atCurrentTime("setUpdatedAt") {
        (, MockAggregator feed) = _pick(assetIndex);
        kind %= 6;
        if (kind == 0) feed.setUpdatedAt(0);
        else if (kind == 1) feed.setUpdatedAt(currentTime + _bound(age, 1, 100));
        else feed.setUpdatedAt(currentTime - _bound(age, 0, 3 hours));
    }

    function setSequencer(uint256 kind, uint256 ago) external atCurrentTime("setSequencer") {
        kind %= 10;
        if (kind == 0) {
            sequencer.setAnswer(1); // goes down
        } else if (kind == 1) {
            sequencer.setAnswer(0); // comes back now
        } else if (kind == 2) {
            sequencer.setRoundData(1, 0, 0, currentTime, 1); // uninitialised feed
        } else if (kind == 3) {
            sequencer.setAnswer(2); // neither up nor down
        } else {
            uint256 upSince = currentTime - _bound(ago, 0, 3 hours);
            sequencer.setRoundData(2, 0, upSince, upSince, 2);
        }
    }

    function setGracePeriod(uint256 gracePeriod_) external atCurrentTime("setGracePeriod") {
        gracePeriod = uint32(_bound(gracePeriod_, 0, 2 hours));
        vm.prank(owner);
        adapter.setSequencerFeed(sequencerOn ? address(sequencer) : address(0), gracePeriod);
    }

    function toggleSequencerFeed() external atCurrentTime("toggleSequencerFeed") {
        sequencerOn = !sequencerOn;
        vm.prank(owner);
        adapter.setSequencerFeed(sequencerOn ? address(sequencer) : address(0), gracePeriod);
    }

    function reconfigure(uint256 assetIndex, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
        external
        atCurrentTime("reconfigure")
    {
        (uint256 index, MockAggregator feed) = _pick(assetIndex);
        uint128 min = uint128(_bound(minPrice, 1, 1e22));
        IOracleAdapter.FeedConfig memory config = IOracleAdapter.FeedConfig({
            aggregator: address(feed),
            heartbeat: uint32(_bound(heartbeat, 1, 4 hours)),
            minPrice: min,
            maxPrice: uint128(_bound(maxPrice, uint256(min) + 1, 1e26))
        });
        vm.prank(owner);
        adapter.setFeed(assets[index], config);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function _pick(uint256 assetIndex) internal view returns (uint256 index, MockAggregator feed) {
        index = assetIndex % assets.length;
        feed = feeds[index];
    }

    /// A price (1e18 USD) in a feed's units, rounded down.
    function _toFeedUnits(uint256 price1e18, uint8 decimals) internal pure returns (uint256) {
        return decimals <= 18 ? price1e18 / 10 ** (18 - decimals) : price1e18 * 10 ** (decimals - 18);
    }
}

/// Invariants of the oracle adapter (docs/PROTOCOL.md, "Oracle adapter", O-12 and O-13): a price is
/// served exactly when the feed's answer is complete, fresh, positive and in bounds and the sequencer
/// is up past its grace period; `tryPrice` says the same. Each property is checked against an
/// independent reading of the mocks, not against the adapter's own code path.
contract OracleAdapterInvariantTest is Test {
    uint256 internal constant START = 1_700_000_000;

    address internal owner = makeAddr("timelock");
    ChainlinkOracleAdapter internal adapter;
    MockAggregator internal sequencer;
    OracleAdapterHandler internal handler;

    function setUp() public {
        vm.warp(START);
        adapter = new ChainlinkOracleAdapter(owner);
        sequencer = new MockAggregator(0, "L2 sequencer uptime", 0);
        sequencer.setRoundData(1, 0, START - 2 hours, START - 2 hours, 1);

        uint8[4] memory decimals = [uint8(6), 8, 18, 36];
        address[] memory assets = new address[](decimals.length);
        MockAggregator[] memory feeds = new MockAggregator[](decimals.length);
        vm.startPrank(owner);
        for (uint256 i; i < decimals.length; i++) {
            assets[i] = makeAddr(string.concat("asset", vm.toString(i)));
            // 2,000 USD in the feed's decimals.
            feeds[i] = new MockAggregator(decimals[i], "X / USD", int256(2000 * 10 ** decimals[i]));
            adapter.setFeed(
                assets[i],
                IOracleAdapter.FeedConfig({
                    aggregator: address(feeds[i]), heartbeat: 1 hours, minPrice: 1e18, maxPrice: 1e24
                })
            );
        }
        adapter.setSequencerFeed(address(sequencer), 1 hours);
        vm.stopPrank();

        handler = new OracleAdapterHandler(adapter, sequencer, owner, assets, feeds, 1 hours);
        targetContract(address(handler));
    }

    /// O-12: whenever `price` succeeds, the answer was complete, fresh, positive and in bounds, the
    /// price is its exact round-down scaling, and the sequencer (if checked) was up past its grace.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_priceOnlyWhenFreshPositiveInBounds() public {
        vm.warp(handler.currentTime());
        for (uint256 i; i < handler.assetCount(); i++) {
            address asset = handler.assets(i);
            try adapter.price(asset) returns (uint256 price1e18) {
                (bool expectedOk, uint256 expectedPrice) = _reference(i);
                assertTrue(expectedOk, "price served when a check fails");
                assertEq(price1e18, expectedPrice, "price is not the scaled answer");
            } catch { }
        }
    }

    /// O-13: `price` succeeds whenever every check passes (it is not stricter than its spec), and
    /// `tryPrice` is ok exactly when `price` succeeds, with the same price.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_priceAvailableAndTryPriceAgrees() public {
        vm.warp(handler.currentTime());
        for (uint256 i; i < handler.assetCount(); i++) {
            address asset = handler.assets(i);
            (bool expectedOk, uint256 expectedPrice) = _reference(i);
            (bool ok, uint256 tried,) = adapter.tryPrice(asset);
            assertEq(ok, expectedOk, "tryPrice disagrees with the rules");
            if (expectedOk) {
                assertEq(adapter.price(asset), expectedPrice, "price reverted though every check passes");
                assertEq(tried, expectedPrice, "tryPrice price");
            }
        }
    }

    /// The rules of `price`, computed from the mocks directly.
    function _reference(uint256 index) internal view returns (bool ok, uint256 price1e18) {
        MockAggregator feed = handler.feeds(index);
        IOracleAdapter.FeedConfig memory config = adapter.feed(handler.assets(index));
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();

        // The rules themselves compare with `block.timestamp`; this restates them.
        // forge-lint: disable-start(block-timestamp)
        if (answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) return (false, 0);
        if (block.timestamp - updatedAt > config.heartbeat) return (false, 0);

        uint8 decimals = feed.decimals();
        uint256 positive = SafeCast.toUint256(answer);
        if (decimals <= 18) {
            uint256 factor = 10 ** (18 - decimals);
            if (positive > config.maxPrice / factor) return (false, 0);
            price1e18 = positive * factor;
        } else {
            price1e18 = positive / 10 ** (decimals - 18);
        }
        if (price1e18 < config.minPrice || price1e18 > config.maxPrice) return (false, 0);

        (address uptimeFeed, uint32 gracePeriod) = adapter.sequencerFeed();
        if (uptimeFeed != address(0)) {
            (, int256 status, uint256 upSince,,) = sequencer.latestRoundData();
            if (status != 0 || upSince == 0) return (false, 0);
            if (block.timestamp < upSince + gracePeriod) return (false, 0);
        }
        // forge-lint: disable-end(block-timestamp)
        return (true, price1e18);
    }
}
