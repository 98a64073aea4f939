// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditMirror } from "../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { BallastBase } from "./BallastBase.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { DoubleEndedQueue } from "@openzeppelin/contracts/utils/structs/DoubleEndedQueue.sol";

/// The standard liquidation position and the steps of the loop (flag, liquidate, deliver, return parked credit),
/// shared by the liquidation suites: `LiquidationTest` (the loop itself) and `NoFreezeTest` (faults that must not
/// freeze it). alice holds 10 WETH ($2,000, LTV 80%, threshold 85%, bonus 5%), exported 8,000 to each remote,
/// borrowed 7,000 USDC on A and 6,000 on B.
abstract contract LiquidationBase is BallastBase {
    using DoubleEndedQueue for DoubleEndedQueue.Bytes32Deque;

    address internal liquidator = makeAddr("liquidator");

    function setUp() public virtual override {
        super.setUp();
        vm.deal(liquidator, 100 ether);
    }

    // ------------------------------------------------------------------ helpers

    /// alice: 10 WETH, 8,000 exported to each remote, 7,000 USDC borrowed on A and 6,000 on B.
    function _openPosition() internal {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 8000e18);
        _export(alice, REMOTE_B, 8000e18);
        _borrow(alice, REMOTE_A, 7000e6);
        _borrow(alice, REMOTE_B, 6000e6);
    }

    /// The standard position at $1,500, flagged, the LIQUIDATABLEs delivered.
    function _openAndFlag() internal {
        _openPosition();
        _setWeth(1500e8);
        vault.flag{ value: 1 ether }(alice, "");
        _deliverAll();
    }

    /// Lists `token` at $1 (LTV 70%, threshold 80%, bonus 8%); alice deposits 10,000 of it ($10,000, power
    /// $7,000), exports 7,000 to A and borrows it all; then the price halves.
    function _openInTokenAtHalfPrice(TestToken token) internal {
        MockAggregator feed = new MockAggregator(8, "TKN / USD", 1e8);
        vm.startPrank(governor);
        oracle.setFeed(address(token), IOracleAdapter.FeedConfig(address(feed), 1 hours, 1e16, 1e24));
        vault.configureAsset(address(token), 7000, 8000, 800, type(uint128).max, true);
        vm.stopPrank();
        _deposit(alice, token, 10_000 ether);
        _export(alice, REMOTE_A, 7000e18);
        _borrow(alice, REMOTE_A, 7000e6);
        feed.setAnswer(0.5e8);
    }

    function _liquidate(CreditLendingPool pool, uint256 amount, address asset) internal {
        uint256 fee = _fundLiquidator(pool, amount);
        vm.prank(liquidator);
        pool.liquidate{ value: fee }(alice, amount, liquidator, asset, "");
    }

    /// Gives the liquidator `amount` of the pool's token, approved; returns the SEIZE fee.
    function _fundLiquidator(CreditLendingPool pool, uint256 amount) internal returns (uint256 fee) {
        TestToken usdc = pool == poolA ? usdcA : usdcB;
        usdc.mint(liquidator, amount);
        vm.prank(liquidator);
        usdc.approve(address(pool), type(uint256).max);
        return pool.mirror().quote(MsgCodec.TYPE_SEIZE, "").nativeFee;
    }

    function _returnParked(CreditMirror mirror) internal {
        MessagingFee memory fee = mirror.quote(MsgCodec.TYPE_RELEASE, "");
        mirror.returnParked{ value: fee.nativeFee }(alice, "");
        verifyPackets(HOME, address(vault));
    }

    function _setWeth(int256 answer) internal {
        wethFeed.setAnswer(answer);
    }

    function _setWbtc(int256 answer) internal {
        wbtcFeed.setAnswer(answer);
    }

    function _deliverAll() internal {
        verifyPackets(REMOTE_A, address(mirrorA));
        verifyPackets(REMOTE_B, address(mirrorB));
    }

    function _deliverTo(uint32 eid, address receiver) internal {
        verifyPackets(eid, receiver);
    }

    function _assertLine(CreditMirror mirror, uint256 line, uint256 drawn, uint32 epoch) internal view {
        ICreditMirror.Line memory state = mirror.lineOf(alice);
        assertEq(state.line, line, "line");
        assertEq(state.drawn, drawn, "drawn");
        assertEq(state.epoch, epoch, "epoch");
    }

    /// Takes every packet queued for `receiver` on `eid` (oldest first) and verifies them all, so that they can
    /// be executed in any order.
    function _take(uint32 eid, address receiver) internal returns (bytes32[] memory guids) {
        DoubleEndedQueue.Bytes32Deque storage queue = packetsQueue[eid][addressToBytes32(receiver)];
        guids = new bytes32[](queue.length());
        for (uint256 i; i < guids.length; ++i) {
            guids[i] = queue.popBack();
            this.validatePacket(packets[guids[i]], "");
        }
    }

    function _execute(bytes32 guid) internal {
        this.lzReceive(packets[guid], optionsLookup[guid]);
    }
}
