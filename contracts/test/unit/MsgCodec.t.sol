// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { stdJson } from "forge-std/StdJson.sol";
import { Test } from "forge-std/Test.sol";
import { console2 } from "forge-std/console2.sol";

/// Unit and fuzz tests of `MsgCodec`: exact sizes, every revert with its arguments, round-trips of
/// every type, and the shared vectors (contracts/test/vectors/messages.json, written by the TS codec
/// in packages/protocol/scripts/message-vectors.ts), so the Solidity and TypeScript codecs agree byte
/// for byte. Decoders read calldata, so they run behind the external wrappers below.
contract MsgCodecTest is Test {
    using stdJson for string;

    string internal constant VECTORS = "contracts/test/vectors/messages.json";
    /// The generator writes at least this many cases per type (zero, max, typical, distinct bytes).
    uint256 internal constant MIN_CASES_PER_TYPE = 3;
    uint8 internal constant TYPE_COUNT = 9;
    /// Ceiling on one decode (version, type and size checks plus every field), measured without call overhead.
    uint256 internal constant MAX_DECODE_GAS = 500;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    string internal json;
    uint256 internal caseCount;

    function setUp() public {
        json = vm.readFile(VECTORS);
        while (json.keyExists(_key(caseCount, ""))) caseCount++;
    }

    // ---------------------------------------------------------------------------------------------
    // External wrappers: calldata for the decoders, and a call frame for `vm.expectRevert`.
    // ---------------------------------------------------------------------------------------------

    function msgType(bytes calldata message) external pure returns (uint8) {
        return MsgCodec.msgType(message);
    }

    function sizeOf(uint8 messageType) external pure returns (uint256) {
        return MsgCodec.sizeOf(messageType);
    }

    function decodeGrant(bytes calldata message) external pure returns (MsgCodec.Grant memory) {
        return MsgCodec.decodeGrant(message);
    }

    function decodeRecall(bytes calldata message) external pure returns (MsgCodec.Recall memory) {
        return MsgCodec.decodeRecall(message);
    }

    function decodeLiquidatable(bytes calldata message) external pure returns (MsgCodec.Liquidatable memory) {
        return MsgCodec.decodeLiquidatable(message);
    }

    function decodeClear(bytes calldata message) external pure returns (MsgCodec.Clear memory) {
        return MsgCodec.decodeClear(message);
    }

    function decodeBadDebt(bytes calldata message) external pure returns (MsgCodec.BadDebt memory) {
        return MsgCodec.decodeBadDebt(message);
    }

    function decodeRelease(bytes calldata message) external pure returns (MsgCodec.Release memory) {
        return MsgCodec.decodeRelease(message);
    }

    function decodeUsage(bytes calldata message) external pure returns (MsgCodec.Usage memory) {
        return MsgCodec.decodeUsage(message);
    }

    function decodeSeize(bytes calldata message) external pure returns (MsgCodec.Seize memory) {
        return MsgCodec.decodeSeize(message);
    }

    function decodeHeartbeat(bytes calldata message) external pure returns (MsgCodec.Heartbeat memory) {
        return MsgCodec.decodeHeartbeat(message);
    }

    /// Decodes `message` with the decoder for `messageType`; returns the ABI encoding of the struct.
    function decodeAs(uint8 messageType, bytes calldata message) external pure returns (bytes memory) {
        if (messageType == MsgCodec.TYPE_GRANT) return abi.encode(MsgCodec.decodeGrant(message));
        if (messageType == MsgCodec.TYPE_RECALL) return abi.encode(MsgCodec.decodeRecall(message));
        if (messageType == MsgCodec.TYPE_LIQUIDATABLE) return abi.encode(MsgCodec.decodeLiquidatable(message));
        if (messageType == MsgCodec.TYPE_CLEAR) return abi.encode(MsgCodec.decodeClear(message));
        if (messageType == MsgCodec.TYPE_BAD_DEBT) return abi.encode(MsgCodec.decodeBadDebt(message));
        if (messageType == MsgCodec.TYPE_RELEASE) return abi.encode(MsgCodec.decodeRelease(message));
        if (messageType == MsgCodec.TYPE_USAGE) return abi.encode(MsgCodec.decodeUsage(message));
        if (messageType == MsgCodec.TYPE_SEIZE) return abi.encode(MsgCodec.decodeSeize(message));
        if (messageType == MsgCodec.TYPE_HEARTBEAT) return abi.encode(MsgCodec.decodeHeartbeat(message));
        revert MsgCodec.MsgCodec_UnknownType(messageType);
    }

    /// Gas `MsgCodec` spends decoding `message` as type `t` into memory (checks included; no call overhead).
    function decodeGas(uint8 t, bytes calldata message) external view returns (uint256 gasUsed) {
        uint256 before;
        if (t == MsgCodec.TYPE_GRANT) {
            before = gasleft();
            MsgCodec.Grant memory m = MsgCodec.decodeGrant(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_RECALL) {
            before = gasleft();
            MsgCodec.Recall memory m = MsgCodec.decodeRecall(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_LIQUIDATABLE) {
            before = gasleft();
            MsgCodec.Liquidatable memory m = MsgCodec.decodeLiquidatable(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_CLEAR) {
            before = gasleft();
            MsgCodec.Clear memory m = MsgCodec.decodeClear(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_BAD_DEBT) {
            before = gasleft();
            MsgCodec.BadDebt memory m = MsgCodec.decodeBadDebt(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_RELEASE) {
            before = gasleft();
            MsgCodec.Release memory m = MsgCodec.decodeRelease(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_USAGE) {
            before = gasleft();
            MsgCodec.Usage memory m = MsgCodec.decodeUsage(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else if (t == MsgCodec.TYPE_SEIZE) {
            before = gasleft();
            MsgCodec.Seize memory m = MsgCodec.decodeSeize(message);
            gasUsed = before - gasleft();
            assertEq(m.account, ALICE);
        } else {
            before = gasleft();
            MsgCodec.Heartbeat memory m = MsgCodec.decodeHeartbeat(message);
            gasUsed = before - gasleft();
            assertGt(m.timestamp, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Samples and byte surgery
    // ---------------------------------------------------------------------------------------------

    /// A valid message of each type, with non-zero fields.
    function _sample(uint8 messageType) internal pure returns (bytes memory) {
        if (messageType == MsgCodec.TYPE_GRANT) return MsgCodec.encodeGrant(MsgCodec.Grant(ALICE, BOB, 1e21, 1e9, 1));
        if (messageType == MsgCodec.TYPE_RECALL) return MsgCodec.encodeRecall(MsgCodec.Recall(ALICE, 5e20, 2));
        if (messageType == MsgCodec.TYPE_LIQUIDATABLE) {
            return MsgCodec.encodeLiquidatable(MsgCodec.Liquidatable(ALICE, 3, 5000));
        }
        if (messageType == MsgCodec.TYPE_CLEAR) return MsgCodec.encodeClear(MsgCodec.Clear(ALICE, 4));
        if (messageType == MsgCodec.TYPE_BAD_DEBT) return MsgCodec.encodeBadDebt(MsgCodec.BadDebt(ALICE, 5, 1e18));
        if (messageType == MsgCodec.TYPE_RELEASE) {
            return MsgCodec.encodeRelease(MsgCodec.Release(ALICE, 1e20, MsgCodec.ReleaseReason.Recalled));
        }
        if (messageType == MsgCodec.TYPE_USAGE) return MsgCodec.encodeUsage(MsgCodec.Usage(ALICE, 6e20, 1e21, 12));
        if (messageType == MsgCodec.TYPE_SEIZE) {
            return MsgCodec.encodeSeize(MsgCodec.Seize(ALICE, BOB, address(0), 25e19, 3, 1));
        }
        return MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(1_767_225_600));
    }

    function _withByte(bytes memory message, uint256 index, uint8 value) internal pure returns (bytes memory copy) {
        copy = bytes.concat(message);
        copy[index] = bytes1(value);
    }

    function _truncated(bytes memory message, uint256 length) internal pure returns (bytes memory copy) {
        copy = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            copy[i] = message[i];
        }
    }

    function _expectBadLength(uint8 messageType, uint256 length, uint256 expected) internal {
        vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_BadLength.selector, messageType, length, expected));
    }

    // ---------------------------------------------------------------------------------------------
    // Constants and sizes
    // ---------------------------------------------------------------------------------------------

    function test_constants_matchTheSpec() public pure {
        assertEq(MsgCodec.VERSION, 1, "version");
        assertEq(MsgCodec.HEADER_SIZE, 22, "header");
        uint8[9] memory types = [
            MsgCodec.TYPE_GRANT,
            MsgCodec.TYPE_RECALL,
            MsgCodec.TYPE_LIQUIDATABLE,
            MsgCodec.TYPE_CLEAR,
            MsgCodec.TYPE_BAD_DEBT,
            MsgCodec.TYPE_RELEASE,
            MsgCodec.TYPE_USAGE,
            MsgCodec.TYPE_SEIZE,
            MsgCodec.TYPE_HEARTBEAT
        ];
        uint256[9] memory sizes = [
            MsgCodec.SIZE_GRANT,
            MsgCodec.SIZE_RECALL,
            MsgCodec.SIZE_LIQUIDATABLE,
            MsgCodec.SIZE_CLEAR,
            MsgCodec.SIZE_BAD_DEBT,
            MsgCodec.SIZE_RELEASE,
            MsgCodec.SIZE_USAGE,
            MsgCodec.SIZE_SEIZE,
            MsgCodec.SIZE_HEARTBEAT
        ];
        uint256[9] memory specSizes = [uint256(74), 46, 32, 30, 46, 39, 62, 94, 30];
        for (uint256 i = 0; i < TYPE_COUNT; i++) {
            assertEq(types[i], i + 1, "type ids are 1..9 in spec order");
            assertEq(sizes[i], specSizes[i], "size constant");
            assertEq(MsgCodec.sizeOf(types[i]), specSizes[i], "sizeOf");
        }
    }

    function test_encode_givesExactSizeOfEveryType() public pure {
        assertEq(MsgCodec.encodeGrant(MsgCodec.Grant(address(0), address(0), 0, 0, 0)).length, 74, "grant");
        assertEq(MsgCodec.encodeRecall(MsgCodec.Recall(address(0), 0, 0)).length, 46, "recall");
        assertEq(MsgCodec.encodeLiquidatable(MsgCodec.Liquidatable(address(0), 0, 0)).length, 32, "liquidatable");
        assertEq(MsgCodec.encodeClear(MsgCodec.Clear(address(0), 0)).length, 30, "clear");
        assertEq(MsgCodec.encodeBadDebt(MsgCodec.BadDebt(address(0), 0, 0)).length, 46, "badDebt");
        assertEq(
            MsgCodec.encodeRelease(MsgCodec.Release(address(0), 0, MsgCodec.ReleaseReason.Voluntary)).length,
            39,
            "release"
        );
        assertEq(MsgCodec.encodeUsage(MsgCodec.Usage(address(0), 0, 0, 0)).length, 62, "usage");
        assertEq(MsgCodec.encodeSeize(MsgCodec.Seize(address(0), address(0), address(0), 0, 0, 0)).length, 94, "seize");
        assertEq(MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(0)).length, 30, "heartbeat");
    }

    function test_encode_writesVersionTypeAndAccountFirst() public pure {
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            bytes memory message = _sample(t);
            assertEq(message.length, MsgCodec.sizeOf(t), "size");
            assertEq(uint8(message[0]), MsgCodec.VERSION, "version byte");
            assertEq(uint8(message[1]), t, "type byte");
            address account = t == MsgCodec.TYPE_HEARTBEAT ? address(0) : ALICE;
            assertEq(bytes20(_slice(message, 2, 22)), bytes20(account), "account");
        }
    }

    function _slice(bytes memory message, uint256 start, uint256 end) internal pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i = start; i < end; i++) {
            out[i - start] = message[i];
        }
    }

    function test_msgType_returnsTheTypeOfEveryWellFormedMessage() public view {
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            assertEq(this.msgType(_sample(t)), t);
        }
    }

    function test_decoders_stayCheap() public view {
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            uint256 gasUsed = this.decodeGas(t, _sample(t));
            console2.log("decode type", t, "gas", gasUsed);
            assertLt(gasUsed, MAX_DECODE_GAS, "decoder gas");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reverts
    // ---------------------------------------------------------------------------------------------

    function test_RevertWhen_versionIsNotOne() public {
        uint8[3] memory versions = [0, 2, 255];
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            for (uint256 i = 0; i < versions.length; i++) {
                bytes memory message = _withByte(_sample(t), 0, versions[i]);
                vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnsupportedVersion.selector, versions[i]));
                this.msgType(message);
                vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnsupportedVersion.selector, versions[i]));
                this.decodeAs(t, message);
            }
        }
    }

    function test_RevertWhen_versionIsWrong_evenIfTheRestIsMalformed() public {
        // The version is checked first: a later version may have another layout entirely.
        vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnsupportedVersion.selector, 2));
        this.msgType(hex"02");
        vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnsupportedVersion.selector, 2));
        this.msgType(hex"02ff");
        vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnsupportedVersion.selector, 0));
        this.decodeGrant(new bytes(3));
    }

    function test_RevertWhen_typeIsUnknown() public {
        uint8[4] memory unknown = [0, 10, 0x80, 255];
        for (uint256 i = 0; i < unknown.length; i++) {
            // The type is checked before the length: the grant-sized body does not matter.
            bytes memory message = _withByte(_sample(MsgCodec.TYPE_GRANT), 1, unknown[i]);
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownType.selector, unknown[i]));
            this.msgType(message);
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownType.selector, unknown[i]));
            this.decodeGrant(message);
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownType.selector, unknown[i]));
            this.msgType(abi.encodePacked(MsgCodec.VERSION, unknown[i]));
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownType.selector, unknown[i]));
            this.sizeOf(unknown[i]);
        }
    }

    function test_RevertWhen_messageHasNoTypeByte() public {
        _expectBadLength(0, 0, MsgCodec.HEADER_SIZE);
        this.msgType("");
        _expectBadLength(0, 1, MsgCodec.HEADER_SIZE);
        this.msgType(hex"01");
        _expectBadLength(0, 0, MsgCodec.HEADER_SIZE);
        this.decodeGrant("");
        _expectBadLength(0, 1, MsgCodec.HEADER_SIZE);
        this.decodeHeartbeat(hex"01");
    }

    function test_RevertWhen_messageIsShort() public {
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            bytes memory sample = _sample(t);
            uint256 expected = sample.length;
            // One byte short, the header alone, and just version and type.
            uint256[3] memory lengths = [expected - 1, MsgCodec.HEADER_SIZE, 2];
            for (uint256 i = 0; i < lengths.length; i++) {
                bytes memory message = _truncated(sample, lengths[i]);
                _expectBadLength(t, lengths[i], expected);
                this.msgType(message);
                _expectBadLength(t, lengths[i], expected);
                this.decodeAs(t, message);
            }
        }
    }

    function test_RevertWhen_messageIsLong() public {
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            bytes memory sample = _sample(t);
            uint256 expected = sample.length;
            bytes[2] memory longer = [bytes.concat(sample, hex"00"), bytes.concat(sample, sample)];
            for (uint256 i = 0; i < longer.length; i++) {
                _expectBadLength(t, longer[i].length, expected);
                this.msgType(longer[i]);
                _expectBadLength(t, longer[i].length, expected);
                this.decodeAs(t, longer[i]);
            }
        }
    }

    function test_RevertWhen_decoderGetsAnotherType() public {
        for (uint8 actual = 1; actual <= TYPE_COUNT; actual++) {
            bytes memory message = _sample(actual);
            for (uint8 decoder = 1; decoder <= TYPE_COUNT; decoder++) {
                if (decoder == actual) continue;
                vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_TypeMismatch.selector, actual, decoder));
                this.decodeAs(decoder, message);
            }
        }
    }

    function test_RevertWhen_decoderGetsAnotherTypeOfTheSameSize() public {
        // RECALL and BAD_DEBT are both 46 bytes, CLEAR and HEARTBEAT both 30: only the type byte differs.
        bytes memory badDebt = _sample(MsgCodec.TYPE_BAD_DEBT);
        vm.expectRevert(
            abi.encodeWithSelector(
                MsgCodec.MsgCodec_TypeMismatch.selector, MsgCodec.TYPE_BAD_DEBT, MsgCodec.TYPE_RECALL
            )
        );
        this.decodeRecall(badDebt);
        bytes memory heartbeat = _sample(MsgCodec.TYPE_HEARTBEAT);
        vm.expectRevert(
            abi.encodeWithSelector(
                MsgCodec.MsgCodec_TypeMismatch.selector, MsgCodec.TYPE_HEARTBEAT, MsgCodec.TYPE_CLEAR
            )
        );
        this.decodeClear(heartbeat);
    }

    function test_RevertWhen_releaseReasonIsUnknown() public {
        bytes memory release = _sample(MsgCodec.TYPE_RELEASE);
        uint8[3] memory reasons = [4, 5, 255];
        for (uint256 i = 0; i < reasons.length; i++) {
            bytes memory message = _withByte(release, MsgCodec.SIZE_RELEASE - 1, reasons[i]);
            // Well-formed as far as the type and length go; only the decoder reads the reason.
            assertEq(this.msgType(message), MsgCodec.TYPE_RELEASE);
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownReleaseReason.selector, reasons[i]));
            this.decodeRelease(message);
        }
    }

    function test_RevertWhen_heartbeatCarriesAnAccount() public {
        bytes memory message = abi.encodePacked(MsgCodec.VERSION, MsgCodec.TYPE_HEARTBEAT, ALICE, uint64(1));
        assertEq(this.msgType(message), MsgCodec.TYPE_HEARTBEAT);
        vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_HeartbeatWithAccount.selector, ALICE));
        this.decodeHeartbeat(message);
    }

    // ---------------------------------------------------------------------------------------------
    // Fuzz round-trips
    // ---------------------------------------------------------------------------------------------

    function testFuzz_grant_roundTrips(
        address account,
        address receiver,
        uint128 amount,
        uint64 deadline,
        uint64 grantId
    ) public view {
        MsgCodec.Grant memory grant = MsgCodec.Grant(account, receiver, amount, deadline, grantId);
        bytes memory message = MsgCodec.encodeGrant(grant);
        assertEq(message, abi.encodePacked(uint8(1), uint8(1), account, receiver, amount, deadline, grantId));
        assertEq(message.length, MsgCodec.SIZE_GRANT);
        assertEq(this.msgType(message), MsgCodec.TYPE_GRANT);
        MsgCodec.Grant memory decoded = this.decodeGrant(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.receiver, receiver, "receiver");
        assertEq(decoded.amount, amount, "amount");
        assertEq(decoded.deadline, deadline, "deadline");
        assertEq(decoded.grantId, grantId, "grantId");
    }

    function testFuzz_recall_roundTrips(address account, uint128 amount, uint64 recallId) public view {
        bytes memory message = MsgCodec.encodeRecall(MsgCodec.Recall(account, amount, recallId));
        assertEq(message, abi.encodePacked(uint8(1), uint8(2), account, amount, recallId));
        assertEq(message.length, MsgCodec.SIZE_RECALL);
        assertEq(this.msgType(message), MsgCodec.TYPE_RECALL);
        MsgCodec.Recall memory decoded = this.decodeRecall(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.amount, amount, "amount");
        assertEq(decoded.recallId, recallId, "recallId");
    }

    function testFuzz_liquidatable_roundTrips(address account, uint64 epoch, uint16 closeFactorBps) public view {
        bytes memory message = MsgCodec.encodeLiquidatable(MsgCodec.Liquidatable(account, epoch, closeFactorBps));
        assertEq(message, abi.encodePacked(uint8(1), uint8(3), account, epoch, closeFactorBps));
        assertEq(message.length, MsgCodec.SIZE_LIQUIDATABLE);
        assertEq(this.msgType(message), MsgCodec.TYPE_LIQUIDATABLE);
        MsgCodec.Liquidatable memory decoded = this.decodeLiquidatable(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.epoch, epoch, "epoch");
        assertEq(decoded.closeFactorBps, closeFactorBps, "closeFactorBps");
    }

    function testFuzz_clear_roundTrips(address account, uint64 epoch) public view {
        bytes memory message = MsgCodec.encodeClear(MsgCodec.Clear(account, epoch));
        assertEq(message, abi.encodePacked(uint8(1), uint8(4), account, epoch));
        assertEq(message.length, MsgCodec.SIZE_CLEAR);
        assertEq(this.msgType(message), MsgCodec.TYPE_CLEAR);
        MsgCodec.Clear memory decoded = this.decodeClear(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.epoch, epoch, "epoch");
    }

    function testFuzz_badDebt_roundTrips(address account, uint64 epoch, uint128 amount) public view {
        bytes memory message = MsgCodec.encodeBadDebt(MsgCodec.BadDebt(account, epoch, amount));
        assertEq(message, abi.encodePacked(uint8(1), uint8(5), account, epoch, amount));
        assertEq(message.length, MsgCodec.SIZE_BAD_DEBT);
        assertEq(this.msgType(message), MsgCodec.TYPE_BAD_DEBT);
        MsgCodec.BadDebt memory decoded = this.decodeBadDebt(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.epoch, epoch, "epoch");
        assertEq(decoded.amount, amount, "amount");
    }

    function testFuzz_release_roundTrips(address account, uint128 amount, uint8 reasonSeed) public view {
        uint8 reason = uint8(bound(reasonSeed, 0, uint8(type(MsgCodec.ReleaseReason).max)));
        bytes memory message = MsgCodec.encodeRelease(MsgCodec.Release(account, amount, MsgCodec.ReleaseReason(reason)));
        assertEq(message, abi.encodePacked(uint8(1), uint8(6), account, amount, reason));
        assertEq(message.length, MsgCodec.SIZE_RELEASE);
        assertEq(this.msgType(message), MsgCodec.TYPE_RELEASE);
        MsgCodec.Release memory decoded = this.decodeRelease(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.amount, amount, "amount");
        assertEq(uint8(decoded.reason), reason, "reason");
    }

    function testFuzz_usage_roundTrips(address account, uint128 drawn, uint128 line, uint64 seq) public view {
        bytes memory message = MsgCodec.encodeUsage(MsgCodec.Usage(account, drawn, line, seq));
        assertEq(message, abi.encodePacked(uint8(1), uint8(7), account, drawn, line, seq));
        assertEq(message.length, MsgCodec.SIZE_USAGE);
        assertEq(this.msgType(message), MsgCodec.TYPE_USAGE);
        MsgCodec.Usage memory decoded = this.decodeUsage(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.drawn, drawn, "drawn");
        assertEq(decoded.line, line, "line");
        assertEq(decoded.seq, seq, "seq");
    }

    function testFuzz_seize_roundTrips(
        address account,
        address liquidator,
        address asset,
        uint128 repaid,
        uint64 epoch,
        uint64 seizeId
    ) public view {
        MsgCodec.Seize memory seize = MsgCodec.Seize(account, liquidator, asset, repaid, epoch, seizeId);
        bytes memory message = MsgCodec.encodeSeize(seize);
        assertEq(message, abi.encodePacked(uint8(1), uint8(8), account, liquidator, asset, repaid, epoch, seizeId));
        assertEq(message.length, MsgCodec.SIZE_SEIZE);
        assertEq(this.msgType(message), MsgCodec.TYPE_SEIZE);
        MsgCodec.Seize memory decoded = this.decodeSeize(message);
        assertEq(decoded.account, account, "account");
        assertEq(decoded.liquidator, liquidator, "liquidator");
        assertEq(decoded.asset, asset, "asset");
        assertEq(decoded.repaid, repaid, "repaid");
        assertEq(decoded.epoch, epoch, "epoch");
        assertEq(decoded.seizeId, seizeId, "seizeId");
    }

    function testFuzz_heartbeat_roundTrips(uint64 timestamp) public view {
        bytes memory message = MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(timestamp));
        assertEq(message, abi.encodePacked(uint8(1), uint8(9), address(0), timestamp));
        assertEq(message.length, MsgCodec.SIZE_HEARTBEAT);
        assertEq(this.msgType(message), MsgCodec.TYPE_HEARTBEAT);
        assertEq(this.decodeHeartbeat(message).timestamp, timestamp, "timestamp");
    }

    /// Any bytes are either rejected or a message of exactly its type's size; none decodes as another type.
    function testFuzz_msgType_acceptsOnlyWellFormedMessages(bytes calldata message) public view {
        try this.msgType(message) returns (uint8 t) {
            assertEq(uint8(message[0]), MsgCodec.VERSION, "version");
            assertEq(uint8(message[1]), t, "type");
            assertEq(message.length, MsgCodec.sizeOf(t), "size");
        } catch (bytes memory reason) {
            // casting to 'bytes4' is safe because it keeps the selector of the revert data, which is all we check
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason);
            assertTrue(
                selector == MsgCodec.MsgCodec_UnsupportedVersion.selector
                    || selector == MsgCodec.MsgCodec_UnknownType.selector
                    || selector == MsgCodec.MsgCodec_BadLength.selector,
                "one of the codec's errors"
            );
        }
    }

    /// Version 1, any type byte, any length up to 120 bytes: `msgType` returns the type exactly when it
    /// is known and the length is its size, and otherwise names the first thing that is wrong.
    function testFuzz_msgType_checksTypeThenLength(uint8 typeByte, uint8 lengthSeed) public {
        uint256 length = bound(lengthSeed, 2, 120);
        bytes memory message = new bytes(length);
        message[0] = bytes1(MsgCodec.VERSION);
        message[1] = bytes1(typeByte);
        if (typeByte == 0 || typeByte > TYPE_COUNT) {
            vm.expectRevert(abi.encodeWithSelector(MsgCodec.MsgCodec_UnknownType.selector, typeByte));
            this.msgType(message);
        } else if (length != MsgCodec.sizeOf(typeByte)) {
            _expectBadLength(typeByte, length, MsgCodec.sizeOf(typeByte));
            this.msgType(message);
        } else {
            assertEq(this.msgType(message), typeByte);
        }
    }

    /// A well-formed header and body of the right size decodes whatever the body bytes are (bar the
    /// release reason and the heartbeat account), and re-encodes to the same bytes.
    function testFuzz_decode_reencodesToTheSameBytes(uint8 typeSeed, bytes32 a, bytes32 b, bytes32 c) public view {
        uint8 t = uint8(bound(typeSeed, 1, TYPE_COUNT));
        bytes memory message = _truncated(abi.encodePacked(MsgCodec.VERSION, t, a, b, c), MsgCodec.sizeOf(t));
        if (t == MsgCodec.TYPE_RELEASE) message[MsgCodec.SIZE_RELEASE - 1] = bytes1(uint8(a[0]) % 4);
        if (t == MsgCodec.TYPE_HEARTBEAT) {
            for (uint256 i = 2; i < MsgCodec.HEADER_SIZE; i++) {
                message[i] = 0;
            }
        }
        assertEq(_reencode(t, this.decodeAs(t, message)), message);
    }

    function _reencode(uint8 t, bytes memory decoded) internal pure returns (bytes memory) {
        if (t == MsgCodec.TYPE_GRANT) return MsgCodec.encodeGrant(abi.decode(decoded, (MsgCodec.Grant)));
        if (t == MsgCodec.TYPE_RECALL) return MsgCodec.encodeRecall(abi.decode(decoded, (MsgCodec.Recall)));
        if (t == MsgCodec.TYPE_LIQUIDATABLE) {
            return MsgCodec.encodeLiquidatable(abi.decode(decoded, (MsgCodec.Liquidatable)));
        }
        if (t == MsgCodec.TYPE_CLEAR) return MsgCodec.encodeClear(abi.decode(decoded, (MsgCodec.Clear)));
        if (t == MsgCodec.TYPE_BAD_DEBT) return MsgCodec.encodeBadDebt(abi.decode(decoded, (MsgCodec.BadDebt)));
        if (t == MsgCodec.TYPE_RELEASE) return MsgCodec.encodeRelease(abi.decode(decoded, (MsgCodec.Release)));
        if (t == MsgCodec.TYPE_USAGE) return MsgCodec.encodeUsage(abi.decode(decoded, (MsgCodec.Usage)));
        if (t == MsgCodec.TYPE_SEIZE) return MsgCodec.encodeSeize(abi.decode(decoded, (MsgCodec.Seize)));
        return MsgCodec.encodeHeartbeat(abi.decode(decoded, (MsgCodec.Heartbeat)));
    }

    // ---------------------------------------------------------------------------------------------
    // Shared vectors
    // ---------------------------------------------------------------------------------------------

    function _key(uint256 index, string memory field) internal pure returns (string memory) {
        return string.concat(".cases[", vm.toString(index), "]", field);
    }

    function _field(uint256 index, string memory field) internal pure returns (string memory) {
        return _key(index, string.concat(".fields.", field));
    }

    function _address(uint256 index, string memory field) internal view returns (address) {
        return json.readAddress(_field(index, field));
    }

    function _u128(uint256 index, string memory field) internal view returns (uint128) {
        return SafeCast.toUint128(json.readUint(_field(index, field)));
    }

    function _u64(uint256 index, string memory field) internal view returns (uint64) {
        return SafeCast.toUint64(json.readUint(_field(index, field)));
    }

    /// Encodes vector `index` from its fields with `MsgCodec`; returns the bytes and the ABI encoding
    /// of the struct, to compare with what the decoder makes of the vector's bytes.
    function _encodeVector(uint256 index, uint8 t) internal view returns (bytes memory encoded, bytes memory fields) {
        if (t == MsgCodec.TYPE_GRANT) {
            MsgCodec.Grant memory m = MsgCodec.Grant(
                _address(index, "account"),
                _address(index, "receiver"),
                _u128(index, "amount"),
                _u64(index, "deadline"),
                _u64(index, "grantId")
            );
            return (MsgCodec.encodeGrant(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_RECALL) {
            MsgCodec.Recall memory m =
                MsgCodec.Recall(_address(index, "account"), _u128(index, "amount"), _u64(index, "recallId"));
            return (MsgCodec.encodeRecall(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_LIQUIDATABLE) {
            MsgCodec.Liquidatable memory m = MsgCodec.Liquidatable(
                _address(index, "account"),
                _u64(index, "epoch"),
                SafeCast.toUint16(json.readUint(_field(index, "closeFactorBps")))
            );
            return (MsgCodec.encodeLiquidatable(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_CLEAR) {
            MsgCodec.Clear memory m = MsgCodec.Clear(_address(index, "account"), _u64(index, "epoch"));
            return (MsgCodec.encodeClear(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_BAD_DEBT) {
            MsgCodec.BadDebt memory m =
                MsgCodec.BadDebt(_address(index, "account"), _u64(index, "epoch"), _u128(index, "amount"));
            return (MsgCodec.encodeBadDebt(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_RELEASE) {
            MsgCodec.Release memory m = MsgCodec.Release(
                _address(index, "account"),
                _u128(index, "amount"),
                MsgCodec.ReleaseReason(SafeCast.toUint8(json.readUint(_field(index, "reason"))))
            );
            return (MsgCodec.encodeRelease(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_USAGE) {
            MsgCodec.Usage memory m = MsgCodec.Usage(
                _address(index, "account"), _u128(index, "drawn"), _u128(index, "line"), _u64(index, "seq")
            );
            return (MsgCodec.encodeUsage(m), abi.encode(m));
        }
        if (t == MsgCodec.TYPE_SEIZE) {
            MsgCodec.Seize memory m = MsgCodec.Seize(
                _address(index, "account"),
                _address(index, "liquidator"),
                _address(index, "asset"),
                _u128(index, "repaid"),
                _u64(index, "epoch"),
                _u64(index, "seizeId")
            );
            return (MsgCodec.encodeSeize(m), abi.encode(m));
        }
        assertEq(t, MsgCodec.TYPE_HEARTBEAT, "known type id");
        MsgCodec.Heartbeat memory heartbeat = MsgCodec.Heartbeat(_u64(index, "timestamp"));
        return (MsgCodec.encodeHeartbeat(heartbeat), abi.encode(heartbeat));
    }

    /// Every field of type `t` at zero or at its maximum (the release reason at `Liquidation`).
    function _extreme(uint8 t, bool max) internal pure returns (bytes memory) {
        address a = max ? address(type(uint160).max) : address(0);
        uint128 u128 = max ? type(uint128).max : 0;
        uint64 u64 = max ? type(uint64).max : 0;
        if (t == MsgCodec.TYPE_GRANT) return MsgCodec.encodeGrant(MsgCodec.Grant(a, a, u128, u64, u64));
        if (t == MsgCodec.TYPE_RECALL) return MsgCodec.encodeRecall(MsgCodec.Recall(a, u128, u64));
        if (t == MsgCodec.TYPE_LIQUIDATABLE) {
            return MsgCodec.encodeLiquidatable(MsgCodec.Liquidatable(a, u64, max ? type(uint16).max : 0));
        }
        if (t == MsgCodec.TYPE_CLEAR) return MsgCodec.encodeClear(MsgCodec.Clear(a, u64));
        if (t == MsgCodec.TYPE_BAD_DEBT) return MsgCodec.encodeBadDebt(MsgCodec.BadDebt(a, u64, u128));
        if (t == MsgCodec.TYPE_RELEASE) {
            MsgCodec.ReleaseReason reason = max ? MsgCodec.ReleaseReason.Liquidation : MsgCodec.ReleaseReason.Voluntary;
            return MsgCodec.encodeRelease(MsgCodec.Release(a, u128, reason));
        }
        if (t == MsgCodec.TYPE_USAGE) return MsgCodec.encodeUsage(MsgCodec.Usage(a, u128, u128, u64));
        if (t == MsgCodec.TYPE_SEIZE) return MsgCodec.encodeSeize(MsgCodec.Seize(a, a, a, u128, u64, u64));
        return MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(u64));
    }

    function test_vectors_coverEveryTypeWithZeroAndMax() public view {
        assertEq(json.readUint(".version"), MsgCodec.VERSION, "vector file version");
        uint256[10] memory perType;
        bool[10] memory hasZero;
        bool[10] memory hasMax;
        for (uint256 i = 0; i < caseCount; i++) {
            uint8 t = SafeCast.toUint8(json.readUint(_key(i, ".typeId")));
            assertTrue(t >= 1 && t <= TYPE_COUNT, "type id in range");
            perType[t]++;
            bytes32 encoded = keccak256(json.readBytes(_key(i, ".encoded")));
            hasZero[t] = hasZero[t] || encoded == keccak256(_extreme(t, false));
            hasMax[t] = hasMax[t] || encoded == keccak256(_extreme(t, true));
        }
        for (uint8 t = 1; t <= TYPE_COUNT; t++) {
            string memory label = vm.toString(t);
            assertGe(perType[t], MIN_CASES_PER_TYPE, string.concat("cases of type ", label));
            assertTrue(hasZero[t], string.concat("an all-zero case of type ", label));
            assertTrue(hasMax[t], string.concat("an all-max case of type ", label));
        }
    }

    function test_messages_matchSharedVectors() public view {
        assertGe(caseCount, MIN_CASES_PER_TYPE * TYPE_COUNT, "case count");
        for (uint256 i = 0; i < caseCount; i++) {
            string memory name = json.readString(_key(i, ".name"));
            uint8 t = SafeCast.toUint8(json.readUint(_key(i, ".typeId")));
            bytes memory expected = json.readBytes(_key(i, ".encoded"));
            (bytes memory encoded, bytes memory fields) = _encodeVector(i, t);
            assertEq(encoded, expected, string.concat(name, ": encode"));
            assertEq(expected.length, json.readUint(_key(i, ".size")), string.concat(name, ": size"));
            assertEq(this.msgType(expected), t, string.concat(name, ": msgType"));
            assertEq(this.decodeAs(t, expected), fields, string.concat(name, ": decode"));
        }
    }
}
