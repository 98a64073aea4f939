// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { BallastBase } from "./BallastBase.sol";
import { Errors } from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/Errors.sol";
import { MessagingFee, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// Every CreditMirror function and error path, and the lending pool's integration with it.
contract CreditMirrorTest is BallastBase {
    function setUp() public override {
        super.setUp();
        _deposit(alice, weth, 10 ether); // power 16,000
        _export(alice, REMOTE_A, 5000e18);
    }

    // ------------------------------------------------------------------ grants

    function test_grant_creditsLineAndSetsOwner() public view {
        ICreditMirror.Line memory line = mirrorA.lineOf(alice);
        assertEq(line.line, 5000e18);
        assertEq(line.drawn, 0);
        assertEq(line.owner, alice);
    }

    function test_grant_lateOneIsParkedNotCredited() public {
        _sendExport(alice, REMOTE_A, 1000e18);
        skip(GRANT_TTL + 1);
        verifyPackets(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.lineOf(alice).line, 5000e18, "late grant not credited");
        assertEq(mirrorA.parkedOf(alice), 1000e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 6000e18, "home stays conservative until the bounce lands");

        MessagingFee memory fee = mirrorA.quote(MsgCodec.TYPE_RELEASE, "");
        vm.prank(bob); // permissionless
        mirrorA.returnParked{ value: fee.nativeFee }(alice, "");
        assertEq(mirrorA.parkedOf(alice), 0);
        verifyPackets(HOME, address(vault));
        assertEq(vault.exportedTo(alice, REMOTE_A), 5000e18);
    }

    function test_RevertWhen_returnParkedWithNothingParked() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_NothingToReturn.selector, alice));
        mirrorA.returnParked(alice, "");
    }

    /// Rule M-6: a GRANT takes effect once; the endpoint refuses to deliver a packet a second time.
    function test_RevertWhen_grantPacketReplayedThroughEndpoint() public {
        bytes32 guid = _sendExport(alice, REMOTE_A, 1000e18);
        bytes memory packet = packets[guid];
        bytes memory options = optionsLookup[guid];
        verifyPackets(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.lineOf(alice).line, 6000e18);
        vm.expectPartialRevert(Errors.LZ_PayloadHashNotFound.selector);
        this.lzReceive(packet, options);
        assertEq(mirrorA.lineOf(alice).line, 6000e18);
    }

    // ------------------------------------------------------------------ heartbeats (rule M-5)

    /// A heartbeat delayed in flight counts from when home sent it, so it cannot reopen draws.
    function test_RevertWhen_drawAfterLateHeartbeat() public {
        skip(10);
        uint256 sentAt = block.timestamp;
        MessagingFee memory fee = vault.quote(REMOTE_A, MsgCodec.TYPE_HEARTBEAT, "");
        vault.sendHeartbeat{ value: fee.nativeFee }(REMOTE_A, "");
        skip(HEARTBEAT_PERIOD + 1);
        verifyPackets(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.lastHeartbeat(), sentAt);
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_HeartbeatStale.selector, sentAt, HEARTBEAT_PERIOD));
        poolA.borrow(alice, 1e6, alice);
        vm.stopPrank();
    }

    /// A grant is not a heartbeat: neither an expired nor a fresh one reopens draws.
    function test_RevertWhen_drawAfterGrantsWithoutHeartbeat() public {
        uint256 lastBeat = mirrorA.lastHeartbeat();
        skip(HEARTBEAT_PERIOD + 1);
        wethFeed.setAnswer(2000e8);
        _sendExport(alice, REMOTE_A, 100e18);
        skip(GRANT_TTL + 1);
        verifyPackets(REMOTE_A, address(mirrorA)); // expired: parked
        wethFeed.setAnswer(2000e8);
        _export(alice, REMOTE_A, 100e18); // fresh: credited
        assertEq(mirrorA.parkedOf(alice), 100e18);
        assertEq(mirrorA.lineOf(alice).line, 5100e18);
        assertEq(mirrorA.lastHeartbeat(), lastBeat);
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditMirror.Mirror_HeartbeatStale.selector, lastBeat, HEARTBEAT_PERIOD)
        );
        poolA.borrow(alice, 1e6, alice);
        vm.stopPrank();
    }

    /// A heartbeat stamped ahead of this chain's clock counts from now; an older one changes nothing.
    function test_heartbeat_futureStampClampedOlderIgnored() public {
        _receiveAtMirror(90, MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(uint64(block.timestamp + 1000))));
        assertEq(mirrorA.lastHeartbeat(), block.timestamp);
        skip(100);
        _receiveAtMirror(91, MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(uint64(block.timestamp - 500))));
        assertEq(mirrorA.lastHeartbeat(), block.timestamp - 100);
    }

    function test_RevertWhen_unexpectedMessageType() public {
        bytes memory usage = MsgCodec.encodeUsage(MsgCodec.Usage(alice, 1, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_UnexpectedMessage.selector, MsgCodec.TYPE_USAGE));
        _receiveAtMirror(99, usage);
    }

    // ------------------------------------------------------------------ draw / restore

    function test_draw_throughPool() public {
        _borrow(alice, REMOTE_A, 1000e6);
        assertEq(mirrorA.lineOf(alice).drawn, 1000e18);
        assertEq(mirrorA.drawnBy(address(poolA), alice), 1000e18);
        assertEq(mirrorA.consumer(address(poolA)).drawn, 1000e18);
        assertEq(mirrorA.undrawn(alice), 4000e18);
    }

    function test_RevertWhen_overDraw() public {
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_DrawExceedsLine.selector, alice, 5001e18, 5000e18));
        poolA.borrow(alice, 5001e6, alice);
        vm.stopPrank();
    }

    function test_RevertWhen_consumerNotAllowed() public {
        CreditLendingPool rogue = new CreditLendingPool(mirrorA, usdcA, 0);
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(rogue), true);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_ConsumerNotAllowed.selector, address(rogue)));
        rogue.borrow(alice, 1e6, alice);
        vm.stopPrank();
    }

    function test_RevertWhen_consumerNotAuthorizedByOwner() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditMirror.Mirror_ConsumerNotAuthorized.selector, alice, address(poolA))
        );
        poolA.borrow(alice, 1e6, alice);
    }

    function test_RevertWhen_borrowOnSomeoneElsesLine() public {
        vm.prank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(CreditLendingPool.Pool_NotLineOwner.selector, alice, bob));
        poolA.borrow(alice, 1e6, bob);
    }

    function test_RevertWhen_consumerCapExceeded() public {
        vm.prank(governor);
        mirrorA.configureConsumer(address(poolA), true, uint120(100e18));
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditMirror.Mirror_ConsumerCapExceeded.selector, address(poolA), 100e18, 101e18)
        );
        poolA.borrow(alice, 101e6, alice);
        vm.stopPrank();
    }

    function test_RevertWhen_drawWithStaleHeartbeat_thenHeartbeatReopens() public {
        skip(HEARTBEAT_PERIOD + 1);
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICreditMirror.Mirror_HeartbeatStale.selector, block.timestamp - HEARTBEAT_PERIOD - 1, HEARTBEAT_PERIOD
            )
        );
        poolA.borrow(alice, 1e6, alice);
        vm.stopPrank();
        _heartbeat(REMOTE_A);
        assertEq(mirrorA.lastHeartbeat(), block.timestamp);
        _borrow(alice, REMOTE_A, 1e6);
    }

    function test_restoreAndRelease_workWhilePausedAndStale() public {
        _borrow(alice, REMOTE_A, 1000e6);
        vm.prank(guardian);
        mirrorA.pauseDraws();
        skip(HEARTBEAT_PERIOD + 1);
        vm.startPrank(alice);
        usdcA.approve(address(poolA), type(uint256).max);
        usdcA.mint(alice, 100e6);
        poolA.repay(alice, poolA.debtOf(alice));
        vm.stopPrank();
        assertEq(mirrorA.lineOf(alice).drawn, 0);
        _release(alice, REMOTE_A, 5000e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 0);
    }

    function test_RevertWhen_drawWhilePaused() public {
        vm.prank(guardian);
        mirrorA.pauseDraws();
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        vm.expectRevert(ICreditMirror.Mirror_DrawsPaused.selector);
        poolA.borrow(alice, 1e6, alice);
        vm.stopPrank();
    }

    function test_RevertWhen_restoreMoreThanDrawn() public {
        vm.prank(address(poolA));
        vm.expectRevert(
            abi.encodeWithSelector(ICreditMirror.Mirror_RestoreExceedsDrawn.selector, alice, address(poolA), 1, 0)
        );
        mirrorA.restore(alice, 1);
    }

    // ------------------------------------------------------------------ release / usage

    function test_release_debitsBeforeSend() public {
        MessagingFee memory fee = mirrorA.quote(MsgCodec.TYPE_RELEASE, "");
        vm.prank(alice);
        mirrorA.release{ value: fee.nativeFee }(alice, 2000e18, "");
        assertEq(mirrorA.lineOf(alice).line, 3000e18, "debited on the remote first");
        assertEq(vault.exportedTo(alice, REMOTE_A), 5000e18, "home still conservative");
        verifyPackets(HOME, address(vault));
        assertEq(vault.exportedTo(alice, REMOTE_A), 3000e18);
    }

    function test_RevertWhen_releaseMoreThanUndrawn() public {
        _borrow(alice, REMOTE_A, 4000e6);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditMirror.Mirror_ReleaseExceedsUndrawn.selector, alice, 2000e18, 1000e18)
        );
        mirrorA.release(alice, 2000e18, "");
    }

    function test_RevertWhen_releaseByStranger() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_NotLineOwner.selector, alice, bob));
        mirrorA.release(alice, 1e18, "");
    }

    function test_reportUsage_reachesHomeWithSequence() public {
        _borrow(alice, REMOTE_A, 1500e6);
        MessagingFee memory fee = mirrorA.quote(MsgCodec.TYPE_USAGE, "");
        vm.startPrank(bob);
        mirrorA.reportUsage{ value: fee.nativeFee }(alice, "");
        mirrorA.reportUsage{ value: fee.nativeFee }(alice, "");
        vm.stopPrank();
        verifyPackets(HOME, address(vault));
        assertEq(vault.usageOf(alice, REMOTE_A).drawn, 1500e18);
        assertEq(vault.usageOf(alice, REMOTE_A).line, 5000e18);
        assertEq(vault.usageOf(alice, REMOTE_A).seq, 2);
    }

    // ------------------------------------------------------------------ governance

    function test_RevertWhen_strangerConfiguresConsumer() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        mirrorA.configureConsumer(bob, true, 1);
    }

    function test_RevertWhen_strangerPausesDraws() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_OnlyGuardian.selector, bob));
        mirrorA.pauseDraws();
    }

    function test_RevertWhen_strangerAuthorizesConsumer() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_NotLineOwner.selector, alice, bob));
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
    }

    function _receiveAtMirror(uint64 nonce, bytes memory message) internal {
        Origin memory origin = Origin(HOME, addressToBytes32(address(vault)), nonce);
        vm.prank(endpoints[REMOTE_A]);
        mirrorA.lzReceive(origin, keccak256(abi.encode(nonce)), message, address(0), "");
    }
}
