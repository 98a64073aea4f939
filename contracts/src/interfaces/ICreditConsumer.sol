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

    /// @notice Called by the mirror when home declares `amount` (1e18 USD) of what this consumer drew for
    /// `account` bad debt (`BAD_DEBT`): no collateral is left to repay it. The mirror has already written it
    /// off its own books; the consumer writes it off its own (its lenders take the loss).
    /// @dev Must not revert for an amount ≤ `drawnBy(account)`; if it does, the mirror emits the failure and
    /// moves on (a consumer's bug never blocks the message).
    function onBadDebt(address account, uint256 amount) external;
}
