// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { BallastBase } from "./BallastBase.sol";
import { ILayerZeroEndpointV2 } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { DoubleEndedQueue } from "@openzeppelin/contracts/utils/structs/DoubleEndedQueue.sol";

/// The enforced lzReceive gas of every message type covers its handler's worst case (cold storage,
/// first message for an account) with at least 20% to spare, so no message can fail for lack of gas
/// and the pathway cannot be jammed by a caller choosing low gas (ARCHITECTURE.md §8).
contract EnforcedGasTest is BallastBase {
    using PacketV1Codec for bytes;
    using DoubleEndedQueue for DoubleEndedQueue.Bytes32Deque;

    uint256 internal constant MAX_USE_PERCENT = 80;

    function test_enforcedGas_grantCoversFirstGrantOfAnAccount() public {
        _deposit(alice, weth, 10 ether);
        bytes32 guid = _sendExport(alice, REMOTE_A, 1000e18);
        uint256 used = _deliverWithEnforcedGas(guid, GRANT_GAS);
        assertEq(mirrorA.lineOf(alice).line, 1000e18);
        assertLe(used * 100, GRANT_GAS * MAX_USE_PERCENT, "GRANT handler too close to its enforced gas");
    }

    function test_enforcedGas_usageCoversFirstReport() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 1000e18);
        MessagingFee memory fee = mirrorA.quote(MsgCodec.TYPE_USAGE, "");
        bytes32 guid = mirrorA.reportUsage{ value: fee.nativeFee }(alice, "").guid;
        uint256 used = _deliverWithEnforcedGas(guid, USAGE_GAS);
        assertEq(vault.usageOf(alice, REMOTE_A).seq, 1);
        assertLe(used * 100, USAGE_GAS * MAX_USE_PERCENT, "USAGE handler too close to its enforced gas");
    }

    function test_enforcedGas_releaseCoversRelease() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 1000e18);
        MessagingFee memory fee = mirrorA.quote(MsgCodec.TYPE_RELEASE, "");
        vm.prank(alice);
        bytes32 guid = mirrorA.release{ value: fee.nativeFee }(alice, 1000e18, "").guid;
        uint256 used = _deliverWithEnforcedGas(guid, RELEASE_GAS);
        assertEq(vault.exportedTo(alice, REMOTE_A), 0);
        assertLe(used * 100, RELEASE_GAS * MAX_USE_PERCENT, "RELEASE handler too close to its enforced gas");
    }

    function test_enforcedGas_heartbeatCoversHeartbeat() public {
        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        bytes32 guid = vault.sendHeartbeat{ value: fee.nativeFee * 2 }(REMOTE_A, "").guid;
        uint256 used = _deliverWithEnforcedGas(guid, HEARTBEAT_GAS);
        assertEq(mirrorA.lastHeartbeat(), block.timestamp);
        assertLe(used * 100, HEARTBEAT_GAS * MAX_USE_PERCENT, "HEARTBEAT handler too close to its enforced gas");
    }

    function test_enforcedGas_recallCoversFirstRecall() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 1000e18);
        vm.prank(alice);
        vault.recall{ value: 1 ether }(alice, REMOTE_A, 400e18, "");
        uint256 used = _deliverWithEnforcedGas(_take(REMOTE_A, address(mirrorA)), RECALL_GAS);
        assertEq(mirrorA.parkedOf(alice), 400e18);
        assertLe(used * 100, RECALL_GAS * MAX_USE_PERCENT, "RECALL handler too close to its enforced gas");
    }

    /// A flagged line with undrawn credit: the line shrinks, the undrawn credit is parked for the first time.
    function test_enforcedGas_liquidatableCoversFirstFlag() public {
        _flagged();
        uint256 used = _deliverWithEnforcedGas(_take(REMOTE_A, address(mirrorA)), LIQUIDATABLE_GAS);
        assertEq(mirrorA.lineOf(alice).epoch, 1);
        assertEq(mirrorA.parkedOf(alice), 200e18);
        assertLe(used * 100, LIQUIDATABLE_GAS * MAX_USE_PERCENT, "LIQUIDATABLE handler too close to its enforced gas");
    }

    function test_enforcedGas_clearCoversClear() public {
        _flagged();
        verifyPackets(REMOTE_A, address(mirrorA));
        wethFeed.setAnswer(2000e8);
        vault.clear{ value: 1 ether }(alice, "");
        uint256 used = _deliverWithEnforcedGas(_take(REMOTE_A, address(mirrorA)), CLEAR_GAS);
        assertEq(mirrorA.lineOf(alice).epoch, 2);
        assertLe(used * 100, CLEAR_GAS * MAX_USE_PERCENT, "CLEAR handler too close to its enforced gas");
    }

    /// Two assets, the first one exhausted: a health check over both, two prices, two transfers.
    function test_enforcedGas_seizeCoversTwoAssetPayment() public {
        _deposit(alice, weth, 0.5 ether); // $1,000
        _deposit(alice, wbtc, 0.1e8); // $6,000
        _export(alice, REMOTE_A, 5000e18); // power 800 + 4,200
        _borrow(alice, REMOTE_A, 5000e6);
        wbtcFeed.setAnswer(50_000e8); // (850 + 3,750) / 5,000 < 1
        vault.flag{ value: 1 ether }(alice, "");
        verifyPackets(REMOTE_A, address(mirrorA));
        usdcA.mint(bob, 2500e6);
        vm.startPrank(bob);
        usdcA.approve(address(poolA), 2500e6);
        poolA.liquidate{ value: 1 ether }(alice, 2500e6, bob, address(weth), "");
        vm.stopPrank();
        uint256 used = _deliverWithEnforcedGas(_take(HOME, address(vault)), SEIZE_GAS);
        assertEq(vault.collateralOf(alice, address(weth)), 0, "the chosen asset ran out");
        assertGt(wbtc.balanceOf(bob), 0, "the next asset paid the rest");
        // Eight assets cost at most four times this (the per-asset part dominates): still within the limit.
        assertLe(used * 4 * 100, SEIZE_GAS * 100, "SEIZE handler would not fit eight assets");
    }

    function test_enforcedGas_badDebtCoversOneConsumer() public {
        _deposit(alice, weth, 1 ether);
        _export(alice, REMOTE_A, 1600e18);
        _borrow(alice, REMOTE_A, 1600e6);
        wethFeed.setAnswer(500e8);
        vault.flag{ value: 1 ether }(alice, "");
        verifyPackets(REMOTE_A, address(mirrorA));
        usdcA.mint(bob, 800e6);
        vm.startPrank(bob);
        usdcA.approve(address(poolA), 800e6);
        poolA.liquidate{ value: 1 ether }(alice, 800e6, bob, address(weth), "");
        vm.stopPrank();
        verifyPackets(HOME, address(vault));
        assertEq(vault.collateralOf(alice, address(weth)), 0);
        vault.reportBadDebt{ value: 1 ether }(alice, REMOTE_A, "");
        uint256 used = _deliverWithEnforcedGas(_take(REMOTE_A, address(mirrorA)), BAD_DEBT_GAS);
        assertEq(mirrorA.lineOf(alice).drawn, 0);
        // MAX_CONSUMERS (8) consumers, each with its callback at its cap, stay within the limit.
        uint256 worstCase = used + 7 * (used + mirrorA.BAD_DEBT_CALLBACK_GAS());
        assertLe(worstCase * 100, BAD_DEBT_GAS * 100, "BAD_DEBT handler would not fit every consumer");
    }

    /// alice: 10 WETH, 1,000 exported to A, 800 drawn; WETH at $100: flagged, LIQUIDATABLE to A in flight.
    function _flagged() internal {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 1000e18);
        _borrow(alice, REMOTE_A, 800e6);
        wethFeed.setAnswer(100e8);
        vault.flag{ value: 1 ether }(alice, "");
    }

    /// The one packet queued for `receiver` on `eid`, taken off the helper's queue.
    function _take(uint32 eid, address receiver) internal returns (bytes32 guid) {
        DoubleEndedQueue.Bytes32Deque storage queue = packetsQueue[eid][addressToBytes32(receiver)];
        assertEq(queue.length(), 1, "one packet in flight");
        return queue.popBack();
    }

    /// Verifies the packet, then executes it on the endpoint with exactly the enforced gas; returns the gas used.
    function _deliverWithEnforcedGas(bytes32 guid, uint128 enforced) internal returns (uint256 used) {
        bytes memory packet = packets[guid];
        this.validatePacket(packet, "");
        (Origin memory origin, address receiver, bytes memory message, uint32 dstEid) = this.unpack(packet);
        ILayerZeroEndpointV2 endpoint = ILayerZeroEndpointV2(endpoints[dstEid]);
        uint256 before = gasleft();
        endpoint.lzReceive{ gas: enforced }(origin, receiver, guid, message, "");
        used = before - gasleft();
        emit log_named_uint("lzReceive gas used", used);
    }

    function unpack(bytes calldata packet)
        external
        pure
        returns (Origin memory origin, address receiver, bytes memory message, uint32 dstEid)
    {
        origin = Origin(packet.srcEid(), packet.sender(), packet.nonce());
        return (origin, packet.receiverB20(), packet.message(), packet.dstEid());
    }
}
