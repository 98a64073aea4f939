// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { GasBenchBase } from "./GasBenchBase.sol";
import { IMorphoBase, Position } from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import { MarketParamsLib } from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import { MsgCodec } from "contracts/src/libraries/MsgCodec.sol";

/// Each test measures one Ballast operation and its peer from the same state, one transaction each.
/// Snapshot names are `<operation>.<user>.<side>`; gas.bench.ts turns them into the table in
/// docs/BENCHMARKS.md. The assertions only check that the measured calls did what they are named for.
contract OperationsGasBench is GasBenchBase {
    using MarketParamsLib for *;

    // ------------------------------------------------------------------ deposit vs supplyCollateral

    function test_deposit_repeatUser() public {
        _measure("deposit.repeat.ballast", alice, address(vault), 0, _depositCall(alice, 1 ether));
        _measure("deposit.repeat.morpho", alice, address(morpho), 0, _supplyCollateralCall(alice, 1 ether));
        assertEq(vault.collateralOf(alice, address(weth)), 11 ether);
        assertEq(morpho.position(market.id(), alice).collateral, 11 ether);
    }

    function test_deposit_firstTimeUser() public {
        _measure("deposit.first.ballast", carol, address(vault), 0, _depositCall(carol, 1 ether));
        _measure("deposit.first.morpho", carol, address(morpho), 0, _supplyCollateralCall(carol, 1 ether));
        assertEq(vault.collateralOf(carol, address(weth)), 1 ether);
        assertEq(morpho.position(market.id(), carol).collateral, 1 ether);
    }

    // ------------------------------------------------------------------ borrow

    function test_borrow_repeatUser() public {
        _measureBorrow("repeat", alice);
        (uint96 principal,,) = poolA.loans(alice);
        assertEq(principal, 6000e6);
    }

    function test_borrow_firstTimeUser() public {
        _openLine(carol);
        _pass(1 hours);
        _measureBorrow("first", carol);
        (uint96 principal,,) = poolA.loans(carol);
        assertEq(principal, 1000e6);
    }

    function _measureBorrow(string memory user, address account) internal {
        _measure(
            string.concat("borrow.", user, ".ballast"),
            account,
            address(poolA),
            0,
            abi.encodeCall(poolA.borrow, (account, 1000e6, account))
        );
        _measure(
            string.concat("borrow.", user, ".morpho"),
            account,
            address(morpho),
            0,
            abi.encodeCall(IMorphoBase.borrow, (market, 1000e6, 0, account, account))
        );
        assertGt(morpho.position(market.id(), account).borrowShares, 0);
    }

    // ------------------------------------------------------------------ repay (the pool's restore path)

    /// Part of the principal back: the pool restores that much credit to the mirror; the loan stays open.
    function test_repay_repeatUser() public {
        _measure("repay.repeat.ballast", alice, address(poolA), 0, abi.encodeCall(poolA.repay, (alice, 1000e6)));
        _measure(
            "repay.repeat.morpho",
            alice,
            address(morpho),
            0,
            abi.encodeCall(IMorphoBase.repay, (market, 1000e6, 0, alice, ""))
        );
        assertLt(poolA.debtOf(alice), 5000e6);
    }

    /// The whole debt back: the loan and the borrow position are cleared (storage refunds on both sides).
    function test_repay_wholeDebt() public {
        uint256 debt = poolA.debtOf(alice);
        _measure("repay.whole.ballast", alice, address(poolA), 0, abi.encodeCall(poolA.repay, (alice, debt)));
        Position memory position = morpho.position(market.id(), alice);
        _measure(
            "repay.whole.morpho",
            alice,
            address(morpho),
            0,
            abi.encodeCall(IMorphoBase.repay, (market, 0, position.borrowShares, alice, ""))
        );
        assertEq(poolA.debtOf(alice), 0);
        assertEq(morpho.position(market.id(), alice).borrowShares, 0);
    }

    // ------------------------------------------------------------------ exportCredit vs OFT send, GRANT vs OFT receive

    function test_exportCredit_repeatUser() public {
        _measureExportAndReceive("repeat", alice);
    }

    function test_exportCredit_firstTimeUser() public {
        vm.prank(carol);
        vault.deposit(carol, address(weth), 10 ether);
        _pass(1 hours);
        _measureExportAndReceive("first", carol);
        assertEq(mirrorA.ownerOf(carol), carol);
    }

    /// Both sends go out before either is delivered, so both receives find the same pathway state.
    function _measureExportAndReceive(string memory user, address account) internal {
        uint256 lineBefore = mirrorA.lineOf(account).line;
        (uint256 fee, bytes memory data) = _exportCall(account, 1000e18);
        _expectPacket();
        _measure(string.concat("exportCredit.", user, ".ballast"), account, address(vault), fee, data);
        bytes memory grant = _sentPacket();

        (fee, data) = _oftSendCall(account, 1e18);
        _expectPacket();
        _measure(string.concat("exportCredit.", user, ".oft"), account, address(oftHome), fee, data);
        bytes memory oftPacket = _sentPacket();

        uint256 oftBefore = oftRemote.balanceOf(account);
        _deliver(string.concat("grantReceive.", user, ".ballast"), grant);
        _deliver(string.concat("grantReceive.", user, ".oft"), oftPacket);
        assertEq(mirrorA.lineOf(account).line, lineBefore + 1000e18);
        assertEq(oftRemote.balanceOf(account), oftBefore + 1e18);
    }

    // ------------------------------------------------------------------ no peer: release, draw, restore

    /// A voluntary RELEASE of undrawn credit (send on the remote), then its receive at home.
    function test_release_repeatUser() public {
        uint256 fee = mirrorA.quote(MsgCodec.TYPE_RELEASE, "").nativeFee;
        _expectPacket();
        _measure(
            "release.repeat.ballast", alice, address(mirrorA), fee, abi.encodeCall(mirrorA.release, (alice, 500e18, ""))
        );
        _deliver("releaseReceive.repeat.ballast", _sentPacket());
        assertEq(vault.exportedTo(alice, REMOTE_A), 7500e18);
    }

    /// The mirror's share of a borrow and of a repay, called by a consumer directly.
    function test_drawAndRestore_repeatUser() public {
        _measure(
            "draw.repeat.ballast", directConsumer, address(mirrorA), 0, abi.encodeCall(mirrorA.draw, (alice, 100e18))
        );
        _measure(
            "restore.repeat.ballast",
            directConsumer,
            address(mirrorA),
            0,
            abi.encodeCall(mirrorA.restore, (alice, 100e18))
        );
        assertEq(mirrorA.drawnBy(directConsumer, alice), 100e18);
    }
}
