// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { IAggregatorV3 } from "../interfaces/IAggregatorV3.sol";

/// @title MockAggregator
/// @notice A Chainlink-style aggregator whose round anyone can set: a price feed or, with 0 decimals and
/// answers 0 (up) / 1 (down), an L2 sequencer-uptime feed. For tests and the local devnet only.
/// @dev Warning: unpermissioned by design; never point a real deployment at it. Every change emits
/// Chainlink's `AnswerUpdated`, so the relayer can watch the devnet's feeds as it watches real ones.
contract MockAggregator is IAggregatorV3 {
    /// @inheritdoc IAggregatorV3
    uint8 public immutable decimals;

    /// @inheritdoc IAggregatorV3
    string public description;

    uint80 private _roundId;
    int256 private _answer;
    uint256 private _startedAt;
    uint256 private _updatedAt;
    uint80 private _answeredInRound;

    /// @notice Emitted on every change of the latest round (Chainlink's `AggregatorInterface` event).
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @param decimals_ Decimals of the answers.
    /// @param description_ Name of the feed, e.g. "ETH / USD".
    /// @param initialAnswer First answer, dated now as round 1.
    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        setAnswer(initialAnswer);
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }

    /// @notice Starts the next round with `answer`, started and updated now (a sequencer status change).
    function setAnswer(int256 answer) public {
        uint80 roundId = _roundId + 1;
        _setRound(roundId, answer, block.timestamp, block.timestamp, roundId);
    }

    /// @notice Re-dates the latest answer to `updatedAt` without changing anything else (0 = incomplete).
    function setUpdatedAt(uint256 updatedAt) external {
        _setRound(_roundId, _answer, _startedAt, updatedAt, _answeredInRound);
    }

    /// @notice Sets every field of the latest round as given.
    function setRoundData(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        external
    {
        _setRound(roundId, answer, startedAt, updatedAt, answeredInRound);
    }

    function _setRound(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        private
    {
        _roundId = roundId;
        _answer = answer;
        _startedAt = startedAt;
        _updatedAt = updatedAt;
        _answeredInRound = answeredInRound;
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
