// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CollateralVault } from "../../src/CollateralVault.sol";
import { CreditMirror } from "../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { BallastBase } from "../integration/BallastBase.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { Test } from "forge-std/Test.sol";
import { Vm } from "forge-std/Vm.sol";

/// @notice Delivers every queued packet on every path (the test contract owns the in-EVM endpoints).
interface IDeliverAll {
    function deliverAll() external;
}

/// One message round trip per call: a keeper that watches every account flags the ones under 1 (again, if
/// still flagged) and clears the recovered ones, the notices land, the price moves (at most the liquidation
/// margin) while they travel, liquidators repay everything the close factor allows on every remote, the
/// SEIZEs land and the parked credit goes home. The keeper next looks at the start of the next round trip.
contract MarginHandler is Test {
    CollateralVault public immutable vault;
    MockAggregator public immutable feed;
    IDeliverAll public immutable courier;
    /// Largest price move per round trip, in bps (the liquidation margin, or a multiple of it).
    uint256 public immutable marginBps;
    address public immutable liquidator = makeAddr("marginLiquidator");

    address[] public accounts;
    CreditMirror[2] internal _mirrors;
    CreditLendingPool[2] internal _pools;

    /// Credit a SEIZE found no collateral for: bad debt.
    uint256 public unpaid;
    uint256 public rounds;
    uint256 public flags;
    uint256 public liquidations;
    uint256 public clears;

    constructor(
        CollateralVault vault_,
        MockAggregator feed_,
        IDeliverAll courier_,
        uint256 marginBps_,
        address[] memory accounts_,
        CreditMirror[2] memory mirrors,
        CreditLendingPool[2] memory pools
    ) {
        (vault, feed, courier, marginBps, accounts) = (vault_, feed_, courier_, marginBps_, accounts_);
        (_mirrors, _pools) = (mirrors, pools);
        vm.deal(address(this), 1_000_000 ether);
        vm.deal(liquidator, 1_000_000 ether);
        for (uint256 r; r < 2; ++r) {
            TestToken usdc = TestToken(address(pools[r].asset()));
            vm.prank(liquidator);
            usdc.approve(address(pools[r]), type(uint256).max);
        }
    }

    receive() external payable { }

    /// One round trip; the price goes down three times in four.
    function roundTrip(uint256 move, uint256 direction) external {
        rounds++;
        for (uint256 i; i < accounts.length; ++i) {
            _watch(accounts[i]);
        }
        courier.deliverAll();
        _move(move, direction);
        for (uint256 i; i < accounts.length; ++i) {
            _liquidateAll(accounts[i]);
        }
        vm.recordLogs();
        courier.deliverAll();
        _countUnpaid(vm.getRecordedLogs());
        for (uint256 i; i < accounts.length; ++i) {
            for (uint256 r; r < 2; ++r) {
                if (_mirrors[r].parkedOf(accounts[i]) == 0) continue;
                _mirrors[r].returnParked{ value: 1 ether }(accounts[i], "");
            }
        }
        courier.deliverAll();
    }

    function _move(uint256 seed, uint256 direction) internal {
        uint256 bps = bound(seed, 0, marginBps);
        (, int256 answer,,,) = feed.latestRoundData();
        int256 factor = int256(direction % 4 == 0 ? 10_000 + bps : 10_000 - bps);
        int256 next = answer * factor / 10_000;
        feed.setAnswer(next < 1e8 ? int256(1e8) : next);
    }

    /// The keeper: flag (or flag again) every account under 1, clear the flagged ones that recovered.
    function _watch(address account) internal {
        if (vault.totalExported(account) == 0) return;
        uint256 health = vault.liquidationHealth(account);
        bool flagged = vault.epochOf(account) & 1 == 1;
        if (health < 1e18) {
            vault.flag{ value: 1 ether }(account, "");
            flags++;
        } else if (flagged) {
            vault.clear{ value: 1 ether }(account, "");
            clears++;
        }
    }

    /// Liquidators repay all the close factor allows, on every remote.
    function _liquidateAll(address account) internal {
        for (uint256 r; r < 2; ++r) {
            (uint96 principal,,) = _pools[r].loans(account);
            uint256 units = _mirrors[r].repayableOf(account) / 1e12;
            if (units > principal) units = principal;
            if (units == 0) continue;
            TestToken(address(_pools[r].asset())).mint(liquidator, units);
            vm.prank(liquidator);
            _pools[r].liquidate{ value: 1 ether }(account, units, liquidator, address(0), "");
            liquidations++;
        }
    }

    function _countUnpaid(Vm.Log[] memory logs) internal {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(vault) || logs[i].topics[0] != ICollateralVault.SeizeApplied.selector) {
                continue;
            }
            (,,,, uint256 gap) = abi.decode(logs[i].data, (uint128, uint64, uint64, bool, uint256));
            unpaid += gap;
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }
}

