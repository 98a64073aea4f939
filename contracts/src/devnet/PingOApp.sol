// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { MessagingFee, MessagingReceipt, OApp, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OAppOptionsType3.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// @title PingOApp
/// @notice The smallest OApp that proves a LayerZero pathway works: it sends 32-byte pings and counts
/// what it receives per source chain. The devnet, the courier's tests and the demo use it; it holds
/// no value. The owner can make it refuse messages, to prove that a reverting receiver leaves the
/// packet retryable on the endpoint.
contract PingOApp is OApp, OAppOptionsType3 {
    /// @notice Message type of a ping, for enforced options.
    uint16 public constant PING = 1;

    /// @notice Pings received from each source endpoint id.
    mapping(uint32 srcEid => uint64) public received;
    /// @notice Pings sent to each destination endpoint id.
    mapping(uint32 dstEid => uint64) public sent;
    /// @notice Whether a packet with this GUID has been received (a second delivery would revert).
    mapping(bytes32 guid => bool) public seen;
    /// @notice While true, every delivery reverts with `PingOApp_Refused`.
    bool public refusing;

    /// @notice Emitted when a ping is sent.
    event PingSent(uint32 indexed dstEid, bytes32 indexed guid, uint64 nonce, bytes32 payload);
    /// @notice Emitted when a ping is received.
    event PingReceived(uint32 indexed srcEid, bytes32 indexed guid, uint64 nonce, bytes32 payload);
    /// @notice Emitted when the owner starts or stops refusing deliveries.
    event RefusingSet(bool refusing);

    /// @notice Thrown when a delivery arrives while the app is refusing them; retry after `setRefusing(false)`.
    error PingOApp_Refused(uint32 srcEid, uint64 nonce);
    /// @notice Thrown when a packet GUID is delivered a second time (must never happen).
    error PingOApp_Duplicate(bytes32 guid);
    /// @notice Thrown when a message is not exactly 32 bytes.
    error PingOApp_BadLength(uint256 length);

    constructor(address endpoint, address owner) OApp(endpoint, owner) Ownable(owner) { }

    /// @notice Fee to ping `dstEid` with `options` (appended to any enforced options).
    function quote(uint32 dstEid, bytes calldata options) external view returns (MessagingFee memory fee) {
        return _quote(dstEid, abi.encode(bytes32(0)), combineOptions(dstEid, PING, options), false);
    }

    /// @notice Sends `payload` to the peer on `dstEid`; `msg.value` must equal the quoted native fee.
    function ping(uint32 dstEid, bytes32 payload, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        receipt = _lzSend(
            dstEid, abi.encode(payload), combineOptions(dstEid, PING, options), MessagingFee(msg.value, 0), msg.sender
        );
        sent[dstEid] += 1;
        emit PingSent(dstEid, receipt.guid, receipt.nonce, payload);
    }

    /// @notice Makes every later delivery revert (true) or succeed again (false).
    function setRefusing(bool refusing_) external onlyOwner {
        refusing = refusing_;
        emit RefusingSet(refusing_);
    }

    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        if (refusing) revert PingOApp_Refused(origin.srcEid, origin.nonce);
        if (message.length != 32) revert PingOApp_BadLength(message.length);
        if (seen[guid]) revert PingOApp_Duplicate(guid);
        seen[guid] = true;
        received[origin.srcEid] += 1;
        emit PingReceived(origin.srcEid, guid, origin.nonce, abi.decode(message, (bytes32)));
    }
}
