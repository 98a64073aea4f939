// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { BallastBase } from "./BallastBase.sol";
import { ILayerZeroEndpointV2 } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";

/// The enforced lzReceive gas of every message type covers its handler's worst case (cold storage,
/// first message for an account) with at least 20% to spare, so no message can fail for lack of gas
/// and the pathway cannot be jammed by a caller choosing low gas (ARCHITECTURE.md §8).
contract EnforcedGasTest is BallastBase {
    using PacketV1Codec for bytes;

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
