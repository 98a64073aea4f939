// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { RiskMath } from "../../src/libraries/RiskMath.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { Test } from "forge-std/Test.sol";
import { console2 } from "forge-std/console2.sol";

/// Unit and fuzz tests of `RiskMath`: the worked examples of docs/RISK.md to the wei, every revert with
/// its arguments, each property the doc proves (R-1 to R-8) as a fuzz test over portfolios of 1 to 8
/// assets whose values come from 6-, 8- and 18-decimal tokens at random prices, and the gas of
/// `stressedValueDown` at 1, 4 and 8 assets. The TypeScript twin is checked against this library by
/// test/e2e/risk-differential.test.ts.
contract RiskMathTest is Test {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_VALUE = 1e36;

    /// Gas ceilings for `stressedValueDown` (no call overhead), about 20% above the figures in docs/RISK.md.
    uint256 internal constant MAX_GAS_1 = 1700;
    uint256 internal constant MAX_GAS_4 = 9300;
    uint256 internal constant MAX_GAS_8 = 20_000;

    /// A portfolio as `stressedValueDown` takes it.
    struct Portfolio {
        uint256[] values;
        uint16[] haircutBps;
        uint256[] depths;
        uint16[] correlationBps;
    }

    // ---------------------------------------------------------------------------------------------
    // External wrappers: a call frame for `vm.expectRevert`.
    // ---------------------------------------------------------------------------------------------

    function stressedValue(
        uint256[] memory values,
        uint16[] memory haircutBps,
        uint256[] memory depths,
        uint16[] memory correlationBps
    ) external pure returns (uint256) {
        return RiskMath.stressedValueDown(values, haircutBps, depths, correlationBps);
    }

    function baseline(uint256[] memory values, uint16[] memory haircutBps, uint256[] memory depths)
        external
        pure
        returns (uint256)
    {
        return RiskMath.baselineDown(values, haircutBps, depths);
    }

    // ---------------------------------------------------------------------------------------------
    // Worked examples (docs/RISK.md#worked-examples), to the wei.
    // ---------------------------------------------------------------------------------------------

    /// Example 1: one asset is its own per-asset value: $1,000 at LTV 80% → $800.
    function test_stressedValue_example1_singleAsset() public pure {
        Portfolio memory p = _portfolio1(1000e18, 2000, 0);
        assertEq(_stressed(p), 800e18);
        assertEq(_baseline(p), 800e18);
    }

    /// Example 2: $1,000 at 20% and $1,000 at 15%, uncorrelated: 2,000 − √(200² + 150²) = $1,750 (baseline $1,650).
    function test_stressedValue_example2_uncorrelatedPair() public pure {
        Portfolio memory p = _portfolio2(1000e18, 1000e18, 2000, 1500, 0);
        assertEq(_stressed(p), 1750e18);
        assertEq(_baseline(p), 1650e18);
    }

    /// Example 3: the same pair at ρ = 0.8: 2,000 − ⌈√110,500⌉ (in 1e18 units) = $1,667.584597228106771953.
    function test_stressedValue_example3_correlatedPair() public pure {
        Portfolio memory p = _portfolio2(1000e18, 1000e18, 2000, 1500, 8000);
        assertEq(_stressed(p), 1_667_584_597_228_106_771_953);
        assertEq(_baseline(p), 1650e18);
    }

    /// Example 4: the same pair at ρ = 1 is exactly the baseline, $1,650.
    function test_stressedValue_example4_fullCorrelationIsBaseline() public pure {
        Portfolio memory p = _portfolio2(1000e18, 1000e18, 2000, 1500, 10_000);
        assertEq(_stressed(p), 1650e18);
    }

    /// Example 5: ETH $10,000 (20%), WBTC $5,000 (25%), USDC $20,000 (10%); ρ 0.8 / 0.1 / 0.1.
    function test_stressedValue_example5_threeAssets() public pure {
        Portfolio memory p = _portfolio3([uint256(10_000e18), 5000e18, 20_000e18], [uint16(2000), 2500, 1000]);
        p.correlationBps[0] = 8000;
        p.correlationBps[1] = 1000;
        p.correlationBps[2] = 1000;
        assertEq(_stressed(p), 31_144_808_694_759_752_911_283);
        assertEq(_baseline(p), 29_750e18);
    }

    /// Example 6: the size-haircut table for a depth of $2M.
    function test_sizeAdjusted_example6_table() public pure {
        uint256 depth = 2_000_000e18;
        assertEq(RiskMath.sizeAdjustedDown(1_000_000e18, depth), 1_000_000e18);
        assertEq(RiskMath.sizeAdjustedDown(2_000_000e18, depth), 2_000_000e18);
        assertEq(RiskMath.sizeAdjustedDown(2_500_000e18, depth), 2_400_000e18);
        assertEq(RiskMath.sizeAdjustedDown(3_000_000e18, depth), 2_666_666_666_666_666_666_666_666);
        assertEq(RiskMath.sizeAdjustedDown(4_000_000e18, depth), 3_000_000e18);
        assertEq(RiskMath.sizeAdjustedDown(6_000_000e18, depth), 3_333_333_333_333_333_333_333_333);
        assertEq(RiskMath.sizeAdjustedDown(10_000_000e18, depth), 3_600_000e18);
        assertEq(RiskMath.sizeAdjustedDown(20_000_000e18, depth), 3_800_000e18);
        assertEq(RiskMath.sizeAdjustedDown(200_000_000e18, depth), 3_980_000e18);
        assertEq(RiskMath.sizeAdjustedDown(200_000_000e18, 0), 200_000_000e18);
    }

    /// Example 7: $3M of a token (30%, depth $2M) with $1M USDC (10%), ρ = 0.2.
    function test_stressedValue_example7_sizeAndPortfolio() public pure {
        Portfolio memory p = _portfolio2(3_000_000e18, 1_000_000e18, 3000, 1000, 2000);
        p.depths[0] = 2_000_000e18;
        assertEq(_stressed(p), 2_840_833_753_784_163_539_193_109);
        assertEq(_baseline(p), 2_766_666_666_666_666_666_666_666);
    }

    /// Example 8: an inconsistent matrix (ρ₀₁ = ρ₀₂ = 1, ρ₁₂ = 0): the scenario term binds and S is the baseline.
    function test_stressedValue_example8_inconsistentMatrixScenarioBinds() public pure {
        Portfolio memory p = _portfolio3([uint256(1000e18), 1000e18, 1000e18], [uint16(2000), 2000, 2000]);
        p.correlationBps[0] = 10_000;
        p.correlationBps[1] = 10_000;
        p.correlationBps[2] = 0;
        assertEq(_stressed(p), 2400e18);
        // With none of asset 0, its row still ties assets 1 and 2: $1,600, not the $1,717.16 of the pair alone.
        p.values[0] = 0;
        assertEq(_stressed(p), 1600e18);
        assertEq(_stressed(_portfolio2(1000e18, 1000e18, 2000, 2000, 0)), 1_717_157_287_525_380_990_239);
        // A loss-free asset 0 (haircut 100%, so its value adds nothing) leaves S unchanged, never lower.
        p.values[0] = 1000e18;
        p.haircutBps[0] = 10_000;
        assertEq(_stressed(p), 1600e18);
    }

    /// Rounding on tiny values: 1 wei at 1 bps loses its whole wei; two 10,001-wei positions at 100% keep 5,858 wei.
    function test_stressedValue_roundsLossUp() public pure {
        assertEq(_stressed(_portfolio1(1, 1, 0)), 0);
        assertEq(_stressed(_portfolio2(10_001, 10_001, 10_000, 10_000, 0)), 5858);
        assertEq(_baseline(_portfolio2(10_001, 10_001, 10_000, 10_000, 0)), 0);
    }

    /// aᵀρa is rounded up once, not per row: losses (2, 2) at ρ = 0.1 give ⌈8.8⌉ = 9, L = 3, S = 1 wei
    /// (rounding each row, ⌈4.4⌉ + ⌈4.4⌉ = 10, would give L = 4 and S = 0).
    function test_stressedValue_roundsQuadraticOnce() public pure {
        assertEq(_stressed(_portfolio2(2, 2, 10_000, 10_000, 1000)), 1);
    }

    /// No assets: worth nothing.
    function test_stressedValue_emptyIsZero() public pure {
        Portfolio memory p;
        assertEq(_stressed(p), 0);
        assertEq(_baseline(p), 0);
    }

    /// At the largest values nothing overflows (the tightest product, loss × exposure = 8e76, occurs here).
    function test_stressedValue_maxValuesDoNotOverflow() public pure {
        Portfolio memory p = _uniform(8, MAX_VALUE, 10_000, 10_000);
        assertEq(_stressed(p), 0);
        p = _uniform(8, MAX_VALUE, 5000, 10_000);
        assertEq(_stressed(p), 4e36);
        p = _uniform(8, MAX_VALUE, 5000, 0);
        // 8e36 − ⌈√8 × 5e35⌉
        assertEq(_stressed(p), 6_585_786_437_626_904_951_198_311_275_790_301_921);
    }

    /// A value above MAX_VALUE counts as MAX_VALUE, in the size haircut and in both sums.
    function test_stressedValue_valueAboveMaxCountsAsMax() public pure {
        Portfolio memory p = _uniform(8, type(uint256).max, 5000, 5000);
        assertEq(_stressed(p), 5e36);
        assertEq(_baseline(p), 4e36);
        assertEq(RiskMath.sizeAdjustedDown(type(uint256).max, 0), MAX_VALUE);
        assertEq(RiskMath.sizeAdjustedDown(type(uint256).max, type(uint256).max), MAX_VALUE);
        assertEq(RiskMath.sizeAdjustedDown(type(uint256).max, MAX_VALUE / 2), MAX_VALUE * 3 / 4);
    }

    /// The triangle is laid out row by row.
    function test_correlationIndex_rowByRow() public pure {
        assertEq(RiskMath.correlationIndex(0, 1, 8), 0);
        assertEq(RiskMath.correlationIndex(0, 7, 8), 6);
        assertEq(RiskMath.correlationIndex(1, 2, 8), 7);
        assertEq(RiskMath.correlationIndex(2, 1, 8), 7);
        assertEq(RiskMath.correlationIndex(6, 7, 8), 27);
        assertEq(RiskMath.correlationIndex(1, 2, 3), 2);
        uint256 k;
        for (uint256 i; i < 8; ++i) {
            for (uint256 j = i + 1; j < 8; ++j) {
                assertEq(RiskMath.correlationIndex(i, j, 8), k++);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Bad input (docs/RISK.md#inputs): each custom error with its arguments, checked in this order.
    // ---------------------------------------------------------------------------------------------

    function test_RevertWhen_moreThanEightAssets() public {
        Portfolio memory p = _uniform(9, 1e18, 1000, 5000);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_TooManyAssets.selector, 9, 8));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_TooManyAssets.selector, 9, 8));
        this.baseline(p.values, p.haircutBps, p.depths);
    }

    function test_RevertWhen_haircutsOrDepthsLengthDiffers() public {
        Portfolio memory p = _uniform(3, 1e18, 1000, 5000);
        p.haircutBps = new uint16[](2);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_LengthMismatch.selector, 3, 2, 3));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
        p = _uniform(3, 1e18, 1000, 5000);
        p.depths = new uint256[](4);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_LengthMismatch.selector, 3, 3, 4));
        this.baseline(p.values, p.haircutBps, p.depths);
    }

    function test_RevertWhen_correlationTriangleHasWrongLength() public {
        Portfolio memory p = _uniform(3, 1e18, 1000, 5000);
        p.correlationBps = new uint16[](9); // a full 3 × 3 matrix is not accepted
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_CorrelationLengthMismatch.selector, 3, 9, 3));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
        p = _uniform(1, 1e18, 1000, 5000);
        p.correlationBps = new uint16[](1);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_CorrelationLengthMismatch.selector, 1, 1, 0));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
    }

    function test_RevertWhen_haircutAboveOneHundredPercent() public {
        Portfolio memory p = _uniform(4, 1e18, 1000, 5000);
        p.haircutBps[2] = 10_001;
        p.correlationBps[5] = 10_001; // haircuts are checked before correlations
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_HaircutOutOfBounds.selector, 2, 10_001));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_HaircutOutOfBounds.selector, 2, 10_001));
        this.baseline(p.values, p.haircutBps, p.depths);
    }

    function test_RevertWhen_correlationAboveOne() public {
        Portfolio memory p = _uniform(4, 1e18, 1000, 5000);
        p.correlationBps[RiskMath.correlationIndex(1, 3, 4)] = type(uint16).max;
        vm.expectRevert(abi.encodeWithSelector(RiskMath.RiskMath_CorrelationOutOfBounds.selector, 1, 3, 65_535));
        this.stressedValue(p.values, p.haircutBps, p.depths, p.correlationBps);
    }

    /// Bounds are inclusive: 0 and 10,000 are accepted for haircuts and correlations.
    function test_stressedValue_acceptsBoundsInclusive() public pure {
        assertEq(_stressed(_portfolio2(1e18, 1e18, 0, 10_000, 0)), 1e18);
        assertEq(_stressed(_portfolio2(1e18, 1e18, 10_000, 10_000, 10_000)), 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Properties (docs/RISK.md#properties).
    // ---------------------------------------------------------------------------------------------

    /// R-1: one asset is worth v(1 − h) rounded down, its per-asset baseline.
    function testFuzz_stressedValue_oneAssetIsItsBaseline(uint256 valueSeed, uint256 haircut, uint256 depthSeed)
        public
        pure
    {
        uint256 value = _magnitude(valueSeed);
        haircut = bound(haircut, 0, BPS);
        uint256 depth = _depth(depthSeed, value);
        Portfolio memory p = _portfolio1(value, SafeCast.toUint16(haircut), depth);
        uint256 adjusted = RiskMath.sizeAdjustedDown(value, depth);
        assertEq(_stressed(p), adjusted * (BPS - haircut) / BPS);
        assertEq(_stressed(p), _baseline(p));
    }

    /// R-2: with every correlation 1, S is exactly the baseline Σ ⌊eᵢ(1 − hᵢ)⌋, for 1 to 8 assets.
    function testFuzz_stressedValue_fullCorrelationIsBaseline(bytes32 seed, uint256 n) public pure {
        Portfolio memory p = _randomPortfolio(seed, bound(n, 1, 8));
        for (uint256 k; k < p.correlationBps.length; ++k) {
            p.correlationBps[k] = 10_000;
        }
        assertEq(_stressed(p), _baseline(p));
        uint256 expected;
        for (uint256 i; i < p.values.length; ++i) {
            expected += RiskMath.sizeAdjustedDown(p.values[i], p.depths[i]) * (BPS - p.haircutBps[i]) / BPS;
        }
        assertEq(_baseline(p), expected);
    }

    /// R-3: two uncorrelated assets whose losses are each at least 2 wei keep strictly more than the baseline.
    function testFuzz_stressedValue_uncorrelatedPairBeatsBaseline(
        uint256 value0,
        uint256 value1,
        uint256 haircut0,
        uint256 haircut1
    ) public pure {
        value0 = bound(_magnitude(value0), 1e18, MAX_VALUE);
        value1 = bound(_magnitude(value1), 1e18, MAX_VALUE);
        haircut0 = bound(haircut0, 1, BPS);
        haircut1 = bound(haircut1, 1, BPS);
        Portfolio memory p = _portfolio2(value0, value1, SafeCast.toUint16(haircut0), SafeCast.toUint16(haircut1), 0);
        assertGt(_stressed(p), _baseline(p));
    }

    /// R-3 at its edge: a loss of 1 wei gets no benefit (⌈√(1 + a²)⌉ = a + 1), a loss of 2 wei does.
    function test_stressedValue_uncorrelatedPairEdge() public pure {
        // losses 1 and 5: ⌈√26⌉ = 6 = 1 + 5
        Portfolio memory p = _portfolio2(1, 5, 10_000, 10_000, 0);
        assertEq(_stressed(p), _baseline(p));
        // losses 2 and 5: ⌈√29⌉ = 6 < 7
        p = _portfolio2(2, 5, 10_000, 10_000, 0);
        assertEq(_stressed(p), _baseline(p) + 1);
    }

    /// R-4 and R-5: baseline ≤ S ≤ Σ eᵢ ≤ Σ vᵢ for any admissible matrix (consistent or not), 1 to 8 assets.
    function testFuzz_stressedValue_betweenBaselineAndTotal(bytes32 seed, uint256 n) public pure {
        Portfolio memory p = _randomPortfolio(seed, bound(n, 1, 8));
        uint256 stressed = _stressed(p);
        uint256 adjustedTotal;
        uint256 total;
        for (uint256 i; i < p.values.length; ++i) {
            adjustedTotal += RiskMath.sizeAdjustedDown(p.values[i], p.depths[i]);
            total += p.values[i];
        }
        assertGe(stressed, _baseline(p));
        assertLe(stressed, adjustedTotal);
        assertLe(adjustedTotal, total);
    }

    /// R-6: adding value to any one asset never lowers S, by any amount from 1 wei up, to the wei.
    function testFuzz_stressedValue_monotoneInEveryValue(bytes32 seed, uint256 n, uint256 index, uint256 added)
        public
        pure
    {
        Portfolio memory p = _randomPortfolio(seed, bound(n, 1, 8));
        index = bound(index, 0, p.values.length - 1);
        // Half the runs add 1 to 1,000 wei (where rounding steps live), half a random magnitude.
        added = added % 2 == 0 ? bound(added, 1, 1000) : _magnitude(added);
        uint256 before = _stressed(p);
        p.values[index] = _saturatingAdd(p.values[index], added);
        assertGe(_stressed(p), before);
    }

    /// R-6 on a tight grid: S never falls as one value steps by 1 wei, across a rounding step of every term.
    function testFuzz_stressedValue_monotoneWeiByWei(bytes32 seed, uint256 n, uint256 index) public pure {
        Portfolio memory p = _randomPortfolio(seed, bound(n, 2, 8));
        index = bound(index, 0, p.values.length - 1);
        p.values[index] = bound(p.values[index], 0, 1e6);
        p.depths[index] = p.depths[index] % 2 == 0 ? 0 : bound(p.depths[index], 1, 1e5);
        uint256 previous = _stressed(p);
        for (uint256 step; step < 64; ++step) {
            p.values[index] += 1 + step % 3;
            uint256 current = _stressed(p);
            assertGe(current, previous);
            previous = current;
        }
    }

    /// R-7: the size haircut never raises a value, leaves positions up to the depth whole, never pays more
    /// than twice the depth, and is exactly 2D − ⌈D²/v⌉ above it.
    function testFuzz_sizeAdjusted_boundedAndExact(uint256 value, uint256 depth) public pure {
        value = bound(value, 0, MAX_VALUE);
        depth = bound(depth, 0, MAX_VALUE);
        uint256 adjusted = RiskMath.sizeAdjustedDown(value, depth);
        assertLe(adjusted, value);
        if (depth == 0 || value <= depth) {
            assertEq(adjusted, value);
        } else {
            assertLe(adjusted, 2 * depth);
            assertGe(adjusted, depth);
            assertEq(adjusted, 2 * depth - (depth * depth + value - 1) / value);
        }
    }

    /// R-7: non-decreasing and continuous: one more wei of value adds 0 or 1 wei; more value never less.
    function testFuzz_sizeAdjusted_monotoneAndContinuous(uint256 value, uint256 depth, uint256 added) public pure {
        value = bound(value, 0, MAX_VALUE - 1);
        depth = bound(depth, 0, MAX_VALUE);
        uint256 adjusted = RiskMath.sizeAdjustedDown(value, depth);
        uint256 next = RiskMath.sizeAdjustedDown(value + 1, depth);
        assertTrue(next == adjusted || next == adjusted + 1);
        assertGe(RiskMath.sizeAdjustedDown(_saturatingAdd(value, added), depth), adjusted);
    }

    /// R-7: the haircut's share of the position, (v − e)/v, grows with v (up to the 1-wei rounding of e).
    function testFuzz_sizeAdjusted_haircutShareGrowsWithSize(uint256 smaller, uint256 larger, uint256 depth)
        public
        pure
    {
        depth = bound(depth, 1, 1e30);
        smaller = bound(smaller, 1, MAX_VALUE);
        larger = bound(larger, smaller, MAX_VALUE);
        uint256 cutSmaller = smaller - RiskMath.sizeAdjustedDown(smaller, depth);
        uint256 cutLarger = larger - RiskMath.sizeAdjustedDown(larger, depth);
        // (cutSmaller − 1)/smaller ≤ cutLarger/larger, cross-multiplied (< 1e36 · 1e36).
        if (cutSmaller > 0) assertLe((cutSmaller - 1) * larger, cutLarger * smaller);
    }

    /// R-8: for a consistent (positive semidefinite) matrix the scenario term never binds: here ρᵢⱼ = c for
    /// every pair, PSD for any c in [0, 1], and S matches 2,000 − ⌈√(aᵀρa)⌉ computed directly.
    function testFuzz_stressedValue_equicorrelatedUsesSquareRoot(uint256 c, uint256 n, uint256 valueSeed) public pure {
        c = bound(c, 0, BPS);
        n = bound(n, 2, 8);
        uint256 value = bound(_magnitude(valueSeed), 1e18, 1e30);
        Portfolio memory p = _uniform(n, value, 2000, SafeCast.toUint16(c));
        uint256 loss = (value * 2000 + BPS - 1) / BPS;
        // aᵀρa = n·a² + n(n−1)·c·a² / 10,000 (a ≤ 2e29: no overflow)
        uint256 scaled = n * loss * loss * BPS + n * (n - 1) * c * loss * loss;
        uint256 quadratic = scaled / BPS + (scaled % BPS == 0 ? 0 : 1);
        uint256 root = _sqrtUp(quadratic);
        assertEq(_stressed(p), n * value - root);
    }

    // ---------------------------------------------------------------------------------------------
    // Gas (docs/RISK.md#gas): stressedValueDown at 1, 4 and 8 assets, no call overhead.
    // ---------------------------------------------------------------------------------------------

    function test_gas_stressedValue() public view {
        uint256[3] memory sizes = [uint256(1), 4, 8];
        for (uint256 s; s < 3; ++s) {
            Portfolio memory p = _randomPortfolio(keccak256(abi.encode("gas", s)), sizes[s]);
            // Every depth binds (the longer branch of the size haircut) and every correlation is set.
            for (uint256 i; i < p.values.length; ++i) {
                p.values[i] = 1_000_000e18 + i * 1e18;
                p.depths[i] = 400_000e18;
                p.haircutBps[i] = SafeCast.toUint16(1000 + 500 * i);
            }
            for (uint256 k; k < p.correlationBps.length; ++k) {
                p.correlationBps[k] = SafeCast.toUint16(3000 + 200 * k);
            }
            uint256 before = gasleft();
            uint256 stressed = RiskMath.stressedValueDown(p.values, p.haircutBps, p.depths, p.correlationBps);
            uint256 used = before - gasleft();
            uint256 beforeBaseline = gasleft();
            RiskMath.baselineDown(p.values, p.haircutBps, p.depths);
            uint256 usedBaseline = beforeBaseline - gasleft();
            console2.log("assets", sizes[s]);
            console2.log("  stressedValueDown gas", used);
            console2.log("  baselineDown gas", usedBaseline);
            assertGt(stressed, 0);
            assertLe(used, [MAX_GAS_1, MAX_GAS_4, MAX_GAS_8][s]);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function _stressed(Portfolio memory p) internal pure returns (uint256) {
        return RiskMath.stressedValueDown(p.values, p.haircutBps, p.depths, p.correlationBps);
    }

    function _baseline(Portfolio memory p) internal pure returns (uint256) {
        return RiskMath.baselineDown(p.values, p.haircutBps, p.depths);
    }

    function _empty(uint256 n) internal pure returns (Portfolio memory p) {
        p.values = new uint256[](n);
        p.haircutBps = new uint16[](n);
        p.depths = new uint256[](n);
        p.correlationBps = new uint16[](n < 2 ? 0 : n * (n - 1) / 2);
    }

    function _portfolio1(uint256 value, uint16 haircut, uint256 depth) internal pure returns (Portfolio memory p) {
        p = _empty(1);
        p.values[0] = value;
        p.haircutBps[0] = haircut;
        p.depths[0] = depth;
    }

    function _portfolio2(uint256 value0, uint256 value1, uint16 haircut0, uint16 haircut1, uint16 rho)
        internal
        pure
        returns (Portfolio memory p)
    {
        p = _empty(2);
        (p.values[0], p.values[1]) = (value0, value1);
        (p.haircutBps[0], p.haircutBps[1]) = (haircut0, haircut1);
        p.correlationBps[0] = rho;
    }

    function _portfolio3(uint256[3] memory values, uint16[3] memory haircuts)
        internal
        pure
        returns (Portfolio memory p)
    {
        p = _empty(3);
        for (uint256 i; i < 3; ++i) {
            p.values[i] = values[i];
            p.haircutBps[i] = haircuts[i];
        }
    }

    function _uniform(uint256 n, uint256 value, uint16 haircut, uint16 rho) internal pure returns (Portfolio memory p) {
        p = _empty(n);
        for (uint256 i; i < n; ++i) {
            p.values[i] = value;
            p.haircutBps[i] = haircut;
        }
        for (uint256 k; k < p.correlationBps.length; ++k) {
            p.correlationBps[k] = rho;
        }
    }

    /// A value as the vault computes one: amount × price / 10^decimals for a token of 6, 8 or 18 decimals,
    /// up to 10^12 whole tokens at $0.0001 to $1,000,000; one seed in 16 gives 0, one in 16 a value near MAX_VALUE.
    function _magnitude(uint256 seed) internal pure returns (uint256) {
        uint256 r = uint256(keccak256(abi.encode(seed)));
        uint256 kind = r % 16;
        if (kind == 0) return 0;
        if (kind == 1) return MAX_VALUE - (r >> 8) % 1e30;
        uint256 decimals = [uint256(6), 8, 18][(r >> 8) % 3];
        uint256 wholeTokens = 10 ** ((r >> 16) % 13); // 1 to 10^12
        uint256 amount = (r >> 24) % (wholeTokens * 10 ** decimals + 1);
        uint256 price = 1e14 + (r >> 128) % (1e24 - 1e14 + 1);
        return amount * price / 10 ** decimals;
    }

    /// A depth for `value`: none, far below, near, or far above it.
    function _depth(uint256 seed, uint256 value) internal pure returns (uint256) {
        uint256 r = uint256(keccak256(abi.encode(seed, "depth")));
        uint256 kind = r % 5;
        if (kind == 0) return 0;
        if (kind == 1) return 1 + (r >> 8) % (value / 10 + 1);
        if (kind == 2) return value / 2 + (r >> 8) % (value + 1);
        if (kind == 3) return 1 + (r >> 8) % 1e30;
        return value * 10 + 1;
    }

    function _randomPortfolio(bytes32 seed, uint256 n) internal pure returns (Portfolio memory p) {
        p = _empty(n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            p.values[i] = _magnitude(r);
            p.depths[i] = _depth(r, p.values[i]);
            uint256 h = (r >> 200) % 8;
            p.haircutBps[i] = h == 0 ? 0 : h == 1 ? 10_000 : SafeCast.toUint16((r >> 64) % (BPS + 1));
        }
        for (uint256 k; k < p.correlationBps.length; ++k) {
            uint256 r = uint256(keccak256(abi.encode(seed, "rho", k)));
            uint256 kind = r % 6;
            p.correlationBps[k] = kind == 0 ? 0 : kind == 1 ? 10_000 : SafeCast.toUint16((r >> 8) % (BPS + 1));
        }
    }

    function _saturatingAdd(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 c = a + b;
            return c < a ? type(uint256).max : c;
        }
    }

    /// ⌈√x⌉ by bisection, independent of OpenZeppelin's Newton iteration.
    function _sqrtUp(uint256 x) internal pure returns (uint256) {
        uint256 low;
        uint256 high = 1 << 128;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (mid * mid >= x) high = mid;
            else low = mid + 1;
        }
        return low;
    }
}
