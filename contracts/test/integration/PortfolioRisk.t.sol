// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { RiskMath } from "../../src/libraries/RiskMath.sol";
import { VaultRisk } from "../../src/libraries/VaultRisk.sol";
import { BallastBase } from "./BallastBase.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// The portfolio term wired into the vault (docs/RISK.md "In the vault", PROTOCOL.md V-2b): correlations and
/// depths queued by the risk admin, applied after a delay, within hard bounds; power, health and the
/// liquidation health computed by `RiskMath` over the account's assets.
contract PortfolioRiskTest is BallastBase {
    function setUp() public override {
        super.setUp();
        vm.prank(governor);
        vault.setRiskAdmin(riskAdmin);
    }

    // ------------------------------------------------------------------ power

    function test_unconfigured_multiAssetPowerIsThePerAssetBaseline() public {
        _deposit(alice, weth, 10 ether); // $20,000 × 80%
        _deposit(alice, wbtc, 1e8); // $60,000 × 70%
        assertEq(vault.borrowingPower(alice), 16_000e18 + 42_000e18);
        (uint16 correlation,) = vault.riskOf(address(weth), address(wbtc));
        assertEq(correlation, 10_000, "a pair never set reads as fully correlated");
    }

    function test_correlation_raisesPowerOfADiversifiedBasket() public {
        _deposit(alice, weth, 10 ether);
        _deposit(alice, wbtc, 1e8);
        _applyCorrelation(5000);
        uint256 expected = _stressed(20_000e18, 60_000e18, 2000, 3000, 5000, 0);
        assertEq(vault.borrowingPower(alice), expected);
        assertGt(expected, 58_000e18, "diversification earns power");
        // The export check uses the same number: all of it may be exported, not a wei more.
        _sendExport(alice, REMOTE_A, SafeCast.toUint128(expected));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_ExportExceedsPower.selector, alice, 1, 0));
        vault.exportCredit{ value: 1 ether }(alice, REMOTE_A, 1, alice, "");
    }

    function test_correlation_leavesASingleAssetAccountAlone() public {
        _deposit(alice, weth, 10 ether);
        _applyCorrelation(5000);
        _applyCorrelation(2500);
        assertEq(vault.borrowingPower(alice), 16_000e18);
    }

    function test_depth_cutsALargePositionProgressively() public {
        _deposit(alice, weth, 10 ether); // $20,000 against a $10,000 depth: 2·10,000 − 10,000² / 20,000 = 15,000
        _applyDepth(address(weth), 10);
        assertEq(vault.borrowingPower(alice), 12_000e18);
        (, uint40 depth) = vault.riskOf(address(weth), address(weth));
        assertEq(depth, 10);
        // A re-configuration of the asset keeps the risk admin's depth.
        vm.prank(governor);
        vault.configureAsset(address(weth), 7500, 8500, 500, type(uint128).max, true);
        assertEq(vault.borrowingPower(alice), 11_250e18);
    }

    function test_liquidationHealth_usesThePortfolioTermAtTheThreshold() public {
        _deposit(alice, weth, 10 ether);
        _deposit(alice, wbtc, 1e8);
        _applyCorrelation(6000);
        _export(alice, REMOTE_A, 50_000e18);
        uint256 weighted = _stressed(20_000e18, 60_000e18, 1500, 2500, 6000, 0);
        assertEq(vault.liquidationHealth(alice), weighted * 1e18 / 50_000e18);
        assertEq(vault.health(alice), weighted * 1e18 / 50_000e18, "fresh prices: the same here");
    }

    function testFuzz_portfolioPower_betweenBaselineAndValue(uint96 wethAmount, uint64 wbtcAmount, uint16 correlation)
        public
    {
        wethAmount = uint96(bound(wethAmount, 1, 1_000_000 ether));
        wbtcAmount = uint64(bound(wbtcAmount, 1, 10_000e8));
        correlation = uint16(bound(correlation, VaultRisk.MIN_CORRELATION_BPS, 10_000));
        _deposit(alice, weth, wethAmount);
        _deposit(alice, wbtc, wbtcAmount);
        uint256 baseline = vault.borrowingPower(alice);
        // One update moves a correlation by at most a factor of two (rule L-13).
        if (correlation < 5000) _applyCorrelation(5000);
        if (correlation < 2500) _applyCorrelation(2500);
        _applyCorrelation(correlation);
        uint256 power = vault.borrowingPower(alice);
        uint256 wethValue = uint256(wethAmount) * 2000;
        uint256 wbtcValue = uint256(wbtcAmount) * 60_000e10;
        assertGe(power, baseline, "never below the per-asset baseline");
        assertLe(power, wethValue + wbtcValue, "never above the collateral's value");
        assertEq(power, _stressed(wethValue, wbtcValue, 2000, 3000, correlation, 0));
    }

    // ------------------------------------------------------------------ the risk admin's queue

    function test_riskUpdate_appliesOnlyAfterTheDelay() public {
        ICollateralVault.RiskUpdate memory update = _correlationUpdate(5000);
        vm.prank(riskAdmin);
        bytes32 id = vault.queueRiskUpdate(update);
        uint256 notBefore = block.timestamp + VaultRisk.RISK_UPDATE_DELAY;
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RiskUpdateNotReady.selector, id, notBefore));
        vault.applyRiskUpdate(update);
        vm.warp(notBefore);
        vm.prank(bob); // anyone applies
        vault.applyRiskUpdate(update);
        (uint16 correlation,) = vault.riskOf(address(wbtc), address(weth));
        assertEq(correlation, 5000);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RiskUpdateUnknown.selector, id));
        vault.applyRiskUpdate(update);
    }

    function test_riskUpdate_cancelledByAdminOrOwner() public {
        ICollateralVault.RiskUpdate memory update = _correlationUpdate(5000);
        vm.prank(riskAdmin);
        bytes32 id = vault.queueRiskUpdate(update);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_OnlyRiskAdmin.selector, bob));
        vault.cancelRiskUpdate(id);
        vm.prank(governor);
        vault.cancelRiskUpdate(id);
        vm.warp(block.timestamp + VaultRisk.RISK_UPDATE_DELAY);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RiskUpdateUnknown.selector, id));
        vault.applyRiskUpdate(update);
    }

    function test_RevertWhen_strangerQueuesRiskUpdate() public {
        ICollateralVault.RiskUpdate memory update = _correlationUpdate(5000);
        vm.prank(governor); // not even the owner: the owner names the risk admin
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_OnlyRiskAdmin.selector, governor));
        vault.queueRiskUpdate(update);
    }

    function test_RevertWhen_riskUpdateOutOfBounds() public {
        uint16 floor = VaultRisk.MIN_CORRELATION_BPS;
        vm.startPrank(riskAdmin);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadCorrelation.selector, address(weth), address(wbtc), floor - 1
            )
        );
        vault.queueRiskUpdate(_correlationUpdate(floor - 1));
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_BadCorrelation.selector, address(weth), address(wbtc), 10_001)
        );
        vault.queueRiskUpdate(_correlationUpdate(10_001));
        ICollateralVault.RiskUpdate memory update = _correlationUpdate(5000);
        update.correlations[0].assetB = address(weth);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_BadCorrelation.selector, address(weth), address(weth), 5000)
        );
        vault.queueRiskUpdate(update);
        update.correlations[0].assetB = address(usdcA); // never listed on home
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_BadCorrelation.selector, address(weth), address(usdcA), 5000)
        );
        vault.queueRiskUpdate(update);
        ICollateralVault.RiskUpdate memory depth = _depthUpdate(address(usdcA), 1);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_BadDepth.selector, address(usdcA)));
        vault.queueRiskUpdate(depth);
        vm.stopPrank();
    }

    function test_RevertWhen_strangerNamesRiskAdmin() public {
        vm.prank(bob);
        vm.expectRevert();
        vault.setRiskAdmin(bob);
    }

    // ------------------------------------------------------------------ helpers

    function _applyCorrelation(uint16 correlationBps) internal {
        _queueAndApply(_correlationUpdate(correlationBps));
    }

    function _applyDepth(address asset, uint40 depthThousands) internal {
        _queueAndApply(_depthUpdate(asset, depthThousands));
    }

    /// RiskMath over two assets (WETH first: it was listed first) with no depths.
    function _stressed(
        uint256 valueA,
        uint256 valueB,
        uint16 haircutA,
        uint16 haircutB,
        uint16 correlation,
        uint256 depth
    ) internal pure returns (uint256) {
        uint256[] memory values = new uint256[](2);
        (values[0], values[1]) = (valueA, valueB);
        uint16[] memory haircuts = new uint16[](2);
        (haircuts[0], haircuts[1]) = (haircutA, haircutB);
        uint256[] memory depths = new uint256[](2);
        (depths[0], depths[1]) = (depth, depth);
        uint16[] memory correlations = new uint16[](1);
        correlations[0] = correlation;
        return RiskMath.stressedValueDown(values, haircuts, depths, correlations);
    }
}
