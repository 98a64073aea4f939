// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { TestToken } from "../../src/devnet/TestToken.sol";

/// A token with transfer hooks (ERC-777 style): before a `transferFrom` moves anything it calls the sender's
/// registered hook, which may run any code. It also refuses transfers to one blocked address, so a seizure paid
/// to that address stays in the vault as claimable. Used to show that nothing can re-enter the vault mid-call.
contract HookToken is TestToken {
    address public immutable blocked;
    mapping(address holder => address hook) public hookOf;

    error Blocked(address to);

    constructor(address blocked_) TestToken("Hooked", "HOOK", 18) {
        blocked = blocked_;
    }

    /// @notice Names the contract called before every `transferFrom` out of the caller's balance.
    function setHook(address hook) external {
        hookOf[msg.sender] = hook;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        address hook = hookOf[from];
        if (hook != address(0)) ITokenHook(hook).beforeTokenTransfer(from, to, value);
        return super.transferFrom(from, to, value);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (to == blocked) revert Blocked(to);
        super._update(from, to, value);
    }
}

interface ITokenHook {
    function beforeTokenTransfer(address from, address to, uint256 value) external;
}
