// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { GasBenchBase } from "./GasBenchBase.sol";
import { TestToken } from "contracts/src/devnet/TestToken.sol";
import { IOracleAdapter } from "contracts/src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "contracts/src/libraries/MsgCodec.sol";
import { MockAggregator } from "contracts/src/oracle/MockAggregator.sol";

/// The liquidation path, one transaction per step, in the operations bench's world (GasBenchBase): reported,
/// not judged (no peer, no target). Snapshot names are `<operation>.<case>.ballast`. Added to that world:
/// - alice, the repeat user, also has a line on REMOTE_B: 6,000 credit exported there, 5,000 USDC borrowed
///   (with her 8,000 exported and 5,100 drawn on REMOTE_A: 14,000 exported against 10 WETH);
/// - dave, liquidated once before so the seize counters are in use: 0.5 WETH and 0.1 WBTC, 5,000 credit
///   exported to REMOTE_A and borrowed; WBTC falls to $50,000, he is flagged, and carol repays 500 USDC of his
///   debt for WBTC;
/// - eight more listed assets (18 decimals, $100, Chainlink-style mock feeds) and three holders with 1, 4 and
///   8 of them (10 of each) and 100 credit exported, for the health reads.
/// carol is the liquidator (her home address too); she already holds WETH and WBTC on home.
contract LiquidationGasBench is GasBenchBase {
    /// Health reads are measured for accounts holding this many assets (the most is `MAX_ASSETS`, 8).
    uint256 internal constant HEALTH_ASSETS = 8;
    int256 internal constant HEALTH_ASSET_ANSWER = 100e8;

    address internal dave = makeAddr("dave");
    /// Feed answers `_postRounds` posts (8 decimals, USD).
    int256 internal wethAnswer = 2000e8;
    int256 internal wbtcAnswer = 60_000e8;
    TestToken[] internal healthAssets;
    MockAggregator[] internal healthFeeds;

    function setUp() public override {
        super.setUp();
        wbtc.mint(carol, 1e8);

        // alice: a second line, on REMOTE_B.
        uint256 fee = vault.quoteExport(REMOTE_B, "").nativeFee;
        _expectPacket();
        vm.prank(alice);
        vault.exportCredit{ value: fee }(alice, REMOTE_B, 6000e18, alice, "");
        _deliver("", _sentPacket());
        vm.startPrank(alice);
        mirrorB.setConsumerAuthorization(alice, address(poolB), true);
        poolB.borrow(alice, 5000e6, alice);
        vm.stopPrank();

        // dave: liquidated once, partly, paid in WBTC.
        vm.deal(dave, 1 ether);
        weth.mint(dave, 0.5 ether);
        wbtc.mint(dave, 0.1e8);
        vm.startPrank(dave);
        weth.approve(address(vault), type(uint256).max);
        wbtc.approve(address(vault), type(uint256).max);
        vault.deposit(dave, address(weth), 0.5 ether); // $1,000, power 800
        vault.deposit(dave, address(wbtc), 0.1e8); // $6,000, power 4,200
        vm.stopPrank();
        _exportToA(dave, 5000e18);
        vm.startPrank(dave);
        mirrorA.setConsumerAuthorization(dave, address(poolA), true);
        poolA.borrow(dave, 5000e6, dave);
        vm.stopPrank();
        wbtcAnswer = 50_000e8; // health (850 + 3,750) / 5,000 < 1
        _pass(1 hours);
        _flag(dave);
        _deliver("", _sentPacket());
        _liquidate(dave, 500e6, address(wbtc));
        _deliver("", _sentPacket());

        // Eight more assets, and holders of 1, 4 and 8 of them.
        vm.startPrank(governor);
        for (uint256 i; i < HEALTH_ASSETS; ++i) {
            string memory name = string.concat("Asset ", vm.toString(i + 1));
            TestToken token = new TestToken(name, name, 18);
            MockAggregator feed = new MockAggregator(8, name, HEALTH_ASSET_ANSWER);
            oracle.setFeed(address(token), IOracleAdapter.FeedConfig(address(feed), 1 hours, 1e18, 1e24));
            vault.configureAsset(address(token), 8000, 8500, 500, type(uint128).max, true);
            healthAssets.push(token);
            healthFeeds.push(feed);
        }
        vm.stopPrank();
        _openHolder(1);
        _openHolder(4);
        _openHolder(8);
        _pass(1 hours);
    }

    /// Every feed of this bench posts a new round: WETH and WBTC at `wethAnswer` / `wbtcAnswer`, the eight
    /// health assets at $100.
    function _postRounds() internal override {
        wethFeed.setAnswer(wethAnswer);
        wbtcFeed.setAnswer(wbtcAnswer);
        for (uint256 i; i < healthFeeds.length; ++i) {
            healthFeeds[i].setAnswer(HEALTH_ASSET_ANSWER);
        }
    }

    // ------------------------------------------------------------------ flag, LIQUIDATABLE receive

    /// WETH at $1,500: alice's health is 12,750 / 14,000. Anyone (bob) flags her, paying the two notices; the
    /// one to REMOTE_A is then received: her line shrinks to the 5,100 drawn, 2,900 is parked to go home.
    function test_flag_twoRemotes() public {
        wethAnswer = 1500e8;
        _pass(1 hours);
        uint256 fee = vault.quoteNotices(alice, MsgCodec.TYPE_LIQUIDATABLE, "");
        _expectPacket();
        _measure("flag.twoRemotes.ballast", bob, address(vault), fee, abi.encodeCall(vault.flag, (alice, "")));
        bytes[] memory notices = _sentPackets();
        assertEq(notices.length, 2, "one LIQUIDATABLE per remote");
        assertEq(vault.epochOf(alice), 1);

        _pass(1 hours);
        _deliver("liquidatableReceive.undrawnParked.ballast", notices[0]);
        _deliver("", notices[1]);
        assertEq(mirrorA.lineOf(alice).epoch, 1);
        assertEq(mirrorA.parkedOf(alice), 2900e18);
        assertEq(mirrorB.lineOf(alice).epoch, 1);
    }

    // ------------------------------------------------------------------ liquidate on a remote, SEIZE receive at home

    /// alice flagged at WETH $1,500, the notices delivered. carol repays 1,000 of alice's 5,000 USDC on
    /// REMOTE_A (the close factor allows 2,550): the pool takes the USDC, the mirror debits the line and sends
    /// SEIZE. At home the SEIZE checks alice's health and pays 1,000 × 1.05 = $1,050 = 0.7 WETH.
    function test_liquidate_seizeInOneAsset() public {
        wethAnswer = 1500e8;
        _pass(1 hours);
        _flag(alice);
        bytes[] memory notices = _sentPackets();
        _deliver("", notices[0]);
        _deliver("", notices[1]);

        _pass(1 hours);
        uint256 fee = mirrorA.quote(MsgCodec.TYPE_SEIZE, "").nativeFee;
        _expectPacket();
        _measure(
            "liquidate.partial.ballast",
            carol,
            address(poolA),
            fee,
            abi.encodeCall(poolA.liquidate, (alice, 1000e6, carol, address(weth), ""))
        );
        bytes memory seize = _sentPacket();
        assertEq(mirrorA.lineOf(alice).drawn, 4100e18);

        _pass(1 hours);
        uint256 before = weth.balanceOf(carol);
        _deliver("seizeReceive.oneAsset.ballast", seize);
        assertEq(weth.balanceOf(carol) - before, 0.7 ether);
        assertEq(vault.exportedTo(alice, REMOTE_A), 7000e18);
    }

    /// dave (WETH $2,000, WBTC $50,000, health 4,187.5 / 4,500) is liquidated again: carol repays 1,500 and asks
    /// for WETH. His 0.5 WETH ($1,000) covers 952.38 of it with the 5% bonus; WBTC pays the rest with its 10%.
    function test_seizeReceive_twoAssets() public {
        _pass(1 hours);
        _liquidate(dave, 1500e6, address(weth));
        bytes memory seize = _sentPacket();

        _pass(1 hours);
        uint256 wbtcBefore = wbtc.balanceOf(carol);
        _deliver("seizeReceive.twoAssets.ballast", seize);
        assertEq(vault.collateralOf(dave, address(weth)), 0, "the chosen asset ran out");
        assertGt(wbtc.balanceOf(carol), wbtcBefore, "the next asset paid the rest");
    }

    // ------------------------------------------------------------------ health reads

    /// `liquidationHealth` (what flag, clear and SEIZE judge by) and `health` (fresh prices), each read as a
    /// transaction of its own, for accounts holding 1, 4 and 8 assets.
    function test_health_oneFourEightAssets() public {
        uint256[3] memory counts = [uint256(1), 4, 8];
        for (uint256 i; i < counts.length; ++i) {
            string memory assets = string.concat("assets", vm.toString(counts[i]));
            address holder = _holder(counts[i]);
            assertEq(vault.assetsOf(holder).length, counts[i]);
            _measure(
                string.concat("liquidationHealth.", assets, ".ballast"),
                bob,
                address(vault),
                0,
                abi.encodeCall(vault.liquidationHealth, (holder))
            );
            _measure(
                string.concat("health.", assets, ".ballast"),
                bob,
                address(vault),
                0,
                abi.encodeCall(vault.health, (holder))
            );
            // Σ 10 × $100 × 85% over the assets, against 100 exported.
            assertEq(vault.liquidationHealth(holder), counts[i] * 8.5e18);
        }
    }

    // ------------------------------------------------------------------ helpers

    /// Exports `amount` of `account`'s credit to REMOTE_A and delivers the GRANT.
    function _exportToA(address account, uint128 amount) internal {
        (uint256 fee, bytes memory data) = _exportCall(account, amount);
        _expectPacket();
        vm.prank(account);
        (bool ok,) = address(vault).call{ value: fee }(data);
        require(ok, "gas bench: export failed");
        _deliver("", _sentPacket());
    }

    /// bob flags `account`, paying exactly the notices' fee; the notices are left to `_sentPackets`.
    function _flag(address account) internal {
        uint256 fee = vault.quoteNotices(account, MsgCodec.TYPE_LIQUIDATABLE, "");
        _expectPacket();
        vm.prank(bob);
        vault.flag{ value: fee }(account, "");
    }

    /// carol repays `amount` USDC of `account`'s debt on REMOTE_A, paid in `asset` first; the SEIZE is left to
    /// `_sentPacket`.
    function _liquidate(address account, uint256 amount, address asset) internal {
        uint256 fee = mirrorA.quote(MsgCodec.TYPE_SEIZE, "").nativeFee;
        _expectPacket();
        vm.prank(carol);
        poolA.liquidate{ value: fee }(account, amount, carol, asset, "");
    }

    function _holder(uint256 count) internal returns (address) {
        return makeAddr(string.concat("holder of ", vm.toString(count)));
    }

    /// A holder of the first `count` health assets, 10 of each, with 100 credit exported.
    function _openHolder(uint256 count) internal {
        address holder = _holder(count);
        vm.startPrank(holder);
        for (uint256 i; i < count; ++i) {
            healthAssets[i].mint(holder, 10 ether);
            healthAssets[i].approve(address(vault), type(uint256).max);
            vault.deposit(holder, address(healthAssets[i]), 10 ether);
        }
        vm.stopPrank();
        vm.deal(holder, 1 ether);
        _exportToA(holder, 100e18);
    }
}
