// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { HookToken, ITokenHook } from "../mocks/HookToken.sol";
import { LiquidationBase } from "./LiquidationBase.sol";

/// Faults that must never freeze an account (ARCHITECTURE.md §8, docs/PROTOCOL.md L-11 … L-16): an unusable feed,
/// a cut remote, a risk update governance could not stop, re-entry through the endpoint, a delayed BAD_DEBT and
/// dust. Each case is the attack or the accident as it was reproduced, then what must hold instead.
contract NoFreezeTest is LiquidationBase {
    /// The packet a hook tries to execute in the middle of a deposit (case 4).
    bytes32 internal heldGuid;

    // ------------------------------------------------------------------ L-11 unusable feeds (case 1)

    /// 1 unit of WBTC (≈ $0.0006) whose feed is stale beyond the tolerance, out of bounds or removed blocks
    /// nothing: the account is flagged, liquidated (the SEIZE pays in WETH although the liquidator named WBTC)
    /// and, once it recovers, cleared.
    function testFuzz_unpricedDust_neverBlocksFlagSeizeOrClear(uint8 fault) public {
        fault = uint8(bound(fault, 0, 2));
        _deposit(alice, wbtc, 1);
        _openPosition();
        _breakWbtcFeed(fault);
        _setWeth(1500e8);

        vm.prank(bob);
        vault.recall{ value: 1 ether }(alice, REMOTE_A, 1, "");
        vault.flag{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 1, "flagged");
        _deliverAll();
        _liquidate(poolA, 3500e6, address(wbtc));
        verifyPackets(HOME, address(vault));
        // 3,500 × 1.05 at $1,500 in WETH: the unpriced WBTC pays nothing and stays.
        assertEq(weth.balanceOf(liquidator), 2.45e18, "paid out of the priced asset");
        assertEq(vault.collateralOf(alice, address(wbtc)), 1);
        assertEq(vault.exportedTo(alice, REMOTE_A), 4500e18, "the SEIZE applied");

        _setWeth(3000e8); // 7.55 WETH × 3,000 × 85% against 12,500, WBTC counted as nothing
        vault.clear{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 2, "cleared");
        _deliverAll();
        assertEq(mirrorA.lineOf(alice).epoch, 2);
        // A healthy account withdraws the priced asset while the other feed is still down.
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 0.1 ether, alice);
    }

    /// A flagged account cannot add an asset (dust of an unpriced one would have stalled its SEIZE); it may top
    /// up one it holds, which only helps it recover.
    function test_RevertWhen_flaggedAccountAddsNewAsset() public {
        _openAndFlag();
        wbtc.mint(alice, 1);
        vm.startPrank(alice);
        wbtc.approve(address(vault), 1);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AccountFlagged.selector, alice));
        vault.deposit(alice, address(wbtc), 1);
        vm.stopPrank();
        _deposit(alice, weth, 1 ether);
        assertEq(vault.collateralOf(alice, address(weth)), 11 ether);
    }

    // ------------------------------------------------------------------ L-12 cut remotes (case 2)

    /// Remote B cut (no peer) or disabled: `flag` tells only A and takes effect at home; liquidation on A goes on,
    /// and once the account recovers `clear` works.
    function testFuzz_cutRemote_flagSkipsItAndTakesEffectAtHome(bool disable) public {
        _openPosition();
        _cut(REMOTE_B, disable);
        _setWeth(1500e8);
        vm.expectEmit(address(vault));
        emit ICollateralVault.AccountFlagged(alice, 1, 0.796875e18, 1); // bit 0: remote A only
        vault.flag{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 1);
        _deliverAll();
        assertEq(mirrorA.lineOf(alice).epoch, 1, "A flagged");
        assertEq(mirrorB.lineOf(alice).epoch, 0, "B never told");
        _liquidate(poolA, 3500e6, address(weth));
        verifyPackets(HOME, address(vault));
        assertEq(weth.balanceOf(liquidator), 2.45e18);

        _setWeth(3000e8);
        vault.clear{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 2);
        _deliverAll();
        assertEq(mirrorA.lineOf(alice).epoch, 2, "A cleared");
    }

    /// Both remotes flagged, then B cut: `clear` still takes effect at home and un-flags A.
    function test_cutRemote_clearSkipsItAndTakesEffectAtHome() public {
        _openAndFlag();
        _cut(REMOTE_B, false);
        _setWeth(3000e8);
        vault.clear{ value: 1 ether }(alice, "");
        assertEq(vault.epochOf(alice), 2);
        _deliverAll();
        assertEq(mirrorA.lineOf(alice).epoch, 2, "A cleared");
        // Nothing exported any more is frozen at home: alice withdraws what her power allows.
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 1 ether, alice);
    }

    // ------------------------------------------------------------------ L-13 risk updates (case 3)

    /// The guardian cancels a queued update at once (the owner, a timelock, cannot act within the delay alone).
    function test_riskUpdate_guardianCancels() public {
        vm.prank(governor);
        vault.setRiskAdmin(riskAdmin);
        ICollateralVault.RiskUpdate memory update = _correlationUpdate(5000);
        vm.prank(riskAdmin);
        bytes32 id = vault.queueRiskUpdate(update);
        vm.prank(guardian);
        vault.cancelRiskUpdate(id);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RiskUpdateUnknown.selector, id));
        vault.applyRiskUpdate(update);
    }

    /// One update moves a depth or a correlation by at most a factor of two; a first depth must cover at least
    /// half of what the vault holds of the asset, and a depth is never removed by the risk admin.
    function test_RevertWhen_riskUpdateMovesBeyondItsStep() public {
        vm.prank(governor);
        vault.setRiskAdmin(riskAdmin);
        _deposit(alice, weth, 10 ether); // the vault holds $20,000 of WETH
        vm.startPrank(riskAdmin);
        // Depth 1 ($1,000) would cut a $20,000 position to $1,950.
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_DepthStepTooLarge.selector, address(weth), 0, 1));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 1));
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_DepthStepTooLarge.selector, address(weth), 0, 9));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 9));
        vm.stopPrank();
        _queueAndApply(_depthUpdate(address(weth), 10));

        vm.startPrank(riskAdmin);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_DepthStepTooLarge.selector, address(weth), 10, 4));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 4));
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_DepthStepTooLarge.selector, address(weth), 10, 21)
        );
        vault.queueRiskUpdate(_depthUpdate(address(weth), 21));
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_DepthStepTooLarge.selector, address(weth), 10, 0));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 0));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 5));
        vault.queueRiskUpdate(_depthUpdate(address(weth), 20));
        // Correlations: 100% → 50% at most in one step.
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_CorrelationStepTooLarge.selector, address(weth), address(wbtc), 10_000, 4999
            )
        );
        vault.queueRiskUpdate(_correlationUpdate(4999));
        vault.queueRiskUpdate(_correlationUpdate(5000));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ L-14 re-entry (case 4)

    /// A hook token's transfer runs code mid-deposit; that code tries to execute a verified SEIZE of the same
    /// account (anyone may execute a verified packet). The vault refuses it while the deposit runs, the deposit
    /// credits exactly what arrived, and the SEIZE lands afterwards: the vault is never short (rule V-4).
    function test_seizeInsideADeposit_isRefusedAndLandsAfter() public {
        HookToken token = new HookToken(liquidator);
        _openInTokenAtHalfPrice(token);
        vault.flag{ value: 1 ether }(alice, "");
        verifyPackets(REMOTE_A, address(mirrorA));
        // The liquidator's home address refuses the token, so the seized 2,160 stay in the vault as claimable.
        _liquidate(poolA, 1000e6, address(token));
        heldGuid = _take(HOME, address(vault))[0];

        Reenterer topUp = new Reenterer(this, vault, token);
        token.mint(address(topUp), 1 ether);
        topUp.deposit(alice, 1 ether);
        assertFalse(topUp.reentered(), "the SEIZE could not run inside the deposit");
        assertEq(vault.collateralOf(alice, address(token)), 10_001 ether);

        _execute(heldGuid);
        assertEq(vault.claimableOf(liquidator, address(token)), 2160 ether);
        assertEq(vault.collateralOf(alice, address(token)), 10_001 ether - 2160 ether);
        assertEq(
            token.balanceOf(address(vault)),
            vault.collateralOf(alice, address(token)) + vault.claimableOf(liquidator, address(token)),
            "backing: collateral + claimable"
        );
    }

    /// Executes the held packet through the endpoint (what any executor may do); called by the hook.
    function executeHeld() external {
        this.lzReceive(packets[heldGuid], optionsLookup[heldGuid]);
    }

    // ------------------------------------------------------------------ L-15 BAD_DEBT epochs (case 5)

    /// A BAD_DEBT sent at epoch 1 lands after the account repaid, was cleared and drew again on a new line: it is
    /// stale and writes nothing off.
    function test_staleBadDebt_changesNothingOnALaterLine() public {
        _liquidateToNothing(3000e6);
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_B, "");
        bytes32 badDebt = _take(REMOTE_B, address(mirrorB))[0];

        // alice repays both loans and releases the credit: nothing is exported, she is cleared.
        _repayAndRelease(REMOTE_A);
        _repayAndRelease(REMOTE_B);
        vault.clear{ value: 1 ether }(alice, "");
        _deliverAll();
        assertEq(mirrorB.lineOf(alice).epoch, 2);
        // A new line on B, backed by new collateral.
        _deposit(alice, weth, 1 ether);
        _export(alice, REMOTE_B, 400e18);
        _borrow(alice, REMOTE_B, 400e6);

        vm.expectEmit(address(mirrorB));
        emit ICreditMirror.StaleNotice(alice, MsgCodec.TYPE_BAD_DEBT, 1, 2);
        _execute(badDebt);
        assertEq(mirrorB.lineOf(alice).drawn, 400e18, "nothing written off");
        assertEq(mirrorB.badDebtOf(address(poolB)), 0);
        assertEq(poolB.debtOf(alice), 400e6);
    }

    // ------------------------------------------------------------------ L-16 dust (case 6)

    /// After the liquidations 0.0075 WETH ($4.50) is left against 7,290 of debt: below the $10 dust floor it no
    /// longer blocks the write-off; the caller takes the dust (claimable).
    function test_dustCollateral_doesNotBlockBadDebtWriteOff() public {
        vm.prank(governor);
        vault.setDustFloor(10e18);
        _liquidateToNothing(2210e6);
        assertEq(vault.collateralOf(alice, address(weth)), 0.0075 ether, "dust left");

        vm.prank(bob);
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_B, "");
        assertEq(vault.collateralOf(alice, address(weth)), 0);
        assertEq(vault.assetsOf(alice).length, 0);
        assertEq(vault.claimableOf(bob, address(weth)), 0.0075 ether, "the dust goes to the caller");
        _deliverTo(REMOTE_B, address(mirrorB));
        assertEq(mirrorB.badDebtOf(address(poolB)), 3790e18);
        // The other remote's write-off needs no sweep.
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_A, "");
        _deliverTo(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.badDebtOf(address(poolA)), 3500e18);
    }

    /// Above the floor the collateral is worth liquidating: no write-off.
    function test_RevertWhen_reportBadDebtAboveDustFloor() public {
        vm.prank(governor);
        vault.setDustFloor(4e18);
        _liquidateToNothing(2210e6); // $4.50 left
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_NoBadDebt.selector, alice, REMOTE_B));
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_B, "");
    }

    // ------------------------------------------------------------------ helpers

    /// 0 stale beyond heartbeat + tolerance (WETH's kept fresh), 1 above its bounds, 2 removed.
    function _breakWbtcFeed(uint8 fault) internal {
        if (fault == 0) {
            vm.warp(block.timestamp + 1 hours + PRICE_TOLERANCE + 1);
            _setWeth(2000e8);
        } else if (fault == 1) {
            _setWbtc(20_000_000e8);
        } else {
            vm.prank(governor);
            oracle.removeFeed(address(wbtc));
        }
    }

    /// Cuts remote `eid` the way incident response does: its peer unset, or the remote disabled.
    function _cut(uint32 eid, bool disable) internal {
        vm.prank(governor);
        if (disable) {
            ICollateralVault.RemoteConfig memory config = _remoteConfig(10_000_000e18, 50_000_000e18);
            config.enabled = false;
            vault.configureRemote(eid, config);
        } else {
            vault.setPeer(eid, bytes32(0));
        }
    }

    /// The standard position flagged at $1,500, then WETH at $600: 3,500 repaid on A, `repaidOnB` on B, every
    /// SEIZE and the parked credit home.
    function _liquidateToNothing(uint256 repaidOnB) internal {
        _openAndFlag();
        _setWeth(600e8);
        _liquidate(poolA, 3500e6, address(weth));
        verifyPackets(HOME, address(vault));
        _liquidate(poolB, repaidOnB, address(weth));
        verifyPackets(HOME, address(vault));
        _returnParked(mirrorA);
        _returnParked(mirrorB);
    }

    /// alice repays all her debt on `eid` and releases the whole line home.
    function _repayAndRelease(uint32 eid) internal {
        CreditLendingPool pool = _pool(eid);
        TestToken usdc = eid == REMOTE_A ? usdcA : usdcB;
        uint256 debt = pool.debtOf(alice);
        usdc.mint(alice, debt);
        vm.startPrank(alice);
        usdc.approve(address(pool), debt);
        pool.repay(alice, debt);
        vm.stopPrank();
        _release(alice, eid, _mirror(eid).lineOf(alice).line);
    }
}

/// Tops up an account's hook-token collateral; its hook tries to execute a held packet mid-transfer.
contract Reenterer is ITokenHook {
    NoFreezeTest internal immutable courier;
    ICollateralVault internal immutable vault;
    HookToken internal immutable token;
    bool public reentered;

    constructor(NoFreezeTest courier_, ICollateralVault vault_, HookToken token_) {
        (courier, vault, token) = (courier_, vault_, token_);
        token_.setHook(address(this));
    }

    function deposit(address account, uint256 amount) external {
        token.approve(address(vault), amount);
        vault.deposit(account, address(token), amount);
    }

    function beforeTokenTransfer(address, address, uint256) external {
        try courier.executeHeld() {
            reentered = true;
        } catch { }
    }
}
