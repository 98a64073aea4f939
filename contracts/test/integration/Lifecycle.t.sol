// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { BallastBase } from "./BallastBase.sol";

/// The whole life of a position over three endpoints: deposit → export to both remotes → borrow on
/// each → repay → release → withdraw, with every balance, line and export checked at each hop.
contract LifecycleTest is BallastBase {
    function test_lifecycle_depositExportBorrowRepayReleaseWithdraw() public {
        _deposit(alice, weth, 10 ether); // $20,000, power $16,000
        assertEq(vault.borrowingPower(alice), 16_000e18);

        _export(alice, REMOTE_A, 6000e18);
        _export(alice, REMOTE_B, 4000e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 6000e18);
        assertEq(vault.exportedTo(alice, REMOTE_B), 4000e18);
        assertEq(vault.totalExported(alice), 10_000e18);
        assertEq(mirrorA.lineOf(alice).line, 6000e18);
        assertEq(mirrorB.lineOf(alice).line, 4000e18);
        assertEq(mirrorA.ownerOf(alice), alice);

        _borrow(alice, REMOTE_A, 5000e6);
        _borrow(alice, REMOTE_B, 1000e6);
        assertEq(usdcA.balanceOf(alice), 5000e6);
        assertEq(usdcB.balanceOf(alice), 1000e6);
        assertEq(mirrorA.lineOf(alice).drawn, 5000e18);
        assertEq(mirrorB.lineOf(alice).drawn, 1000e18);
        assertEq(poolA.drawnBy(alice), 5000e18);

        skip(1 days);
        uint256 debtA = poolA.debtOf(alice);
        assertGt(debtA, 5000e6, "interest accrued");
        usdcA.mint(alice, debtA - 5000e6);
        vm.startPrank(alice);
        usdcA.approve(address(poolA), type(uint256).max);
        poolA.repay(alice, debtA);
        usdcB.mint(alice, poolB.debtOf(alice) - 1000e6);
        usdcB.approve(address(poolB), type(uint256).max);
        poolB.repay(alice, poolB.debtOf(alice));
        vm.stopPrank();
        assertEq(poolA.debtOf(alice), 0);
        assertEq(usdcA.balanceOf(alice), 0);
        assertEq(usdcA.balanceOf(address(poolA)), 1_000_000e6 + debtA - 5000e6, "lenders earned the interest");
        assertEq(mirrorA.lineOf(alice).drawn, 0);
        assertEq(mirrorB.lineOf(alice).drawn, 0);

        // Withdrawing everything is refused while credit is exported.
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_WithdrawExceedsPower.selector, alice, 0, 10_000e18)
        );
        vault.withdraw(alice, address(weth), 10 ether, alice);

        _release(alice, REMOTE_A, 6000e18);
        _release(alice, REMOTE_B, 4000e18);
        ICreditMirror.Line memory lineA = mirrorA.lineOf(alice);
        assertEq(lineA.line, 0);
        assertEq(vault.exportedTo(alice, REMOTE_A), 0);
        assertEq(vault.exportedTo(alice, REMOTE_B), 0);
        assertEq(vault.totalExported(alice), 0);
        assertEq(vault.remoteState(REMOTE_A).exported, 0);

        vm.prank(alice);
        vault.withdraw(alice, address(weth), 10 ether, alice);
        assertEq(weth.balanceOf(alice), 10 ether);
        assertEq(vault.collateralOf(alice, address(weth)), 0);
        assertEq(vault.assetsOf(alice).length, 0);
        assertEq(weth.balanceOf(address(vault)), 0);
    }
}
