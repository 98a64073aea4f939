// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { OFT } from "@layerzerolabs/oft-evm/contracts/OFT.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// @title BenchOFT
/// @notice LayerZero's plain OFT (burn on send, mint on receive) with an open mint: the gas bench's peer
/// for `exportCredit` (an OApp send over the same endpoint) and for the `GRANT` receive. Never deploy it.
contract BenchOFT is OFT {
    constructor(string memory name_, string memory symbol_, address endpoint, address delegate)
        OFT(name_, symbol_, endpoint, delegate)
        Ownable(delegate)
    { }

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
