// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditMirror } from "../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { BlocklistToken } from "../mocks/BlocklistToken.sol";
import { LiquidationBase } from "./LiquidationBase.sol";
import { Errors } from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/Errors.sol";
import { MessagingFee, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";

/// Recall, flag, liquidate, seize, clear and bad debt across one home and two remotes, over real in-EVM
/// endpoints (docs/PROTOCOL.md#liquidation). The standard position: alice holds 10 WETH ($2,000, LTV 80%,
/// threshold 85%, bonus 5%), exported 8,000 to each remote, borrowed 7,000 USDC on A and 6,000 on B.
/// At $1,500 her home health is 12,750 / 16,000 and still 12,750 / 13,000 once undrawn credit is back.
contract LiquidationTest is LiquidationBase {
    // ------------------------------------------------------------------ flag

    function test_flag_sendsLiquidatableToEveryRemoteWithALine() public {
        _openPosition();
        _setWeth(1500e8);
        uint256 fee = vault.quoteNotices(alice, MsgCodec.TYPE_LIQUIDATABLE, "");
        uint256 before = bob.balance;
        vm.expectEmit(address(vault));
        emit ICollateralVault.AccountFlagged(alice, 1, 0.796875e18, 3);
        vm.prank(bob);
        vault.flag{ value: fee + 1 ether }(alice, "");
        assertEq(bob.balance, before - fee, "excess fee refunded");
        assertEq(vault.epochOf(alice), 1);
        _deliverAll();

        // Each remote froze the line at what is drawn, parked the rest, and allows the close factor of the drawn.
        _assertLine(mirrorA, 7000e18, 7000e18, 1);
        _assertLine(mirrorB, 6000e18, 6000e18, 1);
        assertEq(mirrorA.parkedOf(alice), 1000e18);
        assertEq(mirrorB.parkedOf(alice), 2000e18);
        assertEq(mirrorA.repayableOf(alice), 3500e18);
        assertEq(mirrorB.repayableOf(alice), 3000e18);
        // Nothing new on home while flagged.
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AccountFlagged.selector, alice));
        vault.exportCredit{ value: 1 ether }(alice, REMOTE_A, 1e18, alice, "");
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AccountFlagged.selector, alice));
        vault.withdraw(alice, address(weth), 1, alice);
        vm.stopPrank();
    }

    function test_RevertWhen_flagHealthyAccount() public {
        _openPosition();
        _setWeth(1900e8); // 16,150 / 16,000
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AccountHealthy.selector, alice, 1.009375e18));
        vault.flag{ value: 1 ether }(alice, "");
        // Nothing exported: health is infinite.
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AccountHealthy.selector, bob, type(uint256).max));
        vault.flag{ value: 1 ether }(bob, "");
    }

    function test_reflag_whileUnhealthyGivesAFreshCloseFactor() public {
        _openAndFlag();
        _liquidate(poolA, 3500e6, address(weth));
        verifyPackets(HOME, address(vault));
        assertEq(mirrorA.repayableOf(alice), 0, "close factor spent");
        // Still under 1 (7.55 WETH at $1,500 against 12,500): flagged again, epoch 1 → 3, still flagged.
        vm.prank(bob);
        vault.flag{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 3);
        assertEq(vault.flaggedSinceOf(alice), 1);
        _deliverAll();
        assertEq(mirrorA.repayableOf(alice), 1750e18, "half of the 3,500 still drawn");
        assertEq(mirrorB.repayableOf(alice), 3000e18);
        // A SEIZE made under epoch 1 that lands now still earns the bonus: the flag never stopped.
        _liquidate(poolB, 1000e6, address(weth));
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 2.45e18 + 0.7e18);
        // Once healthy, a flagged account cannot be flagged again.
        _setWeth(3000e8);
        vm.expectPartialRevert(ICollateralVault.Vault_AccountHealthy.selector);
        vault.flag{ value: 1 ether }(alice, "");
    }

    function test_RevertWhen_flagFeeTooLow() public {
        _openPosition();
        _setWeth(1500e8);
        uint256 fee = vault.quoteNotices(alice, MsgCodec.TYPE_LIQUIDATABLE, "");
        // The second notice finds one wei too little: the endpoint refuses it, and nothing happened.
        vm.expectPartialRevert(Errors.LZ_InsufficientFee.selector);
        vault.flag{ value: fee - 1 }(alice, "");
        assertEq(vault.epochOf(alice), 0);
    }

    function test_flag_usesLastGoodPriceWithinTolerance() public {
        _openPosition();
        _setWeth(1500e8);
        // Stale for exports (heartbeat 1 h) but within heartbeat + tolerance for a liquidation.
        vm.warp(block.timestamp + 1 hours + 30 minutes);
        vault.flag{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 1);
    }

    /// Beyond heartbeat + tolerance the feed's last answer still judges a flag (rule L-11), but pays no SEIZE.
    function test_flag_beyondToleranceUsesTheLastAnswer() public {
        _openPosition();
        _setWeth(1500e8);
        vm.warp(block.timestamp + 2 hours + 1);
        vault.flag{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 1);
        _deliverAll();
        _liquidate(poolA, 1000e6, address(weth));
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 0, "no price, no payment");
        assertEq(vault.collateralOf(alice, address(weth)), 10 ether);
    }

    // ------------------------------------------------------------------ liquidate and seize

    function test_liquidate_onBothRemotes_seizesWithBonusOnHome() public {
        _openAndFlag();

        // Remote A: the liquidator repays the close factor of 7,000 drawn in USDC and names its home address.
        _liquidate(poolA, 3500e6, address(weth));
        assertEq(poolA.debtOf(alice), 3500e6, "principal left");
        _assertLine(mirrorA, 3500e18, 3500e18, 1);
        assertEq(mirrorA.repayableOf(alice), 0);
        assertEq(vault.exportedTo(alice, REMOTE_A), 8000e18, "home learns at SEIZE");
        verifyPackets(HOME, address(vault));
        // 3,500 × 1.05 = 3,675 USD = 2.45 WETH at $1,500.
        assertEq(weth.balanceOf(liquidator), 2.45e18);
        assertEq(vault.collateralOf(alice, address(weth)), 7.55e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 4500e18);
        assertEq(vault.totalExported(alice), 12_500e18);
        assertEq(vault.remoteState(REMOTE_A).exported, 4500e18);

        // Remote B: 3,000 × 1.05 = 3,150 USD = 2.1 WETH.
        _liquidate(poolB, 3000e6, address(0));
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 4.55e18);
        assertEq(vault.collateralOf(alice, address(weth)), 5.45e18);
        assertEq(vault.totalExported(alice), 9500e18);
        assertEq(weth.balanceOf(address(vault)), 5.45e18, "backing: the vault holds exactly the collateral left");

        // The parked undrawn credit comes home; the account is healthy again and can be cleared.
        _returnParked(mirrorA);
        _returnParked(mirrorB);
        assertEq(vault.exportedTo(alice, REMOTE_A), 3500e18);
        assertEq(vault.exportedTo(alice, REMOTE_B), 3000e18);
        assertGe(vault.liquidationHealth(alice), 1e18);
        vault.clear{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 2);
        _deliverAll();
        _assertLine(mirrorA, 3500e18, 3500e18, 2);
        assertEq(mirrorA.repayableOf(alice), 0);
        uint256 fee = _fundLiquidator(poolA, 1e6);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_NotFlagged.selector, alice));
        poolA.liquidate{ value: fee }(alice, 1e6, liquidator, address(weth), "");
    }

    function test_RevertWhen_liquidateBeyondCloseFactor() public {
        _openAndFlag();
        usdcA.mint(liquidator, 3500e6 + 1);
        vm.startPrank(liquidator);
        usdcA.approve(address(poolA), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICreditMirror.Mirror_RepayExceedsCloseFactor.selector, alice, 3500e18 + 1e12, 3500e18
            )
        );
        poolA.liquidate{ value: 1 ether }(alice, 3500e6 + 1, liquidator, address(weth), "");
        vm.stopPrank();
    }

    /// The close factor at its edges (1 bps … 100%): a flag allows exactly ⌊drawn × factor⌋, not a wei more.
    function testFuzz_closeFactor_allowsExactlyItsShare(uint16 closeFactorBps) public {
        closeFactorBps = uint16(bound(closeFactorBps, 1, 10_000));
        vm.prank(governor);
        vault.configureLiquidation(ICollateralVault.LiquidationConfig(closeFactorBps, PRICE_TOLERANCE, RECALL_HEALTH));
        _openAndFlag();
        uint256 repayable = uint256(7000e18) * closeFactorBps / 10_000;
        assertEq(mirrorA.repayableOf(alice), repayable);
        uint256 units = repayable / 1e12;
        uint256 fee = _fundLiquidator(poolA, units + 1);
        vm.prank(liquidator);
        // At 100% the pool refuses first: one unit more than the whole principal.
        vm.expectPartialRevert(
            closeFactorBps == 10_000
                ? CreditLendingPool.Pool_RepayExceedsPrincipal.selector
                : ICreditMirror.Mirror_RepayExceedsCloseFactor.selector
        );
        poolA.liquidate{ value: fee }(alice, units + 1, liquidator, address(weth), "");
        vm.prank(liquidator);
        poolA.liquidate{ value: fee }(alice, units, liquidator, address(weth), "");
        assertEq(mirrorA.repayableOf(alice), repayable - units * 1e12);
    }

    function test_RevertWhen_liquidateUnflagged() public {
        _openPosition();
        uint256 fee = _fundLiquidator(poolA, 1000e6);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_NotFlagged.selector, alice));
        poolA.liquidate{ value: fee }(alice, 1000e6, liquidator, address(weth), "");
    }

    function test_RevertWhen_liquidateWithoutHomeAddress() public {
        _openAndFlag();
        usdcA.mint(liquidator, 1000e6);
        vm.startPrank(liquidator);
        usdcA.approve(address(poolA), type(uint256).max);
        vm.expectRevert(ICreditMirror.Mirror_ZeroLiquidator.selector);
        poolA.liquidate{ value: 1 ether }(alice, 1000e6, address(0), address(weth), "");
        vm.stopPrank();
    }

    function test_partialLiquidations_payNoMoreThanOneFull() public {
        _openAndFlag();
        uint256 snapshot = vm.snapshotState();
        _liquidate(poolA, 3500e6, address(weth));
        verifyPackets(HOME, address(vault));
        uint256 once = weth.balanceOf(liquidator);
        vm.revertToState(snapshot);
        for (uint256 i; i < 7; ++i) {
            _liquidate(poolA, 500e6, address(weth));
        }
        verifyPackets(HOME, address(vault));
        uint256 inParts = weth.balanceOf(liquidator);
        assertLe(inParts, once, "parts never pay more than the whole");
        assertApproxEqAbs(inParts, once, 7, "parts lose at most one wei each to rounding");
        uint256 fee = _fundLiquidator(poolA, 1e6);
        vm.prank(liquidator);
        vm.expectPartialRevert(ICreditMirror.Mirror_RepayExceedsCloseFactor.selector);
        poolA.liquidate{ value: fee }(alice, 1e6, liquidator, address(weth), "");
    }

    function test_seizeAfterClear_paysAtPar() public {
        _openAndFlag();
        // The price recovers: home clears, but the CLEAR has not reached remote A yet.
        _setWeth(2000e8);
        vault.clear{ value: 1 ether }(alice, "");
        _liquidate(poolA, 1000e6, address(weth)); // A still thinks epoch 1
        bytes32[] memory seize = _take(HOME, address(vault));
        vm.expectEmit(address(vault));
        emit ICollateralVault.SeizeApplied(alice, REMOTE_A, liquidator, 1000e18, 1, 1, false, 0);
        _execute(seize[0]);
        // At par: 1,000 USD = 0.5 WETH, no bonus; alice's debt fell by the same value.
        assertEq(weth.balanceOf(liquidator), 0.5e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 7000e18);
        _deliverTo(REMOTE_A, address(mirrorA)); // the CLEAR
        assertEq(mirrorA.lineOf(alice).epoch, 2);
        assertEq(mirrorA.repayableOf(alice), 0);
    }

    function test_seizeOfAccountThatRecovered_paysAtPar() public {
        _openAndFlag();
        _liquidate(poolA, 1000e6, address(weth));
        _setWeth(2500e8); // healthy again before the SEIZE lands: no bonus
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 0.4e18);
    }

    function test_staleNotices_olderEpochChangesNothing() public {
        _openPosition();
        _setWeth(1500e8);
        vault.flag{ value: 1 ether }(alice, ""); // epoch 1
        _setWeth(2000e8);
        vault.clear{ value: 1 ether }(alice, ""); // epoch 2
        _setWeth(1500e8);
        vault.flag{ value: 1 ether }(alice, ""); // epoch 3
        // Remote A hears them newest first: LIQUIDATABLE(3), then CLEAR(2), then LIQUIDATABLE(1).
        bytes32[] memory guids = _take(REMOTE_A, address(mirrorA));
        assertEq(guids.length, 3);
        _execute(guids[2]);
        _assertLine(mirrorA, 7000e18, 7000e18, 3);
        vm.expectEmit(address(mirrorA));
        emit ICreditMirror.StaleNotice(alice, MsgCodec.TYPE_CLEAR, 2, 3);
        _execute(guids[1]);
        vm.expectEmit(address(mirrorA));
        emit ICreditMirror.StaleNotice(alice, MsgCodec.TYPE_LIQUIDATABLE, 1, 3);
        _execute(guids[0]);
        _assertLine(mirrorA, 7000e18, 7000e18, 3);
        assertEq(mirrorA.repayableOf(alice), 3500e18, "the newest flag's close factor stands");
        // A SEIZE at epoch 3 gets the bonus.
        _liquidate(poolA, 1000e6, address(weth));
        _deliverTo(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 0.7e18);
    }

    function test_RevertWhen_seizeIdReplayed() public {
        _openAndFlag();
        _liquidate(poolA, 1000e6, address(weth));
        verifyPackets(HOME, address(vault));
        // Even a second packet from the true peer carrying the same seize id is refused (rule V-6).
        bytes memory message = MsgCodec.encodeSeize(MsgCodec.Seize(alice, liquidator, address(weth), 1000e18, 1, 1));
        vm.prank(endpoints[HOME]);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_DuplicateSeize.selector, REMOTE_A, 1));
        vault.lzReceive(Origin(REMOTE_A, addressToBytes32(address(mirrorA)), 99), bytes32(0), message, address(0), "");
    }

    function test_grantArrivingAtFlaggedLine_isParked() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 8000e18);
        _borrow(alice, REMOTE_A, 7000e6);
        _sendExport(alice, REMOTE_B, 100e18); // in flight while the flag overtakes it
        _setWeth(900e8);
        vault.flag{ value: 1 ether }(alice, "");
        bytes32[] memory guids = _take(REMOTE_B, address(mirrorB));
        _execute(guids[1]); // LIQUIDATABLE first
        _execute(guids[0]); // then the GRANT
        assertEq(mirrorB.lineOf(alice).line, 0);
        assertEq(mirrorB.parkedOf(alice), 100e18);
    }

    function test_liquidate_worksWhileDrawsPaused() public {
        _openAndFlag();
        vm.prank(guardian);
        mirrorA.pauseDraws();
        vm.prank(guardian);
        vault.pauseExports();
        _liquidate(poolA, 1000e6, address(weth));
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 0.7e18);
    }

    function test_seize_assetChoiceThenListingOrder() public {
        _deposit(alice, weth, 2 ether); // $4,000 at $2,000
        _deposit(alice, wbtc, 0.1e8); // $6,000
        _export(alice, REMOTE_A, 7400e18); // power 3,200 + 4,200
        _borrow(alice, REMOTE_A, 7400e6);
        _setWbtc(50_000e8); // health (3,400 + 3,750) / 7,400 < 1
        vault.flag{ value: 1 ether }(alice, "");
        _deliverAll();
        // Ask for WBTC: 3,700 × 1.10 = 4,070 USD = 0.0814 WBTC at $50,000.
        _liquidate(poolA, 3700e6, address(wbtc));
        verifyPackets(HOME, address(vault));
        assertEq(wbtc.balanceOf(liquidator), 0.0814e8);
        assertEq(weth.balanceOf(liquidator), 0);
    }

    /// Rounding at 6, 8 and 18 decimals: whatever the price and the amount repaid, the liquidator never gets more
    /// than repaid × (1 + bonus) in value, and loses at most one token unit to rounding when the collateral
    /// covers the payment.
    function testFuzz_seize_roundsAgainstTheLiquidatorAtAnyDecimals(
        uint256 decimalsSeed,
        uint256 price,
        uint256 repaidUnits
    ) public {
        uint8[3] memory options_ = [uint8(6), 8, 18];
        uint8 decimals = options_[decimalsSeed % 3];
        TestToken token = new TestToken("Collateral", "COL", decimals);
        price = bound(price, 1e8, 100_000e8); // $1 … $100,000, 8-decimal feed
        // forge-lint: disable-next-line(unsafe-typecast) // price is bounded to 1e13 above
        MockAggregator feed = new MockAggregator(8, "COL / USD", int256(price));
        vm.startPrank(governor);
        oracle.setFeed(address(token), IOracleAdapter.FeedConfig(address(feed), 1 hours, 1e16, 1e24));
        vault.configureAsset(address(token), 7000, 8000, 800, type(uint128).max, true);
        vm.stopPrank();
        // Collateral worth $10,000; 70% of it exported and borrowed; then the price halves.
        uint256 amount = 10_000 * 10 ** decimals * 1e8 / price;
        vm.assume(amount > 0);
        _deposit(alice, token, amount);
        uint256 power = vault.borrowingPower(alice);
        vm.assume(power >= 2e18);
        // forge-lint: disable-next-line(unsafe-typecast) // $10,000 of collateral: power is far below 2^128
        uint128 exported = uint128(power / 1e12 * 1e12);
        _export(alice, REMOTE_A, exported);
        _borrow(alice, REMOTE_A, exported / 1e12);
        // forge-lint: disable-next-line(unsafe-typecast) // price is bounded to 1e13 above
        feed.setAnswer(int256(price / 2));
        vault.flag{ value: 1 ether }(alice, "");
        verifyPackets(REMOTE_A, address(mirrorA));
        repaidUnits = bound(repaidUnits, 1, mirrorA.repayableOf(alice) / 1e12);
        _liquidate(poolA, repaidUnits, address(token));
        verifyPackets(HOME, address(vault));

        uint256 paid = token.balanceOf(liquidator);
        uint256 newPrice = price / 2 * 1e10;
        uint256 owedValue = repaidUnits * 1e12 * 10_800 / 10_000;
        uint256 paidValue = paid * newPrice / 10 ** decimals;
        assertLe(paidValue, owedValue, "never more than repaid x (1 + bonus)");
        uint256 unitValue = newPrice / 10 ** decimals + 1;
        assertGe(paidValue + unitValue, owedValue, "at most one token unit lost to rounding");
        assertEq(token.balanceOf(address(vault)) + paid, amount, "paid from the account's collateral");
    }

    /// A token that refuses the liquidator: the SEIZE still applies (the message never fails on the
    /// liquidator's account), the payment waits as claimable, and backing counts it (rule 4).
    function test_seize_refusedTransferBecomesClaimable() public {
        BlocklistToken token = new BlocklistToken(liquidator);
        _openInTokenAtHalfPrice(token);
        vault.flag{ value: 1 ether }(alice, "");
        verifyPackets(REMOTE_A, address(mirrorA));
        _liquidate(poolA, 1000e6, address(token));
        verifyPackets(HOME, address(vault));
        // 1,000 × 1.08 = 1,080 USD = 2,160 tokens at $0.50, held for the liquidator.
        assertEq(token.balanceOf(liquidator), 0);
        assertEq(vault.claimableOf(liquidator, address(token)), 2160 ether);
        assertEq(vault.exportedTo(alice, REMOTE_A), 6000e18, "the SEIZE applied");
        assertEq(
            token.balanceOf(address(vault)),
            vault.collateralOf(alice, address(token)) + vault.claimableOf(liquidator, address(token)),
            "backing: collateral + claimable"
        );
        // Claimed to itself it is still blocked: the claim reverts and the amount stays claimable.
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, liquidator));
        vault.claim(address(token), liquidator);
        assertEq(vault.claimableOf(liquidator, address(token)), 2160 ether);
        // Claimed to another address of its own, it arrives; nothing is left to claim.
        vm.prank(liquidator);
        vault.claim(address(token), bob);
        assertEq(token.balanceOf(bob), 2160 ether);
        vm.prank(liquidator);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_NothingToClaim.selector, liquidator, address(token))
        );
        vault.claim(address(token), liquidator);
    }

    // ------------------------------------------------------------------ recall

    function test_recall_byOwnerAlwaysByStrangerOnlyUnderRecallHealth() public {
        _openPosition();
        _setWeth(2200e8); // 18,700 / 16,000 ≥ 1.1
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_RecallNotAllowed.selector, alice, bob, 1.16875e18)
        );
        vault.recall{ value: 1 ether }(alice, REMOTE_A, 500e18, "");
        vm.prank(alice);
        vault.recall{ value: 1 ether }(alice, REMOTE_A, 500e18, "");
        _deliverTo(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.lineOf(alice).line, 7500e18);
        assertEq(mirrorA.parkedOf(alice), 500e18);

        _setWeth(1950e8); // 16,575 / 16,000 < 1.1: anyone may recall
        vm.prank(bob);
        vault.recall{ value: 1 ether }(alice, REMOTE_B, 10_000e18, "");
        _deliverTo(REMOTE_B, address(mirrorB));
        assertEq(mirrorB.lineOf(alice).line, 6000e18, "only undrawn credit comes off");
        assertEq(mirrorB.parkedOf(alice), 2000e18);
        _returnParked(mirrorA);
        _returnParked(mirrorB);
        assertEq(vault.totalExported(alice), 13_500e18);
    }

    // ------------------------------------------------------------------ bad debt

    function test_badDebt_writtenOffThroughTheConsumer() public {
        _openAndFlag();
        _setWeth(600e8); // 6,000 of collateral against 13,000 drawn
        _liquidate(poolA, 3500e6, address(weth));
        verifyPackets(HOME, address(vault));
        // 3,500 × 1.05 = 3,675 USD = 6.125 WETH at $600.
        _liquidate(poolB, 3000e6, address(weth));
        verifyPackets(HOME, address(vault));
        // Only 3.875 WETH (2,325 USD) was left: it covers 2,214.28… of the 3,000; the rest is unpaid.
        assertEq(weth.balanceOf(liquidator), 10e18);
        assertEq(vault.collateralOf(alice, address(weth)), 0);
        assertEq(vault.assetsOf(alice).length, 0);

        _returnParked(mirrorA);
        _returnParked(mirrorB);
        uint256 exportedB = vault.exportedTo(alice, REMOTE_B);
        assertEq(exportedB, 3000e18);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_NoBadDebt.selector, alice, uint32(99)));
        vault.reportBadDebt{ value: 1 ether }(alice, 99, "");
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_B, "");
        _deliverTo(REMOTE_B, address(mirrorB));
        assertEq(mirrorB.lineOf(alice).drawn, 0);
        assertEq(mirrorB.lineOf(alice).line, 0);
        assertEq(mirrorB.badDebtOf(address(poolB)), 3000e18);
        assertEq(poolB.debtOf(alice), 0, "the pool wrote the principal off");
        assertEq(poolB.totalPrincipal(), 0);
        _returnParked(mirrorB);
        assertEq(vault.exportedTo(alice, REMOTE_B), 0, "home's books close");
    }

    function test_RevertWhen_reportBadDebtWhileCollateralLeft() public {
        _openAndFlag();
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_NoBadDebt.selector, alice, REMOTE_A));
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_A, "");
    }

    // ------------------------------------------------------------------ governance

    function test_RevertWhen_liquidationConfigOutOfRange() public {
        vm.startPrank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadConfig.selector, ICollateralVault.ConfigFault.CloseFactorOutOfRange
            )
        );
        vault.configureLiquidation(ICollateralVault.LiquidationConfig(0, 0, 1e18));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadConfig.selector, ICollateralVault.ConfigFault.CloseFactorOutOfRange
            )
        );
        vault.configureLiquidation(ICollateralVault.LiquidationConfig(10_001, 0, 1e18));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadConfig.selector, ICollateralVault.ConfigFault.RecallHealthBelowOne
            )
        );
        vault.configureLiquidation(ICollateralVault.LiquidationConfig(5000, 0, 1e18 - 1));
        vm.stopPrank();
    }
}
