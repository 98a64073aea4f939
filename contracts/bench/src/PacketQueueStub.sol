// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title PacketQueueStub
/// @notice Takes TestHelperOz5's place as the `testHelper` of its SendUln302Mock. The mock hands every
/// packet it sends to that helper (`schedulePacket`), which writes the packet and its options to storage
/// so tests can deliver them later: bookkeeping no real send library does, about 200,000 gas per send
/// and growing with the message (measured: +224k for a GRANT, +202k for an OFT message). The gas bench
/// swaps in this stub, which drops the packet, and reads packets from the endpoint's `PacketSent` event
/// instead, so a measured send costs what the endpoint, ULN 302 and the workers cost.
contract PacketQueueStub {
    /// @notice Accepts a sent packet and keeps nothing.
    function schedulePacket(bytes calldata, bytes calldata) external { }
}
