// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { BallastBase } from "../integration/BallastBase.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// Credit maths at random: borrowing power and home health for collateral of 6, 8 and 18 decimals at
/// random prices, amounts and LTVs, each compared with an independent computation rounded down (plain
/// arithmetic from the feed's answer, not `CreditMath`); the power boundary of `exportCredit`; export /
/// release round trips; and the lending pool's draws, which must stay principal × 1e12 (USDC, 6 decimals).
contract CreditFuzzTest is BallastBase {
    /// Feeds of listed test assets quote with 8 decimals: price1e18 = answer × 1e10.
    uint256 internal constant FEED_TO_1E18 = 1e10;
    /// Answers from $0.01 to $1,000,000 per whole token.
    uint256 internal constant MIN_ANSWER = 1e6;
    uint256 internal constant MAX_ANSWER = 1e14;
    /// Collateral values stay under $5M, below every remote cap and the rate limit.
    uint256 internal constant MAX_VALUE = 5_000_000e18;

    // ================================================================== power and health

    /// Power of one asset of 6, 8 or 18 decimals = ⌊⌊amount × price ÷ 10^decimals⌋ × LTV ÷ 10,000⌋.
    function testFuzz_borrowingPower_matchesIndependentRoundDown(
        uint256 decimalsSeed,
        uint256 answer,
        uint256 amount,
        uint256 ltvBps
    ) public {
        uint8 decimals = _decimals(decimalsSeed);
        answer = _bound(answer, MIN_ANSWER, MAX_ANSWER);
        ltvBps = _bound(ltvBps, 1, 9000);
        (TestToken token,) = _list(decimals, answer, ltvBps);
        amount = _boundAmount(amount, answer, decimals);
        _deposit(alice, token, amount);

        assertEq(vault.borrowingPower(alice), _power(amount, answer, decimals, ltvBps));
    }

    /// A basket of 6-, 8- and 18-decimal assets: power is the sum of each asset's own rounded-down power.
    function testFuzz_borrowingPower_sumsAssetsOfSixEightAndEighteenDecimals(
        uint256[3] memory answers,
        uint256[3] memory amounts,
        uint256[3] memory ltvs
    ) public {
        uint8[3] memory decimals = [uint8(6), 8, 18];
        uint256 expected;
        for (uint256 i; i < 3; ++i) {
            answers[i] = _bound(answers[i], MIN_ANSWER, MAX_ANSWER);
            ltvs[i] = _bound(ltvs[i], 1, 9000);
            (TestToken token,) = _list(decimals[i], answers[i], ltvs[i]);
            amounts[i] = _boundAmount(amounts[i], answers[i], decimals[i]);
            _deposit(alice, token, amounts[i]);
            expected += _power(amounts[i], answers[i], decimals[i], ltvs[i]);
        }
        assertEq(vault.assetsOf(alice).length, 3);
        assertEq(vault.borrowingPower(alice), expected);
    }

    /// Home health = ⌊Σ ⌊value × threshold ÷ 10,000⌋ × 1e18 ÷ exported⌋, before and after the price moves
    /// (down to a tenth or up tenfold); it is at least LTV-threshold headroom right after an export.
    function testFuzz_health_matchesIndependentRoundDown(
        uint256 decimalsSeed,
        uint256 answer,
        uint256 amount,
        uint256 ltvBps,
        uint256 exportBps,
        uint256 newAnswer
    ) public {
        uint8 decimals = _decimals(decimalsSeed);
        answer = _bound(answer, MIN_ANSWER, MAX_ANSWER);
        ltvBps = _bound(ltvBps, 1, 9000);
        (TestToken token, MockAggregator feed) = _list(decimals, answer, ltvBps);
        amount = _boundAmount(amount, answer, decimals);
        _deposit(alice, token, amount);
        assertEq(vault.health(alice), type(uint256).max, "nothing exported: infinite health");

        uint256 power = vault.borrowingPower(alice);
        uint256 exported = _bound(power * _bound(exportBps, 1, 10_000) / 10_000, 1, power);
        _export(alice, REMOTE_A, SafeCast.toUint128(exported));
        uint256 thresholdBps = ltvBps + 200;
        assertEq(vault.health(alice), _health(amount, answer, decimals, thresholdBps, exported));
        assertGe(vault.health(alice), 1e18, "health >= 1 right after an export within power");

        newAnswer = _bound(newAnswer, answer / 10 == 0 ? 1 : answer / 10, answer * 10);
        feed.setAnswer(SafeCast.toInt256(newAnswer));
        assertEq(vault.health(alice), _health(amount, newAnswer, decimals, thresholdBps, exported));
    }

    // ================================================================== export boundary

    /// Exporting exactly the power succeeds and is credited on the remote; 1 wei more reverts with
    /// `Vault_ExportExceedsPower(account, requested, available)`, before and after.
    function testFuzz_exportCredit_exactPowerSucceedsAndOneWeiMoreReverts(
        uint256 decimalsSeed,
        uint256 answer,
        uint256 amount,
        uint256 ltvBps,
        uint256 remoteSeed
    ) public {
        uint8 decimals = _decimals(decimalsSeed);
        answer = _bound(answer, MIN_ANSWER, MAX_ANSWER);
        ltvBps = _bound(ltvBps, 1, 9000);
        (TestToken token,) = _list(decimals, answer, ltvBps);
        amount = _boundAmount(amount, answer, decimals);
        _deposit(alice, token, amount);
        uint32 eid = remoteSeed % 2 == 0 ? REMOTE_A : REMOTE_B;
        uint256 power = vault.borrowingPower(alice);
        assertEq(power, _power(amount, answer, decimals, ltvBps));

        _expectExportExceedsPower(eid, power + 1, power);
        _export(alice, eid, SafeCast.toUint128(power));
        assertEq(vault.exportedTo(alice, eid), power);
        assertEq(vault.totalExported(alice), power);
        assertEq(_mirror(eid).lineOf(alice).line, power);
        _expectExportExceedsPower(eid, 1, 0);
    }

    // ================================================================== round trips

    /// Export x, deliver, release x, deliver: exported, line and the totals are back where they were.
    function testFuzz_release_afterExportRestoresExportedAndLine(uint256 first, uint256 amount, uint256 remoteSeed)
        public
    {
        uint32 eid = remoteSeed % 2 == 0 ? REMOTE_A : REMOTE_B;
        _deposit(alice, weth, 100 ether); // power 160,000
        uint256 power = vault.borrowingPower(alice);
        first = _bound(first, 0, power - 1);
        if (first != 0) _export(alice, eid, SafeCast.toUint128(first));
        uint256[4] memory before = _credit(eid);

        amount = _bound(amount, 1, power - first);
        _export(alice, eid, SafeCast.toUint128(amount));
        assertEq(vault.exportedTo(alice, eid), first + amount);
        assertEq(_mirror(eid).lineOf(alice).line, first + amount);
        _release(alice, eid, SafeCast.toUint128(amount));

        _assertCredit(eid, before);
    }

    /// Release y of a line, deliver, export y again, deliver: exported, line and the totals are restored.
    function testFuzz_exportCredit_afterReleaseRestoresExportedAndLine(
        uint256 exported,
        uint256 amount,
        uint256 remoteSeed
    ) public {
        uint32 eid = remoteSeed % 2 == 0 ? REMOTE_A : REMOTE_B;
        _deposit(alice, wbtc, 3e8); // power 126,000
        exported = _bound(exported, 1, vault.borrowingPower(alice));
        _export(alice, eid, SafeCast.toUint128(exported));
        uint256[4] memory before = _credit(eid);

        amount = _bound(amount, 1, exported);
        _release(alice, eid, SafeCast.toUint128(amount));
        assertEq(vault.exportedTo(alice, eid), exported - amount);
        assertEq(_mirror(eid).lineOf(alice).line, exported - amount);
        _export(alice, eid, SafeCast.toUint128(amount));

        _assertCredit(eid, before);
    }

    // ================================================================== lending pool

    /// Four rounds of borrow, wait, repay (interest first, partial or more than owed) with random
    /// amounts: after every call the mirror's drawn = the pool's principal × 1e12 = what the pool says it
    /// drew, and drawn ≤ line.
    function testFuzz_borrow_keepsMirrorDrawnEqualToPrincipalTimes1e12(
        uint256[4] memory borrows,
        uint256[4] memory waits,
        uint256[4] memory repays
    ) public {
        _deposit(alice, weth, 100 ether);
        _export(alice, REMOTE_A, 150_000e18);
        vm.startPrank(alice);
        mirrorA.setConsumerAuthorization(alice, address(poolA), true);
        usdcA.approve(address(poolA), type(uint256).max);
        vm.stopPrank();

        for (uint256 i; i < 4; ++i) {
            uint256 available = mirrorA.undrawn(alice) / 1e12;
            if (available != 0) {
                vm.prank(alice);
                poolA.borrow(alice, _bound(borrows[i], 1, available), alice);
                _assertDrawnIsPrincipal();
            }
            // Four waits of at most 5 hours stay inside the heartbeat period of setUp's heartbeat.
            skip(_bound(waits[i], 0, 5 hours));
            uint256 debt = poolA.debtOf(alice);
            if (debt != 0) {
                uint256 amount = _bound(repays[i], 1, debt + debt / 10);
                usdcA.mint(alice, amount);
                vm.prank(alice);
                poolA.repay(alice, amount);
                _assertDrawnIsPrincipal();
            }
        }
    }

    // ================================================================== helpers

    function _decimals(uint256 seed) internal pure returns (uint8) {
        uint8[3] memory options = [uint8(6), 8, 18];
        return options[seed % 3];
    }

    /// Lists a fresh token of `decimals` at `answer` (8-decimal feed) with `ltvBps`, threshold LTV + 2%.
    function _list(uint8 decimals, uint256 answer, uint256 ltvBps)
        internal
        returns (TestToken token, MockAggregator feed)
    {
        token = new TestToken("Collateral", "COL", decimals);
        feed = new MockAggregator(8, "COL / USD", SafeCast.toInt256(answer));
        vm.startPrank(governor);
        oracle.setFeed(address(token), IOracleAdapter.FeedConfig(address(feed), 1 hours, 1, 1e30));
        uint16 ltv = SafeCast.toUint16(ltvBps);
        vault.configureAsset(address(token), ltv, ltv + 200, 300, type(uint128).max, true);
        vm.stopPrank();
    }

    /// An amount worth between $1 and $5M at `answer`, so that power is positive and every export fits
    /// the remote cap and the rate limit.
    function _boundAmount(uint256 amount, uint256 answer, uint8 decimals) internal pure returns (uint256) {
        uint256 price = answer * FEED_TO_1E18;
        uint256 min = (1e18 * 10 ** decimals + price - 1) / price;
        return _bound(amount, min, MAX_VALUE * 10 ** decimals / price);
    }

    function _power(uint256 amount, uint256 answer, uint8 decimals, uint256 ltvBps) internal pure returns (uint256) {
        uint256 value = amount * (answer * FEED_TO_1E18) / 10 ** decimals;
        return value * ltvBps / 10_000;
    }

    function _health(uint256 amount, uint256 answer, uint8 decimals, uint256 thresholdBps, uint256 exported)
        internal
        pure
        returns (uint256)
    {
        uint256 value = amount * (answer * FEED_TO_1E18) / 10 ** decimals;
        return value * thresholdBps / 10_000 * 1e18 / exported;
    }

    function _expectExportExceedsPower(uint32 eid, uint256 requested, uint256 available) internal {
        MessagingFee memory fee = vault.quoteExport(eid, "");
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_ExportExceedsPower.selector, alice, requested, available)
        );
        vm.prank(alice);
        vault.exportCredit{ value: fee.nativeFee }(alice, eid, SafeCast.toUint128(requested), alice, "");
    }

    /// exportedTo, totalExported, remoteExported and the line of alice on `eid`.
    function _credit(uint32 eid) internal view returns (uint256[4] memory credit) {
        credit = [
            vault.exportedTo(alice, eid),
            vault.totalExported(alice),
            vault.remoteState(eid).exported,
            uint256(_mirror(eid).lineOf(alice).line)
        ];
    }

    function _assertCredit(uint32 eid, uint256[4] memory expected) internal view {
        uint256[4] memory credit = _credit(eid);
        assertEq(credit[0], expected[0], "exportedTo");
        assertEq(credit[1], expected[1], "totalExported");
        assertEq(credit[2], expected[2], "remoteExported");
        assertEq(credit[3], expected[3], "line");
        assertEq(_mirror(eid).parkedOf(alice), 0, "nothing parked");
    }

    function _assertDrawnIsPrincipal() internal view {
        (uint96 principal,,) = poolA.loans(alice);
        uint256 drawn = mirrorA.lineOf(alice).drawn;
        assertEq(drawn, uint256(principal) * 1e12, "mirror drawn != principal x 1e12");
        assertEq(poolA.drawnBy(alice), drawn, "pool drawnBy");
        assertEq(mirrorA.drawnBy(address(poolA), alice), drawn, "mirror drawnBy(pool)");
        assertLe(drawn, mirrorA.lineOf(alice).line, "drawn > line");
    }
}
