// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { TestToken } from "../../src/devnet/TestToken.sol";

/// A token that refuses transfers to one blocked address (as USDC-style blocklists do).
contract BlocklistToken is TestToken {
    address public immutable blocked;

    error Blocked(address to);

    constructor(address blocked_) TestToken("Blocklist", "BLK", 18) {
        blocked = blocked_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (to == blocked) revert Blocked(to);
        super._update(from, to, value);
    }
}
