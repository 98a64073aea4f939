// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MsgCodec
/// @notice The Ballast message codec: every message `CollateralVault` (home) and `CreditMirror` (remote)
/// send each other over LayerZero, encoded tightly packed and big-endian like `abi.encodePacked`.
/// Every message starts with the same 22-byte header, `version u8 | type u8 | account address`, and
/// every type has exactly one size, so a handler can reject a malformed payload before it reads a
/// field and enforced options can price each type by a fixed gas figure.
/// @dev The TypeScript codec in `packages/protocol/src/messages.ts` is byte-identical; both are
/// checked against `contracts/test/vectors/messages.json`. `docs/PROTOCOL.md#messages` lists every
/// layout with its byte offsets. Encoders build `memory`; decoders read `calldata` (the `_message`
/// handed to `_lzReceive`) with `calldataload`, after one check of version, type and length.
library MsgCodec {
    /// @notice The reason a remote gives home for a `RELEASE`.
    enum ReleaseReason {
        /// The account released undrawn credit of its own accord.
        Voluntary,
        /// Home asked for it with a `RECALL`.
        Recalled,
        /// A `GRANT` arrived after its deadline and bounces home uncredited.
        GrantExpired,
        /// Undrawn credit released while the account is flagged liquidatable.
        Liquidation
    }

    /// @notice `GRANT`, home → remote: raise `account`'s line by `amount`.
    struct Grant {
        address account;
        /// Who may use the credit on the remote (an account may name a different receiver per chain).
        address receiver;
        /// Credit, USD with 18 decimals.
        uint128 amount;
        /// Unix seconds after which the remote must bounce the grant home as a `RELEASE`.
        uint64 deadline;
        uint64 grantId;
    }

    /// @notice `RECALL`, home → remote: release undrawn credit of `account`, up to `amount`.
    struct Recall {
        address account;
        /// Credit, USD with 18 decimals.
        uint128 amount;
        uint64 recallId;
    }

    /// @notice `LIQUIDATABLE`, home → remote: flag `account` at home's `epoch`.
    struct Liquidatable {
        address account;
        uint64 epoch;
        /// Share of the drawn credit a liquidator may repay, in basis points.
        uint16 closeFactorBps;
    }

    /// @notice `CLEAR`, home → remote: un-flag `account` as of home's `epoch`.
    struct Clear {
        address account;
        uint64 epoch;
    }

    /// @notice `BAD_DEBT`, home → remote: write off `amount` of `account`'s debt that no collateral covers.
    struct BadDebt {
        address account;
        uint64 epoch;
        /// Credit, USD with 18 decimals.
        uint128 amount;
    }

    /// @notice `RELEASE`, remote → home: the remote lowered `account`'s line by `amount`.
    struct Release {
        address account;
        /// Credit, USD with 18 decimals.
        uint128 amount;
        ReleaseReason reason;
    }

    /// @notice `USAGE`, remote → home: `account`'s drawn credit and line, as of per-account sequence `seq`.
    struct Usage {
        address account;
        /// Credit, USD with 18 decimals.
        uint128 drawn;
        /// Credit, USD with 18 decimals.
        uint128 line;
        uint64 seq;
    }

    /// @notice `SEIZE`, remote → home: a liquidator repaid `repaid` of `account`'s debt on the remote.
    struct Seize {
        address account;
        /// Home-chain address that receives the seized collateral.
        address liquidator;
        /// Collateral the liquidator wants; `address(0)` for the vault's documented order.
        address asset;
        /// Credit, USD with 18 decimals.
        uint128 repaid;
        uint64 epoch;
        uint64 seizeId;
    }

    /// @notice `HEARTBEAT`, home → remote: home is alive at `timestamp`. Its header account is always zero.
    struct Heartbeat {
        /// Unix seconds.
        uint64 timestamp;
    }

    /// @notice The only codec version this library reads and writes.
    uint8 internal constant VERSION = 1;

    /// @notice Message type ids (byte 1 of every message).
    uint8 internal constant TYPE_GRANT = 1;
    uint8 internal constant TYPE_RECALL = 2;
    uint8 internal constant TYPE_LIQUIDATABLE = 3;
    uint8 internal constant TYPE_CLEAR = 4;
    uint8 internal constant TYPE_BAD_DEBT = 5;
    uint8 internal constant TYPE_RELEASE = 6;
    uint8 internal constant TYPE_USAGE = 7;
    uint8 internal constant TYPE_SEIZE = 8;
    uint8 internal constant TYPE_HEARTBEAT = 9;

    /// @notice Bytes in the common header: version u8 | type u8 | account address.
    uint256 internal constant HEADER_SIZE = 22;

    /// @notice The one size of each message type, in bytes.
    uint256 internal constant SIZE_GRANT = 74;
    uint256 internal constant SIZE_RECALL = 46;
    uint256 internal constant SIZE_LIQUIDATABLE = 32;
    uint256 internal constant SIZE_CLEAR = 30;
    uint256 internal constant SIZE_BAD_DEBT = 46;
    uint256 internal constant SIZE_RELEASE = 39;
    uint256 internal constant SIZE_USAGE = 62;
    uint256 internal constant SIZE_SEIZE = 94;
    uint256 internal constant SIZE_HEARTBEAT = 30;

    /// @dev Byte `t` holds the size of type `t` (every size fits a byte), so a size lookup is one shift.
    uint256 private constant SIZES = (SIZE_GRANT << (8 * TYPE_GRANT)) | (SIZE_RECALL << (8 * TYPE_RECALL))
        | (SIZE_LIQUIDATABLE << (8 * TYPE_LIQUIDATABLE)) | (SIZE_CLEAR << (8 * TYPE_CLEAR))
        | (SIZE_BAD_DEBT << (8 * TYPE_BAD_DEBT)) | (SIZE_RELEASE << (8 * TYPE_RELEASE))
        | (SIZE_USAGE << (8 * TYPE_USAGE)) | (SIZE_SEIZE << (8 * TYPE_SEIZE))
        | (SIZE_HEARTBEAT << (8 * TYPE_HEARTBEAT));

    /// @notice Thrown when a message's first byte is not a codec version this library reads.
    error MsgCodec_UnsupportedVersion(uint8 version);
    /// @notice Thrown when a message's type byte names no message type.
    error MsgCodec_UnknownType(uint8 msgType);
    /// @notice Thrown when a message is not exactly the size of its type (`msgType` 0: too short to carry a type).
    error MsgCodec_BadLength(uint8 msgType, uint256 length, uint256 expected);
    /// @notice Thrown when a decoder for type `expected` is handed a well-formed message of type `msgType`.
    error MsgCodec_TypeMismatch(uint8 msgType, uint8 expected);
    /// @notice Thrown when a `HEARTBEAT` carries an account other than the zero address.
    error MsgCodec_HeartbeatWithAccount(address account);
    /// @notice Thrown when a `RELEASE` carries a reason byte outside `ReleaseReason`.
    error MsgCodec_UnknownReleaseReason(uint8 reason);

    // ---------------------------------------------------------------------------------------------
    // Validation
    // ---------------------------------------------------------------------------------------------

    /// @notice The type of a well-formed message: checks the version, that the type is known and that
    /// the message is exactly that type's size, in this order.
    /// @dev Reverts with `MsgCodec_UnsupportedVersion`, `MsgCodec_BadLength(0, length, HEADER_SIZE)` when
    /// there is no type byte, `MsgCodec_UnknownType` or `MsgCodec_BadLength(type, length, size)`.
    /// @param message The raw message, as `_lzReceive` gets it.
    /// @return The message type id (`TYPE_GRANT` … `TYPE_HEARTBEAT`).
    function msgType(bytes calldata message) internal pure returns (uint8) {
        uint256 length = message.length;
        if (length == 0) revert MsgCodec_BadLength(0, 0, HEADER_SIZE);
        // Only the bytes inside `message` are used: the version is byte 0, the type byte 1 if length > 1.
        uint8 version;
        uint8 messageType;
        assembly ("memory-safe") {
            let head := calldataload(message.offset)
            version := byte(0, head)
            messageType := byte(1, head)
        }
        if (version != VERSION) revert MsgCodec_UnsupportedVersion(version);
        if (length == 1) revert MsgCodec_BadLength(0, 1, HEADER_SIZE);
        uint256 expected = sizeOf(messageType);
        if (length != expected) revert MsgCodec_BadLength(messageType, length, expected);
        return messageType;
    }

    /// @notice The one size of a message type, in bytes.
    /// @dev Reverts with `MsgCodec_UnknownType` for an id outside `TYPE_GRANT` … `TYPE_HEARTBEAT`.
    /// @param messageType A message type id.
    /// @return The size every message of that type has.
    function sizeOf(uint8 messageType) internal pure returns (uint256) {
        if (messageType == 0 || messageType > TYPE_HEARTBEAT) revert MsgCodec_UnknownType(messageType);
        return (SIZES >> (8 * uint256(messageType))) & 0xff;
    }

    // ---------------------------------------------------------------------------------------------
    // Encoders
    // ---------------------------------------------------------------------------------------------

    /// @notice Encodes a `GRANT` (74 bytes).
    /// @param grant The grant to encode.
    /// @return The message bytes.
    function encodeGrant(Grant memory grant) internal pure returns (bytes memory) {
        return abi.encodePacked(
            VERSION, TYPE_GRANT, grant.account, grant.receiver, grant.amount, grant.deadline, grant.grantId
        );
    }

    /// @notice Encodes a `RECALL` (46 bytes).
    /// @param recall The recall to encode.
    /// @return The message bytes.
    function encodeRecall(Recall memory recall) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_RECALL, recall.account, recall.amount, recall.recallId);
    }

    /// @notice Encodes a `LIQUIDATABLE` (32 bytes).
    /// @param liquidatable The flag to encode.
    /// @return The message bytes.
    function encodeLiquidatable(Liquidatable memory liquidatable) internal pure returns (bytes memory) {
        return abi.encodePacked(
            VERSION, TYPE_LIQUIDATABLE, liquidatable.account, liquidatable.epoch, liquidatable.closeFactorBps
        );
    }

    /// @notice Encodes a `CLEAR` (30 bytes).
    /// @param clear The un-flag to encode.
    /// @return The message bytes.
    function encodeClear(Clear memory clear) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_CLEAR, clear.account, clear.epoch);
    }

    /// @notice Encodes a `BAD_DEBT` (46 bytes).
    /// @param badDebt The write-off to encode.
    /// @return The message bytes.
    function encodeBadDebt(BadDebt memory badDebt) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_BAD_DEBT, badDebt.account, badDebt.epoch, badDebt.amount);
    }

    /// @notice Encodes a `RELEASE` (39 bytes).
    /// @param release The release to encode.
    /// @return The message bytes.
    function encodeRelease(Release memory release) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_RELEASE, release.account, release.amount, uint8(release.reason));
    }

    /// @notice Encodes a `USAGE` (62 bytes).
    /// @param usage The usage report to encode.
    /// @return The message bytes.
    function encodeUsage(Usage memory usage) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_USAGE, usage.account, usage.drawn, usage.line, usage.seq);
    }

    /// @notice Encodes a `SEIZE` (94 bytes).
    /// @param seize The seizure to encode.
    /// @return The message bytes.
    function encodeSeize(Seize memory seize) internal pure returns (bytes memory) {
        return abi.encodePacked(
            VERSION, TYPE_SEIZE, seize.account, seize.liquidator, seize.asset, seize.repaid, seize.epoch, seize.seizeId
        );
    }

    /// @notice Encodes a `HEARTBEAT` (30 bytes); its header account is the zero address.
    /// @param heartbeat The heartbeat to encode.
    /// @return The message bytes.
    function encodeHeartbeat(Heartbeat memory heartbeat) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, TYPE_HEARTBEAT, address(0), heartbeat.timestamp);
    }

    // ---------------------------------------------------------------------------------------------
    // Decoders: each checks version, type and exact size first (`_is`), then reads every field with
    // one `calldataload` at its byte offset and shifts it down to its width.
    // ---------------------------------------------------------------------------------------------

    /// @notice Decodes a `GRANT`.
    /// @param message The raw message.
    /// @return grant Its fields.
    function decodeGrant(bytes calldata message) internal pure returns (Grant memory grant) {
        if (!_is(message, TYPE_GRANT, SIZE_GRANT)) _reject(message, TYPE_GRANT);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(grant, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(grant, 0x20), shr(96, calldataload(add(p, 22)))) // receiver [22:42]
            mstore(add(grant, 0x40), shr(128, calldataload(add(p, 42)))) // amount [42:58]
            mstore(add(grant, 0x60), shr(192, calldataload(add(p, 58)))) // deadline [58:66]
            mstore(add(grant, 0x80), shr(192, calldataload(add(p, 66)))) // grantId [66:74]
        }
    }

    /// @notice Decodes a `RECALL`.
    /// @param message The raw message.
    /// @return recall Its fields.
    function decodeRecall(bytes calldata message) internal pure returns (Recall memory recall) {
        if (!_is(message, TYPE_RECALL, SIZE_RECALL)) _reject(message, TYPE_RECALL);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(recall, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(recall, 0x20), shr(128, calldataload(add(p, 22)))) // amount [22:38]
            mstore(add(recall, 0x40), shr(192, calldataload(add(p, 38)))) // recallId [38:46]
        }
    }

    /// @notice Decodes a `LIQUIDATABLE`.
    /// @param message The raw message.
    /// @return liquidatable Its fields.
    function decodeLiquidatable(bytes calldata message) internal pure returns (Liquidatable memory liquidatable) {
        if (!_is(message, TYPE_LIQUIDATABLE, SIZE_LIQUIDATABLE)) _reject(message, TYPE_LIQUIDATABLE);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(liquidatable, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(liquidatable, 0x20), shr(192, calldataload(add(p, 22)))) // epoch [22:30]
            mstore(add(liquidatable, 0x40), shr(240, calldataload(add(p, 30)))) // closeFactorBps [30:32]
        }
    }

    /// @notice Decodes a `CLEAR`.
    /// @param message The raw message.
    /// @return clear Its fields.
    function decodeClear(bytes calldata message) internal pure returns (Clear memory clear) {
        if (!_is(message, TYPE_CLEAR, SIZE_CLEAR)) _reject(message, TYPE_CLEAR);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(clear, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(clear, 0x20), shr(192, calldataload(add(p, 22)))) // epoch [22:30]
        }
    }

    /// @notice Decodes a `BAD_DEBT`.
    /// @param message The raw message.
    /// @return badDebt Its fields.
    function decodeBadDebt(bytes calldata message) internal pure returns (BadDebt memory badDebt) {
        if (!_is(message, TYPE_BAD_DEBT, SIZE_BAD_DEBT)) _reject(message, TYPE_BAD_DEBT);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(badDebt, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(badDebt, 0x20), shr(192, calldataload(add(p, 22)))) // epoch [22:30]
            mstore(add(badDebt, 0x40), shr(128, calldataload(add(p, 30)))) // amount [30:46]
        }
    }

    /// @notice Decodes a `RELEASE`.
    /// @dev Reverts with `MsgCodec_UnknownReleaseReason` for a reason byte above `ReleaseReason.Liquidation`.
    /// @param message The raw message.
    /// @return release Its fields.
    function decodeRelease(bytes calldata message) internal pure returns (Release memory release) {
        if (!_is(message, TYPE_RELEASE, SIZE_RELEASE)) _reject(message, TYPE_RELEASE);
        uint8 reason;
        assembly ("memory-safe") {
            let p := message.offset
            mstore(release, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(release, 0x20), shr(128, calldataload(add(p, 22)))) // amount [22:38]
            reason := shr(248, calldataload(add(p, 38))) // reason [38]
            mstore(add(release, 0x40), reason)
        }
        // The struct never leaves with an out-of-range enum, which would fail later with a bare panic.
        if (reason > uint8(type(ReleaseReason).max)) revert MsgCodec_UnknownReleaseReason(reason);
    }

    /// @notice Decodes a `USAGE`.
    /// @param message The raw message.
    /// @return usage Its fields.
    function decodeUsage(bytes calldata message) internal pure returns (Usage memory usage) {
        if (!_is(message, TYPE_USAGE, SIZE_USAGE)) _reject(message, TYPE_USAGE);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(usage, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(usage, 0x20), shr(128, calldataload(add(p, 22)))) // drawn [22:38]
            mstore(add(usage, 0x40), shr(128, calldataload(add(p, 38)))) // line [38:54]
            mstore(add(usage, 0x60), shr(192, calldataload(add(p, 54)))) // seq [54:62]
        }
    }

    /// @notice Decodes a `SEIZE`.
    /// @param message The raw message.
    /// @return seize Its fields.
    function decodeSeize(bytes calldata message) internal pure returns (Seize memory seize) {
        if (!_is(message, TYPE_SEIZE, SIZE_SEIZE)) _reject(message, TYPE_SEIZE);
        assembly ("memory-safe") {
            let p := message.offset
            mstore(seize, shr(96, calldataload(add(p, 2)))) // account [2:22]
            mstore(add(seize, 0x20), shr(96, calldataload(add(p, 22)))) // liquidator [22:42]
            mstore(add(seize, 0x40), shr(96, calldataload(add(p, 42)))) // asset [42:62]
            mstore(add(seize, 0x60), shr(128, calldataload(add(p, 62)))) // repaid [62:78]
            mstore(add(seize, 0x80), shr(192, calldataload(add(p, 78)))) // epoch [78:86]
            mstore(add(seize, 0xa0), shr(192, calldataload(add(p, 86)))) // seizeId [86:94]
        }
    }

    /// @notice Decodes a `HEARTBEAT`.
    /// @dev Reverts with `MsgCodec_HeartbeatWithAccount` if the header account is not the zero address.
    /// @param message The raw message.
    /// @return heartbeat Its fields.
    function decodeHeartbeat(bytes calldata message) internal pure returns (Heartbeat memory heartbeat) {
        if (!_is(message, TYPE_HEARTBEAT, SIZE_HEARTBEAT)) _reject(message, TYPE_HEARTBEAT);
        address account;
        assembly ("memory-safe") {
            let p := message.offset
            account := shr(96, calldataload(add(p, 2))) // account [2:22]
            mstore(heartbeat, shr(192, calldataload(add(p, 22)))) // timestamp [22:30]
        }
        if (account != address(0)) revert MsgCodec_HeartbeatWithAccount(account);
    }

    // ---------------------------------------------------------------------------------------------
    // Private checks
    // ---------------------------------------------------------------------------------------------

    /// @notice Whether `message` is version 1 of `expectedType` at exactly `expectedSize` bytes.
    /// @dev One `calldataload` and two comparisons; the word read may run past the end of `message`,
    /// but only its first two bytes are kept, and only when the length matched.
    /// @param message The raw message.
    /// @param expectedType The type the caller decodes.
    /// @param expectedSize That type's size.
    /// @return ok True when the version, type and size all match.
    function _is(bytes calldata message, uint8 expectedType, uint256 expectedSize) private pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := and(
                eq(message.length, expectedSize),
                eq(shr(240, calldataload(message.offset)), or(shl(8, VERSION), expectedType))
            )
        }
    }

    /// @notice Reverts with what is wrong with a message that `_is` refused.
    /// @dev `msgType` names a bad version, type or length; a well-formed message of another type gets
    /// `MsgCodec_TypeMismatch` (RECALL and BAD_DEBT, CLEAR and HEARTBEAT share a size, so the type
    /// byte, not the length, is what tells them apart).
    /// @param message The raw message.
    /// @param expectedType The type the caller decodes.
    function _reject(bytes calldata message, uint8 expectedType) private pure {
        revert MsgCodec_TypeMismatch(msgType(message), expectedType);
    }
}
