// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { PingOApp } from "../../src/devnet/PingOApp.sol";
import { ILayerZeroEndpointV2 } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";
import { MessagingFee, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppReceiver } from "@layerzerolabs/oapp-evm/contracts/oapp/OAppReceiver.sol";
import { IOAppCore } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { TestHelperOz5 } from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";

/// PingOApp over three in-EVM LayerZero endpoints (ULN 302 with the helper's DVN and executor):
/// every pathway delivers, a refusing receiver leaves the packet verified and retryable.
contract PingOAppTest is TestHelperOz5 {
    using OptionsBuilder for bytes;
    using PacketV1Codec for bytes;

    uint8 internal constant CHAINS = 3;
    PingOApp[] internal apps;
    bytes internal options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(80_000, 0);

    function setUp() public override {
        super.setUp();
        setUpEndpoints(CHAINS, LibraryType.UltraLightNode);
        address[] memory addresses = new address[](CHAINS);
        for (uint32 eid = 1; eid <= CHAINS; eid++) {
            PingOApp app = new PingOApp(endpoints[eid], address(this));
            apps.push(app);
            addresses[eid - 1] = address(app);
        }
        wireOApps(addresses);
        vm.deal(address(this), 1000 ether);
    }

    function _ping(uint32 srcEid, uint32 dstEid, bytes32 payload) internal returns (bytes32 guid) {
        PingOApp app = apps[srcEid - 1];
        MessagingFee memory fee = app.quote(dstEid, options);
        guid = app.ping{ value: fee.nativeFee }(dstEid, payload, options).guid;
    }

    function test_ping_deliversOnEveryPathway() public {
        uint64 perPathway = 5;
        for (uint32 src = 1; src <= CHAINS; src++) {
            for (uint32 dst = 1; dst <= CHAINS; dst++) {
                if (src == dst) continue;
                for (uint64 i = 0; i < perPathway; i++) {
                    _ping(src, dst, bytes32(uint256(i)));
                }
            }
        }
        for (uint32 dst = 1; dst <= CHAINS; dst++) {
            verifyPackets(dst, address(apps[dst - 1]));
        }
        for (uint32 src = 1; src <= CHAINS; src++) {
            for (uint32 dst = 1; dst <= CHAINS; dst++) {
                if (src == dst) continue;
                assertEq(apps[src - 1].sent(dst), perPathway, "sent");
                assertEq(apps[dst - 1].received(src), perPathway, "received");
                bytes32 sender = addressToBytes32(address(apps[src - 1]));
                assertEq(
                    ILayerZeroEndpointV2(endpoints[dst]).inboundNonce(address(apps[dst - 1]), src, sender),
                    perPathway,
                    "inbound nonce"
                );
            }
        }
    }

    function test_lzReceive_refusedPacketStaysRetryable() public {
        PingOApp receiver = apps[1];
        receiver.setRefusing(true);
        bytes32 guid = _ping(1, 2, keccak256("hello"));
        bytes memory packet = packets[guid];
        this.validatePacket(packet, "");

        ILayerZeroEndpointV2 endpoint = ILayerZeroEndpointV2(endpoints[2]);
        Origin memory origin = Origin(1, addressToBytes32(address(apps[0])), 1);
        bytes memory message = this.messageOf(packet);
        vm.expectRevert(abi.encodeWithSelector(PingOApp.PingOApp_Refused.selector, uint32(1), uint64(1)));
        endpoint.lzReceive(origin, address(receiver), guid, message, "");

        bytes32 stored = endpoint.inboundPayloadHash(address(receiver), 1, origin.sender, 1);
        assertEq(stored, keccak256(abi.encodePacked(guid, message)), "payload kept on the endpoint");
        assertEq(receiver.received(1), 0);

        receiver.setRefusing(false);
        endpoint.lzReceive(origin, address(receiver), guid, message, "");
        assertEq(receiver.received(1), 1);
        assertTrue(receiver.seen(guid));
        assertEq(endpoint.inboundPayloadHash(address(receiver), 1, origin.sender, 1), bytes32(0), "cleared");
    }

    function test_RevertWhen_lzReceiveNotFromEndpoint() public {
        Origin memory origin = Origin(1, addressToBytes32(address(apps[0])), 1);
        vm.expectRevert(abi.encodeWithSelector(OAppReceiver.OnlyEndpoint.selector, address(this)));
        apps[1].lzReceive(origin, bytes32(0), abi.encode(bytes32(0)), address(0), "");
    }

    function test_RevertWhen_senderIsNotPeer() public {
        PingOApp stranger = new PingOApp(endpoints[1], address(this));
        Origin memory origin = Origin(1, addressToBytes32(address(stranger)), 1);
        vm.prank(endpoints[2]);
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, uint32(1), origin.sender));
        apps[1].lzReceive(origin, bytes32(0), abi.encode(bytes32(0)), address(0), "");
    }

    function test_RevertWhen_notOwnerSetsRefusing() public {
        vm.prank(address(0xbad));
        vm.expectRevert();
        apps[0].setRefusing(true);
    }

    function testFuzz_ping_carriesPayload(bytes32 payload, uint8 srcSeed, uint8 hop) public {
        uint32 src = uint32(bound(srcSeed, 1, CHAINS));
        uint32 dst = uint32((src + bound(hop, 0, CHAINS - 2)) % CHAINS + 1);
        bytes32 guid = _ping(src, dst, payload);
        assertEq(this.messageOf(packets[guid]), abi.encode(payload));
        verifyPackets(dst, address(apps[dst - 1]));
        assertEq(apps[dst - 1].received(src), 1);
        assertTrue(apps[dst - 1].seen(guid));
    }

    /// @dev Calldata view of the packet's message, for the codec's calldata-only helpers.
    function messageOf(bytes calldata packet) external pure returns (bytes memory) {
        return packet.message();
    }
}
