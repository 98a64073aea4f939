// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IAggregatorV3
/// @notice The part of Chainlink's `AggregatorV3Interface` that Ballast reads, declared here so the
/// contracts need no Chainlink package. Selectors and return layouts are Chainlink's, so any
/// Chainlink price feed, proxy or L2 sequencer-uptime feed can be used as is.
interface IAggregatorV3 {
    /// @notice Decimals of `answer` (8 for most USD pairs, 18 for most ETH pairs, 0 for sequencer feeds).
    function decimals() external view returns (uint8);

    /// @notice Human-readable name of the feed, e.g. "ETH / USD".
    function description() external view returns (string memory);

    /// @notice The latest round.
    /// @return roundId Id of the round.
    /// @return answer The answer, scaled by `10 ** decimals()`; for a sequencer-uptime feed 0 = up, 1 = down.
    /// @return startedAt When the round started; for a sequencer-uptime feed, when the status last changed.
    /// @return updatedAt When the answer was last written; 0 if the round is not complete.
    /// @return answeredInRound Deprecated by Chainlink; not read by Ballast.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
