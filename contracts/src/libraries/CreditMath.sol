// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title CreditMath
/// @notice Pure conversions between token amounts, prices and credit. Every function names its rounding;
/// callers pick the direction that goes against the account (down for power, up for debt).
/// @dev Units: amounts in the token's decimals, prices in 1e18 USD per whole token, credit in 1e18 USD.
library CreditMath {
    uint256 internal constant BPS = 10_000;

    /// @notice USD value (1e18) of `amount` of a token with `decimals` at `price`, rounded down.
    function valueDown(uint256 amount, uint256 price, uint8 decimals) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, 10 ** decimals);
    }

    /// @notice Token amount worth `value` (1e18 USD) at `price`, rounded down.
    function amountDown(uint256 value, uint256 price, uint8 decimals) internal pure returns (uint256) {
        return Math.mulDiv(value, 10 ** decimals, price);
    }

    /// @notice Token amount worth `value` (1e18 USD) at `price`, rounded up.
    function amountUp(uint256 value, uint256 price, uint8 decimals) internal pure returns (uint256) {
        return Math.mulDiv(value, 10 ** decimals, price, Math.Rounding.Ceil);
    }

    /// @notice `x` × `bps` / 10,000, rounded down.
    function bpsDown(uint256 x, uint256 bps) internal pure returns (uint256) {
        return x * bps / BPS;
    }

    /// @notice `x` × `bps` / 10,000, rounded up.
    function bpsUp(uint256 x, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(x, bps, BPS, Math.Rounding.Ceil);
    }
}