/// "No bad debt is created while the price path moves less than the configured liquidation margin per message
/// round-trip" (docs/RISK.md#liquidation-margin). With close factor c, threshold T and bonus b, a keeper that
/// flags an account as soon as it is under 1 keeps its collateral coverage (value ÷ debt) from falling as long
/// as each round trip moves the price by at most m = c × (1 − T × (1 + b)): each liquidation then repays c of
/// the debt for c × (1 + b) of it in collateral while the price takes at most m. For WETH (T 85%, b 5%) and
/// c = 50%, m = 5.375%. The handler drives rounds at up to m (half before the keeper looks, half while the
/// messages travel) and counts every credit a SEIZE could not pay.
contract LiquidationMarginInvariantTest is BallastBase, IDeliverAll {
    MarginHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory accounts = new address[](3);
        (accounts[0], accounts[1], accounts[2]) = (alice, bob, makeAddr("carol"));
        // Each account borrows everything it exports (drawn = exported: home health is the true health), at
        // three leverages just inside power.
        uint256[3] memory weth_ = [uint256(10 ether), 3 ether, 1 ether];
        for (uint256 i; i < 3; ++i) {
            _deposit(accounts[i], weth, weth_[i]);
            uint128 half = uint128(vault.borrowingPower(accounts[i]) * (9990 - i * 10) / 10_000 / 2 / 1e12 * 1e12);
            vm.deal(accounts[i], 100 ether);
            _export(accounts[i], REMOTE_A, half);
            _export(accounts[i], REMOTE_B, half);
            _borrow(accounts[i], REMOTE_A, half / 1e12);
            _borrow(accounts[i], REMOTE_B, half / 1e12);
        }
        handler = new MarginHandler(
            vault, wethFeed, this, marginBps(CLOSE_FACTOR_BPS, 8500, 500), accounts, [mirrorA, mirrorB], [poolA, poolB]
        );
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = MarginHandler.roundTrip.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({ addr: address(handler), selectors: selectors }));
    }

    /// The liquidation margin in bps, rounded down: m = ((1 + c) − √((1 + c)² − 4c(1 − T(1 + b)))) / 2.
    function marginBps(uint256 closeFactorBps, uint256 thresholdBps, uint256 bonusBps) public pure returns (uint256) {
        uint256 one = 1e18;
        uint256 c = closeFactorBps * 1e14;
        uint256 k = thresholdBps * (10_000 + bonusBps) * 1e10;
        uint256 discriminant = (one + c) * (one + c) - 4 * c * (one - k);
        return ((one + c) - Math.sqrt(discriminant, Math.Rounding.Ceil)) / 2 / 1e14;
    }

    function test_marginBps_wethAndWbtc() public pure {
        assertEq(marginBps(5000, 8500, 500), 367, "WETH: 3.67%");
        assertEq(marginBps(5000, 7500, 1000), 607, "WBTC: 6.07%");
        assertEq(marginBps(10_000, 8500, 500), 552, "close factor 100%: (1 - m)^2 >= T(1 + b)");
    }

    /// @inheritdoc IDeliverAll
    function deliverAll() external {
        verifyPackets(REMOTE_A, address(mirrorA));
        verifyPackets(REMOTE_B, address(mirrorB));
        verifyPackets(HOME, address(vault));
    }

    /// No SEIZE ever lacked collateral, and no account is left with credit out and nothing to back it.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noBadDebtWithinTheMargin() public view {
        assertEq(handler.unpaid(), 0, "a SEIZE found no collateral: bad debt within the margin");
        for (uint256 i; i < handler.accountCount(); ++i) {
            address account = handler.accounts(i);
            if (vault.assetsOf(account).length == 0) {
                assertEq(vault.totalExported(account), 0, "debt without collateral");
            }
        }
    }

    /// The path goes where the rule matters: a steady fall of the full margin every round trip flags,
    /// liquidates in several rounds, and still leaves no bad debt.
    function test_steadyFallAtTheMargin_liquidatesWithoutBadDebt() public {
        for (uint256 i; i < 40; ++i) {
            handler.roundTrip(type(uint256).max, 1); // the full margin down, every round trip
        }
        assertGt(handler.flags(), 3, "flagged");
        assertGt(handler.liquidations(), 6, "liquidated over several rounds");
        invariant_noBadDebtWithinTheMargin();
    }

    /// The margin is the bound, not a formality: 40% faster falls do create bad debt.
    function test_fallBeyondTheMargin_createsBadDebt() public {
        MarginHandler fast = new MarginHandler(
            vault, wethFeed, this, handler.marginBps() * 14 / 10, _accounts(), [mirrorA, mirrorB], [poolA, poolB]
        );
        for (uint256 i; i < 40 && fast.unpaid() == 0; ++i) {
            fast.roundTrip(type(uint256).max, 1);
        }
        assertGt(fast.unpaid(), 0, "beyond the margin, a SEIZE runs out of collateral");
    }

    function _accounts() internal view returns (address[] memory accounts) {
        accounts = new address[](handler.accountCount());
        for (uint256 i; i < accounts.length; ++i) {
            accounts[i] = handler.accounts(i);
        }
    }
}
