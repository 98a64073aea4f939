// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IAggregatorV3 } from "../../src/interfaces/IAggregatorV3.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { ChainlinkOracleAdapter } from "../../src/oracle/ChainlinkOracleAdapter.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { Test } from "forge-std/Test.sol";

/// Unit and fuzz tests of `ChainlinkOracleAdapter` against the rules O-1… in docs/PROTOCOL.md
/// ("Oracle adapter"): every function, every revert, and `tryPrice` agreeing with `price`.
contract ChainlinkOracleAdapterTest is Test {
    uint256 internal constant START = 1_700_000_000;
    uint32 internal constant HEARTBEAT = 1 hours;
    uint32 internal constant GRACE = 1 hours;
    uint128 internal constant MIN_PRICE = 1e18; // 1 USD
    uint128 internal constant MAX_PRICE = 1e24; // 1,000,000 USD

    address internal owner = makeAddr("timelock");
    address internal stranger = makeAddr("stranger");
    address internal weth = makeAddr("WETH");
    address internal usdc = makeAddr("USDC");

    ChainlinkOracleAdapter internal adapter;
    MockAggregator internal ethFeed; // 8 decimals, like Chainlink's ETH / USD
    MockAggregator internal sequencer; // Chainlink L2 uptime feed: 0 decimals, 0 = up

    function setUp() public {
        vm.warp(START);
        adapter = new ChainlinkOracleAdapter(owner);
        ethFeed = new MockAggregator(8, "ETH / USD", 3000e8);
        sequencer = new MockAggregator(0, "L2 sequencer uptime", 0);
        _setFeed(weth, address(ethFeed), HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    // ---------------------------------------------------------------------------------------------
    // constructor and ownership
    // ---------------------------------------------------------------------------------------------

    function test_constructor_setsOwner() public view {
        assertEq(adapter.owner(), owner);
        assertEq(adapter.pendingOwner(), address(0));
    }

    function test_RevertWhen_constructorZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new ChainlinkOracleAdapter(address(0));
    }

    function test_transferOwnership_takesEffectOnlyWhenAccepted() public {
        address next = makeAddr("nextTimelock");
        vm.prank(owner);
        adapter.transferOwnership(next);
        assertEq(adapter.owner(), owner);

        // The pending owner cannot act before accepting.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, next));
        vm.prank(next);
        adapter.removeFeed(weth);

        vm.prank(next);
        adapter.acceptOwnership();
        assertEq(adapter.owner(), next);
    }

    // ---------------------------------------------------------------------------------------------
    // price: normalisation
    // ---------------------------------------------------------------------------------------------

    function test_price_normalisesEightDecimals() public view {
        assertEq(adapter.price(weth), 3000e18);
    }

    function test_price_normalisesZeroDecimals() public {
        _assertNormalises(0, 3000);
    }

    function test_price_normalisesSixDecimals() public {
        _assertNormalises(6, 1_000_123);
    }

    function test_price_normalisesEighteenDecimals() public {
        _assertNormalises(18, 1234.5678e18);
    }

    function test_price_normalisesThirtySixDecimalsRoundingDown() public {
        // 2.999…9 USD with 36 decimals rounds down to 2.999999999999999999e18.
        _assertNormalises(36, 3e36 - 1);
        assertEq(adapter.price(usdc), 3e18 - 1);
    }

    /// forge-config: default.fuzz.runs = 1024
    function testFuzz_price_normalisesDecimals(uint8 decimals, uint256 answer) public {
        decimals = uint8(bound(decimals, 0, 36));
        answer = bound(answer, 1, uint256(type(int256).max));
        _assertNormalises(decimals, answer);
    }

    /// A scaled answer too large for uint256 saturates and is out of bounds, never a panic.
    function test_RevertWhen_priceAnswerTooLargeToScale() public {
        ethFeed.setAnswer(type(int256).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.Oracle_PriceOutOfBounds.selector, weth, type(uint256).max, MIN_PRICE, MAX_PRICE
            )
        );
        adapter.price(weth);
    }

    // ---------------------------------------------------------------------------------------------
    // price: feed checks
    // ---------------------------------------------------------------------------------------------

    function test_RevertWhen_priceUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_UnknownAsset.selector, usdc));
        adapter.price(usdc);
    }

    function test_price_succeedsExactlyAtHeartbeat() public {
        vm.warp(START + HEARTBEAT);
        assertEq(adapter.price(weth), 3000e18);
    }

    function test_RevertWhen_priceStaleByOneSecond() public {
        vm.warp(START + HEARTBEAT + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_StalePrice.selector, weth, START, HEARTBEAT));
        adapter.price(weth);
    }

    function testFuzz_price_revertsWhenStale(uint32 heartbeat, uint256 age) public {
        heartbeat = uint32(bound(heartbeat, 1, type(uint32).max));
        age = bound(age, uint256(heartbeat) + 1, uint256(heartbeat) + 100 * 365 days);
        _setFeed(weth, address(ethFeed), heartbeat, MIN_PRICE, MAX_PRICE);
        vm.warp(START + age);

        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_StalePrice.selector, weth, START, heartbeat));
        adapter.price(weth);
    }

    function testFuzz_price_succeedsWithinHeartbeat(uint32 heartbeat, uint256 age) public {
        heartbeat = uint32(bound(heartbeat, 1, type(uint32).max));
        age = bound(age, 0, heartbeat);
        _setFeed(weth, address(ethFeed), heartbeat, MIN_PRICE, MAX_PRICE);
        vm.warp(START + age);
        assertEq(adapter.price(weth), 3000e18);
    }

    function test_RevertWhen_priceZeroAnswer() public {
        ethFeed.setAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_NonPositivePrice.selector, weth, int256(0)));
        adapter.price(weth);
    }

    function test_RevertWhen_priceNegativeAnswer() public {
        ethFeed.setAnswer(-1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_NonPositivePrice.selector, weth, int256(-1)));
        adapter.price(weth);
    }

    function test_RevertWhen_priceIncompleteRound() public {
        ethFeed.setUpdatedAt(0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_IncompleteRound.selector, weth));
        adapter.price(weth);
    }

    function test_RevertWhen_priceFutureTimestamp() public {
        ethFeed.setUpdatedAt(START + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_FutureTimestamp.selector, weth, START + 1));
        adapter.price(weth);
    }

    function test_RevertWhen_priceFeedReverts() public {
        vm.mockCallRevert(address(ethFeed), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "access revoked");
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_FeedCallFailed.selector, weth, address(ethFeed)));
        adapter.price(weth);
    }

    function test_RevertWhen_priceFeedReturnsShortData() public {
        vm.mockCall(
            address(ethFeed), abi.encodeCall(IAggregatorV3.latestRoundData, ()), abi.encode(uint80(1), int256(3000e8))
        );
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_FeedCallFailed.selector, weth, address(ethFeed)));
        adapter.price(weth);
    }

    function test_RevertWhen_priceFeedLostItsCode() public {
        vm.etch(address(ethFeed), "");
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_FeedCallFailed.selector, weth, address(ethFeed)));
        adapter.price(weth);
    }

    // ---------------------------------------------------------------------------------------------
    // price: bounds (an 18-decimals feed, so every wei of price is expressible)
    // ---------------------------------------------------------------------------------------------

    function test_price_succeedsAtMinPrice() public {
        MockAggregator feed = _boundedFeed(MIN_PRICE);
        assertEq(adapter.price(usdc), MIN_PRICE);
        feed.setAnswer(int256(uint256(MIN_PRICE) + 1));
        assertEq(adapter.price(usdc), MIN_PRICE + 1);
    }

    function test_RevertWhen_priceBelowMinPrice() public {
        _boundedFeed(MIN_PRICE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.Oracle_PriceOutOfBounds.selector, usdc, MIN_PRICE - 1, MIN_PRICE, MAX_PRICE
            )
        );
        adapter.price(usdc);
    }

    function test_price_succeedsAtMaxPrice() public {
        MockAggregator feed = _boundedFeed(MAX_PRICE);
        assertEq(adapter.price(usdc), MAX_PRICE);
        feed.setAnswer(int256(uint256(MAX_PRICE) - 1));
        assertEq(adapter.price(usdc), MAX_PRICE - 1);
    }

    function test_RevertWhen_priceAboveMaxPrice() public {
        _boundedFeed(uint256(MAX_PRICE) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.Oracle_PriceOutOfBounds.selector, usdc, uint256(MAX_PRICE) + 1, MIN_PRICE, MAX_PRICE
            )
        );
        adapter.price(usdc);
    }

    function test_RevertWhen_priceScalesDownToZero() public {
        // 1 wei of a 36-decimals answer is 1e-36 USD: rounds down to 0, below any minPrice (≥ 1).
        MockAggregator feed36 = new MockAggregator(36, "DUST / USD", 1);
        _setFeed(usdc, address(feed36), HEARTBEAT, 1, MAX_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_PriceOutOfBounds.selector, usdc, 0, 1, MAX_PRICE));
        adapter.price(usdc);
    }

    function testFuzz_price_enforcesBounds(uint128 minPrice, uint128 maxPrice, uint256 answer) public {
        minPrice = uint128(bound(minPrice, 1, type(uint128).max - 1));
        maxPrice = uint128(bound(maxPrice, uint256(minPrice) + 1, type(uint128).max));
        answer = bound(answer, 1, uint256(type(int256).max));
        MockAggregator feed = new MockAggregator(18, "X / USD", SafeCast.toInt256(answer));
        _setFeed(usdc, address(feed), HEARTBEAT, minPrice, maxPrice);

        if (answer < minPrice || answer > maxPrice) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.Oracle_PriceOutOfBounds.selector, usdc, answer, minPrice, maxPrice
                )
            );
            adapter.price(usdc);
        } else {
            assertEq(adapter.price(usdc), answer);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // price: L2 sequencer
    // ---------------------------------------------------------------------------------------------

    function test_price_ignoresSequencerWhenNoneSet() public {
        sequencer.setAnswer(1); // down, but not configured
        assertEq(adapter.price(weth), 3000e18);
    }

    function test_RevertWhen_priceSequencerDown() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(1);
        vm.expectRevert(IOracleAdapter.Oracle_SequencerDown.selector);
        adapter.price(weth);
    }

    function test_RevertWhen_priceSequencerAnswersNeitherUpNorDown() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(2);
        vm.expectRevert(IOracleAdapter.Oracle_SequencerDown.selector);
        adapter.price(weth);
    }

    function test_RevertWhen_priceSequencerStartedAtZero() public {
        _setSequencer(GRACE);
        sequencer.setRoundData(1, 0, 0, START, 1); // uninitialised uptime feed
        vm.expectRevert(IOracleAdapter.Oracle_SequencerDown.selector);
        adapter.price(weth);
    }

    function test_RevertWhen_priceSequencerFeedReverts() public {
        _setSequencer(GRACE);
        vm.mockCallRevert(address(sequencer), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "");
        vm.expectRevert(IOracleAdapter.Oracle_SequencerDown.selector);
        adapter.price(weth);
    }

    function test_RevertWhen_priceSequencerJustCameUp() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_SequencerGracePeriod.selector, START, GRACE));
        adapter.price(weth);
    }

    function test_RevertWhen_priceOneSecondBeforeGraceEnds() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START - GRACE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOracleAdapter.Oracle_SequencerGracePeriod.selector, START - GRACE + 1, GRACE)
        );
        adapter.price(weth);
    }

    function test_price_succeedsExactlyWhenGraceEnds() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START - GRACE);
        assertEq(adapter.price(weth), 3000e18);
    }

    function test_RevertWhen_priceSequencerUpSinceInFuture() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_SequencerGracePeriod.selector, START + 1, GRACE));
        adapter.price(weth);
    }

    function test_price_zeroGracePeriodAllowsPriceAtUpSince() public {
        _setSequencer(0);
        _sequencerUpAt(START);
        assertEq(adapter.price(weth), 3000e18);
    }

    function testFuzz_price_gracePeriod(uint32 gracePeriod, uint256 sinceUp) public {
        sinceUp = bound(sinceUp, 0, START - 1);
        _setSequencer(gracePeriod);
        _sequencerUpAt(START - sinceUp);
        if (sinceUp < gracePeriod) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.Oracle_SequencerGracePeriod.selector, START - sinceUp, gracePeriod
                )
            );
        }
        adapter.price(weth);
    }

    /// Feed problems are reported before the sequencer's (the documented order).
    function test_price_reportsFeedProblemBeforeSequencer() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(1);
        vm.warp(START + HEARTBEAT + 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_StalePrice.selector, weth, START, HEARTBEAT));
        adapter.price(weth);
    }

    // ---------------------------------------------------------------------------------------------
    // tryPrice
    // ---------------------------------------------------------------------------------------------

    function test_tryPrice_returnsPriceWhenGood() public view {
        _assertTryPrice(weth, true, 3000e18, START);
    }

    function test_tryPrice_notOkWhenUnknownAsset() public view {
        _assertTryPrice(usdc, false, 0, 0);
    }

    function test_tryPrice_notOkWhenStaleButReturnsLastPrice() public {
        vm.warp(START + HEARTBEAT + 1);
        _assertTryPrice(weth, false, 3000e18, START);
    }

    function test_tryPrice_notOkWhenZeroAnswer() public {
        ethFeed.setAnswer(0);
        _assertTryPrice(weth, false, 0, START);
    }

    function test_tryPrice_notOkWhenNegativeAnswer() public {
        ethFeed.setAnswer(-5e8);
        _assertTryPrice(weth, false, 0, START);
    }

    function test_tryPrice_notOkWhenIncompleteRound() public {
        ethFeed.setUpdatedAt(0);
        _assertTryPrice(weth, false, 0, 0);
    }

    function test_tryPrice_notOkWhenFutureTimestamp() public {
        ethFeed.setUpdatedAt(START + 10);
        _assertTryPrice(weth, false, 3000e18, START + 10);
    }

    function test_tryPrice_notOkWhenBelowMinButReturnsPrice() public {
        ethFeed.setAnswer(0.5e8);
        _assertTryPrice(weth, false, 0.5e18, START);
    }

    function test_tryPrice_notOkWhenAboveMaxButReturnsPrice() public {
        ethFeed.setAnswer(2_000_000e8);
        _assertTryPrice(weth, false, 2_000_000e18, START);
    }

    function test_tryPrice_notOkWhenAnswerTooLargeToScale() public {
        ethFeed.setAnswer(type(int256).max);
        _assertTryPrice(weth, false, type(uint256).max, START);
    }

    function test_tryPrice_notOkWhenFeedReverts() public {
        vm.mockCallRevert(address(ethFeed), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "access revoked");
        _assertTryPrice(weth, false, 0, 0);
    }

    function test_tryPrice_notOkWhenFeedReturnsShortData() public {
        vm.mockCall(address(ethFeed), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "");
        _assertTryPrice(weth, false, 0, 0);
    }

    function test_tryPrice_notOkWhenSequencerDownButReturnsPrice() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(1);
        _assertTryPrice(weth, false, 3000e18, START);
    }

    function test_tryPrice_notOkWithinGracePeriodButReturnsPrice() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START);
        _assertTryPrice(weth, false, 3000e18, START);
    }

    function test_tryPrice_notOkWhenSequencerFeedReverts() public {
        _setSequencer(GRACE);
        vm.mockCallRevert(address(sequencer), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "");
        _assertTryPrice(weth, false, 3000e18, START);
    }

    /// Whatever the feed and the sequencer say, `tryPrice` is ok exactly when `price` succeeds, with
    /// the same price, and it never reverts.
    function testFuzz_tryPrice_agreesWithPrice(
        int256 answer,
        uint256 updatedAt,
        uint256 elapsed,
        bool sequencerSet,
        int256 sequencerAnswer,
        uint256 upSince
    ) public {
        answer = bound(answer, -10, 2_000_000e8);
        updatedAt = bound(updatedAt, 0, START + 10);
        elapsed = bound(elapsed, 0, 2 * HEARTBEAT);
        sequencerAnswer = bound(sequencerAnswer, 0, 2);
        upSince = bound(upSince, 0, START + elapsed + 10);
        ethFeed.setRoundData(7, answer, updatedAt, updatedAt, 7);
        if (sequencerSet) {
            _setSequencer(GRACE);
            sequencer.setRoundData(3, sequencerAnswer, upSince, upSince, 3);
        }
        vm.warp(START + elapsed);

        (bool ok, uint256 price1e18, uint256 at) = adapter.tryPrice(weth);
        assertEq(at, updatedAt, "updatedAt");
        try adapter.price(weth) returns (uint256 priced) {
            assertTrue(ok, "price succeeded but tryPrice not ok");
            assertEq(price1e18, priced, "price");
        } catch {
            assertFalse(ok, "price reverted but tryPrice ok");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // feed, sequencerFeed, sequencerStatus
    // ---------------------------------------------------------------------------------------------

    function test_feed_returnsConfig() public view {
        IOracleAdapter.FeedConfig memory config = adapter.feed(weth);
        assertEq(config.aggregator, address(ethFeed));
        assertEq(config.heartbeat, HEARTBEAT);
        assertEq(config.minPrice, MIN_PRICE);
        assertEq(config.maxPrice, MAX_PRICE);
    }

    function test_feed_isZeroForUnknownAsset() public view {
        IOracleAdapter.FeedConfig memory config = adapter.feed(usdc);
        assertEq(config.aggregator, address(0));
        assertEq(config.heartbeat, 0);
        assertEq(config.minPrice, 0);
        assertEq(config.maxPrice, 0);
    }

    function test_sequencerFeed_returnsConfig() public {
        (address uptimeFeed, uint32 gracePeriod) = adapter.sequencerFeed();
        assertEq(uptimeFeed, address(0));
        assertEq(gracePeriod, 0);
        _setSequencer(GRACE);
        (uptimeFeed, gracePeriod) = adapter.sequencerFeed();
        assertEq(uptimeFeed, address(sequencer));
        assertEq(gracePeriod, GRACE);
    }

    function test_sequencerStatus_upWhenNoFeed() public view {
        _assertSequencerStatus(true, 0);
    }

    function test_sequencerStatus_upSinceStatusChange() public {
        _setSequencer(GRACE);
        _sequencerUpAt(START - 100);
        _assertSequencerStatus(true, START - 100);
    }

    function test_sequencerStatus_downWhenAnswerOne() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(1);
        _assertSequencerStatus(false, 0);
    }

    function test_sequencerStatus_downWhenStartedAtZero() public {
        _setSequencer(GRACE);
        sequencer.setRoundData(1, 0, 0, START, 1);
        _assertSequencerStatus(false, 0);
    }

    function test_sequencerStatus_downWhenFeedReverts() public {
        _setSequencer(GRACE);
        vm.mockCallRevert(address(sequencer), abi.encodeCall(IAggregatorV3.latestRoundData, ()), "");
        _assertSequencerStatus(false, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // setFeed
    // ---------------------------------------------------------------------------------------------

    function test_setFeed_storesConfigAndEmits() public {
        MockAggregator usdcFeed = new MockAggregator(6, "USDC / USD", 1e6);
        vm.expectEmit(address(adapter));
        emit IOracleAdapter.FeedSet(usdc, address(usdcFeed), 1 days, 0.9e18, 1.1e18, 6);
        _setFeed(usdc, address(usdcFeed), 1 days, 0.9e18, 1.1e18);

        IOracleAdapter.FeedConfig memory config = adapter.feed(usdc);
        assertEq(config.aggregator, address(usdcFeed));
        assertEq(config.heartbeat, 1 days);
        assertEq(config.minPrice, 0.9e18);
        assertEq(config.maxPrice, 1.1e18);
        assertEq(adapter.price(usdc), 1e18);
    }

    function test_setFeed_replacesFeedAndDecimals() public {
        MockAggregator ethFeed18 = new MockAggregator(18, "ETH / USD", 2500e18);
        _setFeed(weth, address(ethFeed18), 2 hours, MIN_PRICE, MAX_PRICE);
        assertEq(adapter.feed(weth).aggregator, address(ethFeed18));
        assertEq(adapter.feed(weth).heartbeat, 2 hours);
        assertEq(adapter.price(weth), 2500e18);
    }

    function test_setFeed_acceptsThirtySixDecimals() public {
        MockAggregator feed36 = new MockAggregator(36, "X / USD", 1e36);
        _setFeed(usdc, address(feed36), HEARTBEAT, MIN_PRICE, MAX_PRICE);
        assertEq(adapter.price(usdc), 1e18);
    }

    function test_RevertWhen_setFeedNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        adapter.setFeed(usdc, _config(address(ethFeed), HEARTBEAT, MIN_PRICE, MAX_PRICE));
    }

    function test_RevertWhen_setFeedZeroAsset() public {
        _expectBadConfig(address(0), IOracleAdapter.ConfigFault.ZeroAsset);
        _setFeed(address(0), address(ethFeed), HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    function test_RevertWhen_setFeedZeroAggregator() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.AggregatorNotContract);
        _setFeed(usdc, address(0), HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    function test_RevertWhen_setFeedAggregatorWithoutCode() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.AggregatorNotContract);
        _setFeed(usdc, stranger, HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    function test_RevertWhen_setFeedZeroHeartbeat() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.ZeroHeartbeat);
        _setFeed(usdc, address(ethFeed), 0, MIN_PRICE, MAX_PRICE);
    }

    function test_RevertWhen_setFeedZeroMinPrice() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.ZeroMinPrice);
        _setFeed(usdc, address(ethFeed), HEARTBEAT, 0, MAX_PRICE);
    }

    function test_RevertWhen_setFeedMinEqualsMax() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.MinNotBelowMax);
        _setFeed(usdc, address(ethFeed), HEARTBEAT, MIN_PRICE, MIN_PRICE);
    }

    function test_RevertWhen_setFeedMinAboveMax() public {
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.MinNotBelowMax);
        _setFeed(usdc, address(ethFeed), HEARTBEAT, MAX_PRICE, MIN_PRICE);
    }

    function test_RevertWhen_setFeedDecimalsAbove36() public {
        MockAggregator feed37 = new MockAggregator(37, "X / USD", 1e37);
        _expectBadConfig(usdc, IOracleAdapter.ConfigFault.DecimalsAbove36);
        _setFeed(usdc, address(feed37), HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    // ---------------------------------------------------------------------------------------------
    // removeFeed
    // ---------------------------------------------------------------------------------------------

    function test_removeFeed_deletesFeedAndEmits() public {
        vm.expectEmit(address(adapter));
        emit IOracleAdapter.FeedRemoved(weth, address(ethFeed));
        vm.prank(owner);
        adapter.removeFeed(weth);

        assertEq(adapter.feed(weth).aggregator, address(0));
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_UnknownAsset.selector, weth));
        adapter.price(weth);
    }

    function test_RevertWhen_removeFeedUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_UnknownAsset.selector, usdc));
        vm.prank(owner);
        adapter.removeFeed(usdc);
    }

    function test_RevertWhen_removeFeedNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        adapter.removeFeed(weth);
    }

    // ---------------------------------------------------------------------------------------------
    // setSequencerFeed
    // ---------------------------------------------------------------------------------------------

    function test_setSequencerFeed_storesAndEmits() public {
        vm.expectEmit(address(adapter));
        emit IOracleAdapter.SequencerFeedSet(address(sequencer), GRACE);
        _setSequencer(GRACE);
        (address uptimeFeed, uint32 gracePeriod) = adapter.sequencerFeed();
        assertEq(uptimeFeed, address(sequencer));
        assertEq(gracePeriod, GRACE);
    }

    function test_setSequencerFeed_zeroTurnsCheckOff() public {
        _setSequencer(GRACE);
        sequencer.setAnswer(1);
        vm.expectEmit(address(adapter));
        emit IOracleAdapter.SequencerFeedSet(address(0), 0);
        vm.prank(owner);
        adapter.setSequencerFeed(address(0), 0);
        assertEq(adapter.price(weth), 3000e18);
        _assertSequencerStatus(true, 0);
    }

    function test_RevertWhen_setSequencerFeedWithoutCode() public {
        _expectBadConfig(address(0), IOracleAdapter.ConfigFault.AggregatorNotContract);
        vm.prank(owner);
        adapter.setSequencerFeed(stranger, GRACE);
    }

    function test_RevertWhen_setSequencerFeedNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        adapter.setSequencerFeed(address(sequencer), GRACE);
    }

    // ---------------------------------------------------------------------------------------------
    // MockAggregator (used by the devnet as well as these tests)
    // ---------------------------------------------------------------------------------------------

    function test_mockAggregator_setAnswerStartsRoundNowAndEmits() public {
        vm.warp(START + 5);
        vm.expectEmit(address(ethFeed));
        emit MockAggregator.AnswerUpdated(2000e8, 2, START + 5);
        ethFeed.setAnswer(2000e8);
        _assertRound(ethFeed, 2, 2000e8, START + 5, START + 5, 2);
        assertEq(ethFeed.decimals(), 8);
        assertEq(ethFeed.description(), "ETH / USD");
    }

    function test_mockAggregator_setRoundDataAndUpdatedAt() public {
        ethFeed.setRoundData(9, 42, 100, 200, 8);
        _assertRound(ethFeed, 9, 42, 100, 200, 8);
        vm.expectEmit(address(ethFeed));
        emit MockAggregator.AnswerUpdated(42, 9, 300);
        ethFeed.setUpdatedAt(300);
        _assertRound(ethFeed, 9, 42, 100, 300, 8);
    }

    // ---------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------

    function _config(address aggregator, uint32 heartbeat, uint128 minPrice, uint128 maxPrice)
        internal
        pure
        returns (IOracleAdapter.FeedConfig memory)
    {
        return IOracleAdapter.FeedConfig({
            aggregator: aggregator, heartbeat: heartbeat, minPrice: minPrice, maxPrice: maxPrice
        });
    }

    function _setFeed(address asset, address aggregator, uint32 heartbeat, uint128 minPrice, uint128 maxPrice)
        internal
    {
        vm.prank(owner);
        adapter.setFeed(asset, _config(aggregator, heartbeat, minPrice, maxPrice));
    }

    function _setSequencer(uint32 gracePeriod) internal {
        vm.prank(owner);
        adapter.setSequencerFeed(address(sequencer), gracePeriod);
    }

    function _sequencerUpAt(uint256 upSince) internal {
        sequencer.setRoundData(2, 0, upSince, upSince, 2);
    }

    /// An 18-decimals feed for `usdc` answering `answer` (so the answer is the price), with the default bounds.
    function _boundedFeed(uint256 answer) internal returns (MockAggregator feed) {
        feed = new MockAggregator(18, "X / USD", SafeCast.toInt256(answer));
        _setFeed(usdc, address(feed), HEARTBEAT, MIN_PRICE, MAX_PRICE);
    }

    function _expectBadConfig(address asset, IOracleAdapter.ConfigFault fault) internal {
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.Oracle_BadConfig.selector, asset, fault));
    }

    /// Sets a `decimals` feed answering `answer` for `usdc` with the widest bounds and checks `price`
    /// against the exact scaling: equal for ≤ 18 decimals, the floor of the quotient above.
    function _assertNormalises(uint8 decimals, uint256 answer) internal {
        MockAggregator feed = new MockAggregator(decimals, "X / USD", SafeCast.toInt256(answer));
        _setFeed(usdc, address(feed), HEARTBEAT, 1, type(uint128).max);

        uint256 expected;
        if (decimals <= 18) {
            uint256 factor = 10 ** (18 - decimals);
            // Saturates exactly when the scaled answer does not fit in 256 bits.
            expected = answer > type(uint256).max / factor ? type(uint256).max : answer * factor;
            if (expected != type(uint256).max) assertEq(expected / factor, answer);
        } else {
            uint256 divisor = 10 ** (decimals - 18);
            expected = answer / divisor;
            // Round down: expected * divisor ≤ answer < (expected + 1) * divisor.
            assertLe(expected * divisor, answer);
            assertGt((expected + 1) * divisor, answer);
        }

        if (expected == 0 || expected > type(uint128).max) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IOracleAdapter.Oracle_PriceOutOfBounds.selector, usdc, expected, 1, type(uint128).max
                )
            );
            adapter.price(usdc);
        } else {
            assertEq(adapter.price(usdc), expected);
        }
    }

    function _assertTryPrice(address asset, bool ok, uint256 price1e18, uint256 updatedAt) internal view {
        (bool gotOk, uint256 gotPrice, uint256 gotUpdatedAt) = adapter.tryPrice(asset);
        assertEq(gotOk, ok, "ok");
        assertEq(gotPrice, price1e18, "price1e18");
        assertEq(gotUpdatedAt, updatedAt, "updatedAt");
    }

    function _assertSequencerStatus(bool up, uint256 upSince) internal view {
        (bool gotUp, uint256 gotUpSince) = adapter.sequencerStatus();
        assertEq(gotUp, up, "up");
        assertEq(gotUpSince, upSince, "upSince");
    }

    function _assertRound(
        MockAggregator aggregator,
        uint80 roundId,
        int256 answer,
        uint256 startedAt,
        uint256 updatedAt,
        uint80 answeredInRound
    ) internal view {
        (uint80 gotRoundId, int256 gotAnswer, uint256 gotStartedAt, uint256 gotUpdatedAt, uint80 gotAnsweredInRound) =
            aggregator.latestRoundData();
        assertEq(gotRoundId, roundId);
        assertEq(gotAnswer, answer);
        assertEq(gotStartedAt, startedAt);
        assertEq(gotUpdatedAt, updatedAt);
        assertEq(gotAnsweredInRound, answeredInRound);
    }
}
