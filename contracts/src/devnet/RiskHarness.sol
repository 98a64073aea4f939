// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { RiskMath } from "../libraries/RiskMath.sol";

/// @title RiskHarness
/// @notice `RiskMath` behind external functions, so TypeScript can run the contract's maths on anvil and
/// compare it with `packages/protocol/src/risk.ts` to the wei (test/e2e/risk-differential.test.ts).
/// `evaluate` runs many portfolios in one `eth_call` and reports each one's result or revert data.
/// Holds no state; never deploy it on a real network.
contract RiskHarness {
    /// @notice One account's inputs, as `RiskMath.stressedValueDown` takes them.
    struct Portfolio {
        uint256[] values;
        uint16[] haircutBps;
        uint256[] depths;
        uint16[] correlationBps;
    }

    /// @notice What `evaluate` found for one portfolio.
    struct Outcome {
        /// False when `stressedValueDown` reverted; `revertData` then holds the custom error.
        bool ok;
        uint256 stressed;
        uint256 baseline;
        bytes revertData;
    }

    /// @notice `RiskMath.sizeAdjustedDown`.
    function sizeAdjustedDown(uint256 value, uint256 depth) external pure returns (uint256) {
        return RiskMath.sizeAdjustedDown(value, depth);
    }

    /// @notice `RiskMath.sizeAdjustedDown` over pairs `(values[i], depths[i])`.
    function sizeAdjustedBatch(uint256[] calldata values, uint256[] calldata depths)
        external
        pure
        returns (uint256[] memory adjusted)
    {
        adjusted = new uint256[](values.length);
        for (uint256 i; i < values.length; ++i) {
            adjusted[i] = RiskMath.sizeAdjustedDown(values[i], depths[i]);
        }
    }

    /// @notice `RiskMath.baselineDown`.
    function baselineDown(uint256[] calldata values, uint16[] calldata haircutBps, uint256[] calldata depths)
        external
        pure
        returns (uint256)
    {
        return RiskMath.baselineDown(values, haircutBps, depths);
    }

    /// @notice `RiskMath.stressedValueDown`.
    function stressedValueDown(Portfolio calldata portfolio) external pure returns (uint256) {
        return RiskMath.stressedValueDown(
            portfolio.values, portfolio.haircutBps, portfolio.depths, portfolio.correlationBps
        );
    }

    /// @notice Runs `stressedValueDown` on every portfolio and, where it succeeds, `baselineDown` too;
    /// a revert is caught and returned, so one call checks valid and invalid inputs alike.
    function evaluate(Portfolio[] calldata portfolios) external view returns (Outcome[] memory outcomes) {
        outcomes = new Outcome[](portfolios.length);
        for (uint256 i; i < portfolios.length; ++i) {
            Portfolio calldata portfolio = portfolios[i];
            try this.stressedValueDown(portfolio) returns (uint256 stressed) {
                outcomes[i].ok = true;
                outcomes[i].stressed = stressed;
                outcomes[i].baseline = RiskMath.baselineDown(portfolio.values, portfolio.haircutBps, portfolio.depths);
            } catch (bytes memory revertData) {
                outcomes[i].revertData = revertData;
            }
        }
    }
}
