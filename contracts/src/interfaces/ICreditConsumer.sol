// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ICreditConsumer
/// @notice A protocol on a remote chain that draws on Ballast credit lines (a lending pool, a perp venue,
/// an options vault). It calls `ICreditMirror.draw` when a user takes on exposure and `restore` when
/// the exposure ends.
/// @dev Warning: a consumer must keep its own drawn total per account ≥ what it restores; the mirror
/// enforces it per (consumer, account) and reverts otherwise.
interface ICreditConsumer {
    /// @notice Credit (1e18 USD) this consumer currently has drawn for `account`.
    function drawnBy(address account) external view returns (uint256);
}
