// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Packet } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ISendLib.sol";
import { GUID } from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/GUID.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { stdJson } from "forge-std/StdJson.sol";
import { Test } from "forge-std/Test.sol";

/// The shared PacketV1 vectors (contracts/test/vectors/packet-v1.json, written by the TS codec in
/// packages/protocol/scripts/packet-vectors.ts) against LayerZero's own `PacketV1Codec` and `GUID`:
/// the TS codec and the protocol agree byte for byte.
contract PacketV1VectorsTest is Test {
    using PacketV1Codec for bytes;
    using stdJson for string;

    string internal constant VECTORS = "contracts/test/vectors/packet-v1.json";
    /// The generator writes at least this many cases (nonce 1 and 2^64-1, messages of 0, 1, 32, 200 bytes).
    uint256 internal constant MIN_CASES = 8;

    /// One vector, as read from the JSON.
    struct Vector {
        string name;
        uint64 nonce;
        uint32 srcEid;
        bytes32 sender;
        uint32 dstEid;
        bytes32 receiver;
        bytes message;
        bytes encoded;
        bytes32 guid;
        bytes header;
        bytes32 payloadHash;
    }

    /// Every field `PacketV1Codec` reads from an encoded packet.
    struct Decoded {
        uint8 version;
        bytes header;
        uint64 nonce;
        uint32 srcEid;
        bytes32 sender;
        address senderAddress;
        uint32 dstEid;
        bytes32 receiver;
        bytes32 guid;
        bytes message;
        bytes payload;
        bytes32 payloadHash;
    }

    string internal json;
    uint256 internal caseCount;

    function setUp() public {
        json = vm.readFile(VECTORS);
        while (json.keyExists(_key(caseCount, ""))) caseCount++;
    }

    function _key(uint256 index, string memory field) internal pure returns (string memory) {
        return string.concat(".cases[", vm.toString(index), "]", field);
    }

    function _vector(uint256 index) internal view returns (Vector memory v) {
        v.name = json.readString(_key(index, ".name"));
        v.nonce = SafeCast.toUint64(json.readUint(_key(index, ".nonce")));
        v.srcEid = SafeCast.toUint32(json.readUint(_key(index, ".srcEid")));
        v.sender = json.readBytes32(_key(index, ".sender"));
        v.dstEid = SafeCast.toUint32(json.readUint(_key(index, ".dstEid")));
        v.receiver = json.readBytes32(_key(index, ".receiver"));
        v.message = json.readBytes(_key(index, ".message"));
        v.encoded = json.readBytes(_key(index, ".encoded"));
        v.guid = json.readBytes32(_key(index, ".guid"));
        v.header = json.readBytes(_key(index, ".header"));
        v.payloadHash = json.readBytes32(_key(index, ".payloadHash"));
    }

    /// The sender as the `address` Solidity's `Packet` carries; the vector's sender must be a left-padded address.
    function _senderAddress(Vector memory v) internal pure returns (address sender) {
        sender = address(uint160(uint256(v.sender)));
        assertEq(bytes32(uint256(uint160(sender))), v.sender, string.concat(v.name, ": sender is a padded address"));
    }

    function _packet(Vector memory v) internal pure returns (Packet memory) {
        return Packet({
            nonce: v.nonce,
            srcEid: v.srcEid,
            sender: _senderAddress(v),
            dstEid: v.dstEid,
            receiver: v.receiver,
            guid: v.guid,
            message: v.message
        });
    }

    /// @dev `PacketV1Codec`'s readers take calldata, so they run behind an external call.
    function decode(bytes calldata packet) external pure returns (Decoded memory d) {
        d.version = packet.version();
        d.header = packet.header();
        d.nonce = packet.nonce();
        d.srcEid = packet.srcEid();
        d.sender = packet.sender();
        d.senderAddress = packet.senderAddressB20();
        d.dstEid = packet.dstEid();
        d.receiver = packet.receiver();
        d.guid = packet.guid();
        d.message = packet.message();
        d.payload = packet.payload();
        d.payloadHash = packet.payloadHash();
    }

    function test_vectors_coverTheEdgeCases() public view {
        assertGe(caseCount, MIN_CASES, "case count");
        bool nonceOne;
        bool nonceMax;
        bool[4] memory lengths; // 0, 1, 32, 200 bytes
        for (uint256 i = 0; i < caseCount; i++) {
            Vector memory v = _vector(i);
            nonceOne = nonceOne || v.nonce == 1;
            nonceMax = nonceMax || v.nonce == type(uint64).max;
            uint256 length = v.message.length;
            if (length == 0) lengths[0] = true;
            if (length == 1) lengths[1] = true;
            if (length == 32) lengths[2] = true;
            if (length == 200) lengths[3] = true;
        }
        assertTrue(nonceOne, "a case with nonce 1");
        assertTrue(nonceMax, "a case with nonce 2^64-1");
        for (uint256 i = 0; i < lengths.length; i++) {
            assertTrue(lengths[i], "a case for each message length 0, 1, 32, 200");
        }
    }

    function test_packetV1_matchesSharedVectors() public view {
        for (uint256 i = 0; i < caseCount; i++) {
            Vector memory v = _vector(i);
            bytes memory encoded = PacketV1Codec.encode(_packet(v));
            assertEq(encoded, v.encoded, string.concat(v.name, ": encode"));
            assertEq(encoded.length, 113 + v.message.length, string.concat(v.name, ": length"));
        }
    }

    function test_packetV1_encodeHeaderAndPayload_matchSharedVectors() public view {
        for (uint256 i = 0; i < caseCount; i++) {
            Vector memory v = _vector(i);
            Packet memory packet = _packet(v);
            assertEq(PacketV1Codec.encodePacketHeader(packet), v.header, string.concat(v.name, ": encodePacketHeader"));
            bytes memory payload = PacketV1Codec.encodePayload(packet);
            assertEq(payload, abi.encodePacked(v.guid, v.message), string.concat(v.name, ": encodePayload"));
            assertEq(keccak256(payload), v.payloadHash, string.concat(v.name, ": payload hash"));
        }
    }

    function test_packetV1_decodesSharedVectors() public view {
        for (uint256 i = 0; i < caseCount; i++) {
            Vector memory v = _vector(i);
            Decoded memory d = this.decode(v.encoded);
            assertEq(d.version, PacketV1Codec.PACKET_VERSION, string.concat(v.name, ": version"));
            assertEq(d.header, v.header, string.concat(v.name, ": header"));
            assertEq(d.header.length, 81, string.concat(v.name, ": header length"));
            assertEq(d.nonce, v.nonce, string.concat(v.name, ": nonce"));
            assertEq(d.srcEid, v.srcEid, string.concat(v.name, ": srcEid"));
            assertEq(d.sender, v.sender, string.concat(v.name, ": sender"));
            assertEq(d.senderAddress, _senderAddress(v), string.concat(v.name, ": sender address"));
            assertEq(d.dstEid, v.dstEid, string.concat(v.name, ": dstEid"));
            assertEq(d.receiver, v.receiver, string.concat(v.name, ": receiver"));
            assertEq(d.guid, v.guid, string.concat(v.name, ": guid"));
            assertEq(d.message, v.message, string.concat(v.name, ": message"));
            assertEq(d.payload, abi.encodePacked(v.guid, v.message), string.concat(v.name, ": payload"));
            assertEq(d.payloadHash, v.payloadHash, string.concat(v.name, ": payloadHash"));
        }
    }

    function test_guid_generate_matchesSharedVectors() public view {
        for (uint256 i = 0; i < caseCount; i++) {
            Vector memory v = _vector(i);
            bytes32 guid = GUID.generate(v.nonce, v.srcEid, _senderAddress(v), v.dstEid, v.receiver);
            assertEq(guid, v.guid, string.concat(v.name, ": GUID.generate"));
        }
    }

    function test_guid_changesWithEveryHeaderField() public view {
        Vector memory v = _vector(0);
        address sender = _senderAddress(v);
        bytes32 guid = GUID.generate(v.nonce, v.srcEid, sender, v.dstEid, v.receiver);
        assertEq(guid, v.guid);
        assertNotEq(GUID.generate(v.nonce + 1, v.srcEid, sender, v.dstEid, v.receiver), guid, "nonce");
        assertNotEq(GUID.generate(v.nonce, v.srcEid + 1, sender, v.dstEid, v.receiver), guid, "srcEid");
        assertNotEq(GUID.generate(v.nonce, v.srcEid, address(0xbeef), v.dstEid, v.receiver), guid, "sender");
        assertNotEq(GUID.generate(v.nonce, v.srcEid, sender, v.dstEid + 1, v.receiver), guid, "dstEid");
        assertNotEq(GUID.generate(v.nonce, v.srcEid, sender, v.dstEid, bytes32(uint256(1))), guid, "receiver");
    }
}
