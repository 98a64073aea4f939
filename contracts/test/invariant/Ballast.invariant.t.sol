// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditMirror } from "../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { VaultRisk } from "../../src/libraries/VaultRisk.sol";
import { BallastBase } from "../integration/BallastBase.sol";
import { BallastHandler, IPacketCourier } from "./handlers/BallastHandler.sol";
import { ILayerZeroEndpointV2 } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";

/// The rules that never break (ARCHITECTURE.md §5) over the whole protocol: one home chain and two
/// remotes on in-EVM endpoints, driven by `BallastHandler` (deposits, withdrawals, exports, borrows,
/// repays, releases, usage reports, heartbeats, liquidations, price moves, dead feeds, dust, risk updates,
/// a remote cut and restored, time) while a courier delivers pending packets in random order after random
/// delays, holds those that meet a cut peer, and replays delivered ones. Each invariant names its
/// rule; the handler's ghosts say what a correct system implies, and the few checks that only make
/// sense at the moment of a call (rule 3, a delivery's effect) are counted by the handler on the spot.
/// This contract is the TestHelperOz5 that owns the endpoints, so it is also the courier.
contract BallastInvariantTest is BallastBase, IPacketCourier {
    using PacketV1Codec for bytes;

    address internal carol = makeAddr("carol");
    BallastHandler internal handler;

    /// @notice Thrown when the courier is asked for a packet the endpoints never sent.
    error Courier_UnknownPacket(bytes32 guid);

    function setUp() public override {
        super.setUp();
        // A portfolio term in force (WETH/WBTC 50% correlated): rules 3 and 5 are judged with it.
        ICollateralVault.RiskUpdate memory update;
        update.correlations = new ICollateralVault.CorrelationUpdate[](1);
        update.correlations[0] = ICollateralVault.CorrelationUpdate(address(weth), address(wbtc), 5000);
        vm.prank(governor);
        vault.setRiskAdmin(governor);
        vm.prank(governor);
        vault.queueRiskUpdate(update);
        vm.warp(block.timestamp + VaultRisk.RISK_UPDATE_DELAY);
        vault.applyRiskUpdate(update);
        wethFeed.setAnswer(2000e8);
        wbtcFeed.setAnswer(60_000e8);
        _heartbeat(REMOTE_A);
        _heartbeat(REMOTE_B);
        address[] memory actors = new address[](3);
        (actors[0], actors[1], actors[2]) = (alice, bob, carol);
        handler = new BallastHandler(
            BallastHandler.Deployment({
                courier: this,
                vault: vault,
                weth: weth,
                wbtc: wbtc,
                wethFeed: wethFeed,
                wbtcFeed: wbtcFeed,
                mirrorA: mirrorA,
                mirrorB: mirrorB,
                poolA: poolA,
                poolB: poolB
            }),
            actors
        );

        bytes4[] memory selectors = new bytes4[](27);
        selectors[0] = BallastHandler.deposit.selector;
        selectors[1] = BallastHandler.withdraw.selector;
        selectors[2] = BallastHandler.donate.selector;
        selectors[3] = BallastHandler.exportCredit.selector;
        selectors[4] = BallastHandler.release.selector;
        selectors[5] = BallastHandler.returnParked.selector;
        selectors[6] = BallastHandler.reportUsage.selector;
        selectors[7] = BallastHandler.sendHeartbeat.selector;
        selectors[8] = BallastHandler.borrow.selector;
        selectors[9] = BallastHandler.repay.selector;
        selectors[10] = BallastHandler.movePrice.selector;
        selectors[11] = BallastHandler.warp.selector;
        selectors[12] = BallastHandler.deliver.selector;
        selectors[13] = BallastHandler.deliverBatch.selector;
        selectors[14] = BallastHandler.replay.selector;
        selectors[15] = BallastHandler.staleFeed.selector;
        selectors[16] = BallastHandler.recall.selector;
        selectors[17] = BallastHandler.flag.selector;
        selectors[18] = BallastHandler.clear.selector;
        selectors[19] = BallastHandler.liquidate.selector;
        selectors[20] = BallastHandler.reportBadDebt.selector;
        selectors[21] = BallastHandler.crash.selector;
        selectors[22] = BallastHandler.deadFeed.selector;
        selectors[23] = BallastHandler.depositDust.selector;
        selectors[24] = BallastHandler.riskUpdate.selector;
        selectors[25] = BallastHandler.cutRemote.selector;
        selectors[26] = BallastHandler.restoreRemote.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({ addr: address(handler), selectors: selectors }));
    }

    // ================================================================== courier (called by the handler)

    /// @inheritdoc IPacketCourier
    function deliverPacket(bytes32 guid, bool executeIt) external returns (bool executed, bytes memory reason) {
        bytes memory packet = packets[guid];
        if (packet.length == 0) revert Courier_UnknownPacket(guid);
        // Verified once its endpoint holds the payload hash: a path whose receiver has no peer for the source
        // cannot be initialised, so the DVN's commit fails quietly there and is tried again on the next delivery.
        if (!this.heldByEndpoint(packet)) this.validatePacket(packet, "");
        if (!executeIt) return (false, "");
        try this.lzReceive(packet, optionsLookup[guid]) {
            executed = true;
        } catch (bytes memory err) {
            reason = err;
        }
    }

    /// @notice Whether `packet`'s destination endpoint holds its payload hash (verified and not yet executed).
    function heldByEndpoint(bytes calldata packet) external view returns (bool) {
        return ILayerZeroEndpointV2(endpoints[packet.dstEid()])
                .inboundPayloadHash(packet.receiverB20(), packet.srcEid(), packet.sender(), packet.nonce())
            != bytes32(0);
    }

    /// @inheritdoc IPacketCourier
    function replayPacket(bytes32 guid) external returns (bool executed) {
        bytes memory packet = packets[guid];
        if (packet.length == 0) revert Courier_UnknownPacket(guid);
        // A DVN may sign again; the endpoint refuses to verify a nonce already executed.
        this.validatePacket(packet, "");
        try this.lzReceive(packet, optionsLookup[guid]) {
            executed = true;
        } catch { }
    }

    // ================================================================== invariants

    /// Rule 1 (Conservation): for every (account, remote), line ≤ exported, and line + parked + credit
    /// on its way home (RELEASE or SEIZE in flight) ≤ exported: in-flight messages only make home
    /// conservative. Exactly: exported = line + parked + GRANTs + RELEASEs + SEIZEs in flight.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_conservation_lineNeverExceedsExported() public view {
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actors(i);
            for (uint256 j; j < handler.remoteCount(); ++j) {
                uint32 eid = handler.remotes(j);
                CreditMirror mirror = handler.mirrorOf(eid);
                uint256 exported = vault.exportedTo(account, eid);
                uint256 line = mirror.lineOf(account).line;
                uint256 parked = mirror.parkedOf(account);
                uint256 homeBound =
                    handler.ghostReleaseInFlight(account, eid) + handler.ghostSeizeInFlight(account, eid);
                assertLe(line, exported, "rule 1: line > exported");
                assertLe(line + parked + homeBound, exported, "rule 1: line + parked + releases in flight > exported");
                assertEq(
                    exported,
                    line + parked + homeBound + handler.ghostGrantInFlight(account, eid),
                    "rule 1: exported != line + parked + in flight"
                );
            }
        }
    }

    /// Rule 2 (Draw bound): drawn ≤ line on every remote for every account, and the mirror's record of
    /// what the pool drew equals the pool's own (principal × 1e12), per account and in total.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_drawBound() public view {
        for (uint256 j; j < handler.remoteCount(); ++j) {
            uint32 eid = handler.remotes(j);
            CreditMirror mirror = handler.mirrorOf(eid);
            CreditLendingPool pool = handler.poolOf(eid);
            uint256 sumDrawn;
            for (uint256 i; i < handler.actorCount(); ++i) {
                address account = handler.actors(i);
                ICreditMirror.Line memory line = mirror.lineOf(account);
                assertLe(line.drawn, line.line, "rule 2: drawn > line");
                assertEq(mirror.drawnBy(address(pool), account), pool.drawnBy(account), "rule 2: mirror != pool");
                assertEq(line.drawn, pool.drawnBy(account), "rule 2: line drawn != pool drawn (one consumer)");
                assertEq(line.drawn, handler.ghostDrawn(account, eid), "rule 2: drawn != borrowed - repaid");
                sumDrawn += line.drawn;
            }
            assertEq(mirror.consumer(address(pool)).drawn, sumDrawn, "rule 2: consumer total");
            assertEq(pool.totalPrincipal() * 1e12, sumDrawn, "rule 2: pool principal total");
        }
        assertEq(handler.repayMismatches(), 0, "repay paid or restored other than interest first");
    }

    /// Rule 3 (Power at export and withdraw): right after every export and every withdrawal the
    /// handler checked total exported ≤ borrowing power (prices move later, so this is not global); and
    /// a withdrawal went through exactly when power after it, computed from the feeds, covered exported.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_exportedWithinPowerAtLastChange() public view {
        assertEq(handler.powerViolations(), 0, "rule 3: exported > power after an export or withdrawal");
        assertEq(handler.withdrawDecisionMismatches(), 0, "rule 3: withdrawal decided against its power");
    }

    /// Rule 4 (Backing): for every asset the vault's balance covers the sum of all collateral, which
    /// equals deposits − withdrawals − collateral seized by liquidators; anything beyond was donated.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_backing() public view {
        TestToken[2] memory assets = [weth, wbtc];
        for (uint256 k; k < 2; ++k) {
            address asset = address(assets[k]);
            uint256 total;
            for (uint256 i; i < handler.actorCount(); ++i) {
                total += vault.collateralOf(handler.actors(i), asset);
            }
            assertGe(assets[k].balanceOf(address(vault)), total, "rule 4: balance < total collateral");
            assertEq(
                total,
                handler.ghostDeposited(asset) - handler.ghostWithdrawn(asset) - handler.ghostSeized(asset),
                "rule 4: total != in - out - seized"
            );
            assertEq(assets[k].balanceOf(address(vault)), total + handler.ghostDonated(asset), "rule 4: balance");
        }
    }

    /// Rule 6 (Exactly once): every delivered message took effect once and as its content says — the
    /// lines, parked credit and exported totals equal the ghosts' sums of delivered messages, a guid was
    /// never applied twice, replays never got through, and a stale USAGE never replaced a newer one.
    /// remoteExported(eid) = Σ accounts' exportedTo(eid), totalExported = Σ over remotes.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_exactlyOnce() public view {
        for (uint256 j; j < handler.remoteCount(); ++j) {
            uint32 eid = handler.remotes(j);
            CreditMirror mirror = handler.mirrorOf(eid);
            uint256 sumExported;
            for (uint256 i; i < handler.actorCount(); ++i) {
                address account = handler.actors(i);
                uint256 exported = vault.exportedTo(account, eid);
                sumExported += exported;
                assertEq(exported, handler.ghostExported(account, eid), "rule 6: exported != exports - releases");
                assertEq(
                    mirror.lineOf(account).line, handler.ghostLine(account, eid), "rule 6: line != grants - releases"
                );
                assertEq(mirror.parkedOf(account), handler.ghostParked(account, eid), "rule 6: parked");
                ICollateralVault.Usage memory usage = vault.usageOf(account, eid);
                ICollateralVault.Usage memory expected = handler.ghostUsage(account, eid);
                assertEq(usage.seq, expected.seq, "rule 6: usage seq is not the newest delivered");
                assertEq(usage.drawn, expected.drawn, "rule 6: usage drawn");
                assertEq(usage.line, expected.line, "rule 6: usage line");
            }
            assertEq(vault.remoteState(eid).exported, sumExported, "rule 6: remote exported != sum of accounts");
            assertEq(mirror.lastHeartbeat(), handler.ghostLastHeartbeat(eid), "rule 6: last heartbeat");
        }
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actors(i);
            uint256 total;
            for (uint256 j; j < handler.remoteCount(); ++j) {
                total += vault.exportedTo(account, handler.remotes(j));
            }
            assertEq(vault.totalExported(account), total, "rule 6: totalExported != sum over remotes");
        }
        assertEq(handler.duplicateApplications(), 0, "rule 6: a guid applied twice");
        assertEq(handler.replaysApplied(), 0, "rule 6: a replay got through");
        assertEq(handler.deliveryEffectMismatches(), 0, "rule 6: a delivery changed state other than its message");
    }

    /// Rule 7 (Nothing lost): no delivery of well-formed traffic reverted (under enforced gas, in any
    /// order, after any delay), and a refused one would have stayed retryable on the endpoint.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_nothingLost_deliveriesNeverRevert() public view {
        assertEq(handler.notRetryable(), 0, "rule 7: a refused packet is not retryable");
        assertEq(handler.deliveryReverts(), 0, string(handler.lastDeliveryRevert()));
    }

    /// Rule 5 (Fair liquidation): `flag` succeeded exactly when home health at the feeds' prices was below 1
    /// and `clear` exactly when it was not; a SEIZE never paid more than repaid × (1 + bonus), paid the bonus
    /// only at the account's current flag while it was unhealthy, and otherwise at most par (an account that
    /// was healthy loses no value); every notice did exactly what its message says, older epochs nothing. Rule
    /// L-12: `flag` and `clear` told every remote they could and skipped (`NoticeSkipped`) exactly the cut ones.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_fairLiquidation() public view {
        assertEq(handler.flagDecisionMismatches(), 0, "rule 5: flag or clear decided against health");
        assertEq(handler.noticeSkipMismatches(), 0, "L-12: a notice went to a cut remote or skipped a wired one");
        assertEq(handler.unfairSeizures(), 0, "rule 5: a seize paid more than it may");
        assertEq(handler.noticeEffectMismatches(), 0, "rule 5: a notice did other than its message");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actors(i);
            for (uint256 j; j < handler.remoteCount(); ++j) {
                CreditMirror mirror = handler.mirrorOf(handler.remotes(j));
                assertLe(mirror.lineOf(account).epoch, vault.epochOf(account), "rule 5: remote ahead of home's epoch");
                assertLe(mirror.repayableOf(account), mirror.lineOf(account).drawn, "rule 5: repayable > drawn");
            }
        }
    }

    /// Rules L-11 and L-12 (nothing freezes an account): a flagged account can always be cleared unless its health,
    /// counting every asset without a usable liquidation price as nothing, is below 1 — never for a dead feed, dust
    /// or a cut remote. Tried on a snapshot that is then thrown away.
    function invariant_flaggedAccountAtHealthOneCanAlwaysBeCleared() public {
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actors(i);
            if (vault.epochOf(account) & 1 == 0) continue;
            uint256 snapshot = vm.snapshotState();
            vm.deal(address(this), 10 ether);
            try vault.clear{ value: 10 ether }(account, "") { }
            catch (bytes memory reason) {
                // casting to 'bytes4' is safe because the first four bytes are the error's selector.
                // forge-lint: disable-next-line(unsafe-typecast)
                bytes4 selector = bytes4(reason);
                assertEq(selector, ICollateralVault.Vault_StillUnhealthy.selector, "L-11: clear refused for a fault");
            }
            vm.revertToState(snapshot);
        }
    }

    /// ARCHITECTURE.md §8 (grants expire in flight; breakers gate growth, never exits): a GRANT
    /// delivered after its deadline is parked, never credited, and one in time is credited; draws are
    /// refused exactly when home was not heard from within the heartbeat period; repay, release,
    /// returnParked and every other action the handler takes within bounds never reverted, except a send over a
    /// cut peer (`NoPeer`) or an export to a disabled remote (`Vault_RemoteDisabled`), which were refused exactly
    /// then, and a packet through a cut peer was refused with `NoPeer` and kept.
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_grantsExpireInFlightAndBreakersGateOnlyGrowth() public view {
        assertEq(handler.lateGrantMismatches(), 0, "late grant credited or timely grant parked");
        assertEq(handler.cutDecisionMismatches(), 0, "a send or delivery through a cut peer went through");
        assertEq(handler.heartbeatGateMismatches(), 0, "draw gate disagrees with the heartbeat period");
        assertEq(handler.unexpectedReverts(), 0, string(handler.lastUnexpectedRevert()));
    }

    // ================================================================== the handler itself

    /// One pass over every action with hand-picked inputs: shows each pathway does something (the
    /// invariants above are not vacuous), including delivery out of nonce order and a late grant.
    function test_handler_drivesEveryPathway() public {
        handler.deposit(0, 0, 10 ether); // alice: 10 WETH, power 16,000
        handler.deposit(1, 1, 1e8); // bob: 1 WBTC, power 42,000
        // Amounts ≢ 0 (mod 5), which the handler reads as "everything available".
        handler.exportCredit(0, 0, 1000e18 + 1, 2); // alice → A, to herself
        handler.exportCredit(0, 0, 2000e18 + 1, 2); // alice → A
        assertEq(handler.pendingCount(), 2);
        // Deliver the second GRANT first: the courier verifies the first, executes the second alone.
        uint256 second = handler.pendingAt(0).nonce > handler.pendingAt(1).nonce ? 0 : 1;
        handler.deliver(second);
        assertEq(mirrorA.lineOf(alice).line, 2000e18 + 1, "second grant alone");
        handler.deliver(0);
        assertEq(mirrorA.lineOf(alice).line, 3000e18 + 2, "first grant after it");

        handler.borrow(0, 0, 500e6);
        assertEq(mirrorA.lineOf(alice).drawn, 500e18);
        handler.warp(11); // 11 % 10 != 0: minutes to hours
        handler.repay(0, 0, 100e6);
        assertLt(mirrorA.lineOf(alice).drawn, 500e18, "repay restored credit");
        handler.release(0, 0, 1); // 1 % 4 != 0: part of the undrawn line
        handler.reportUsage(0, 0);
        handler.sendHeartbeat(0, 0);
        handler.deliverBatch(0, 4);
        handler.deliverBatch(1, 4);
        assertEq(handler.pendingCount(), 0, "all delivered");
        assertEq(vault.usageOf(alice, REMOTE_A).seq, 1);

        // A GRANT that waits past its deadline is parked, then returned home.
        handler.exportCredit(1, 1, 5000e18 + 1, 2); // bob → B
        handler.warp(10); // 10 % 10 == 0: at least a day
        handler.deliver(0);
        assertEq(mirrorB.parkedOf(bob), 5000e18 + 1, "late grant parked");
        assertEq(mirrorB.lineOf(bob).line, 0);
        handler.returnParked(1, 1, 0);
        handler.deliver(0);
        assertEq(vault.exportedTo(bob, REMOTE_B), 0, "parked credit back home");

        handler.replay(0);
        handler.movePrice(0, 0);
        handler.donate(0, 1 ether);
        handler.withdraw(1, 1, 3); // 3 % 3 == 0: everything
        assertEq(vault.collateralOf(bob, address(wbtc)), 0);

        // A stale WETH feed: alice's WETH counts for nothing, so she can neither export nor withdraw.
        assertGt(vault.totalExported(alice), 0);
        (uint256 exportSkips, uint256 refusals) = (handler.skips("exportCredit"), handler.skips("withdraw:refused"));
        handler.staleFeed(0);
        handler.exportCredit(0, 0, 5, 0);
        assertEq(handler.skips("exportCredit"), exportSkips + 1, "no priced power left to export");
        handler.withdraw(0, 0, 1);
        assertEq(handler.skips("withdraw:refused"), refusals + 1, "refused with the oracle's error");
        assertEq(vault.collateralOf(alice, address(weth)), 10 ether);

        invariant_conservation_lineNeverExceedsExported();
        invariant_drawBound();
        invariant_exportedWithinPowerAtLastChange();
        invariant_backing();
        invariant_exactlyOnce();
        invariant_nothingLost_deliveriesNeverRevert();
        invariant_grantsExpireInFlightAndBreakersGateOnlyGrowth();
        assertEq(handler.deliveredCount(), 7);
    }

    /// Governance's incident response with hand-picked inputs (rule L-12): remote B's peer is cut on the vault while
    /// a USAGE from B is in flight; a heartbeat to B is refused with `NoPeer`, the USAGE is held (the vault refuses
    /// it, the endpoint keeps it), a flag skips B and tells A, a clear tells A; once B is restored the USAGE lands.
    function test_handler_cutRemoteSkipsNoticesAndHoldsPackets() public {
        handler.deposit(0, 0, 10 ether); // alice: 10 WETH, power 16,000
        handler.exportCredit(0, 0, 4000e18 + 1, 2); // → A
        handler.exportCredit(0, 1, 4000e18 + 1, 2); // → B
        handler.deliverBatch(0, 2);
        handler.borrow(0, 0, 3000e6);
        handler.reportUsage(0, 1);
        handler.deliver(0); // B → home opened: usage seq 1
        handler.reportUsage(0, 1); // seq 2, in flight
        assertEq(handler.pendingCount(), 1);

        handler.cutRemote(1, 0); // B, Cut.VaultPeer
        assertEq(vault.peers(REMOTE_B), bytes32(0), "vault's peer for B unset");
        handler.sendHeartbeat(1, 0);
        assertEq(handler.skips("sendHeartbeat"), 1, "heartbeat to B refused with NoPeer");
        handler.deliver(0);
        assertEq(handler.heldAtCut(), 1, "USAGE from B held at the cut");
        assertEq(handler.skips("deliver:unverifiedAtCut"), 0, "verified, refused by the vault, kept");
        assertEq(vault.usageOf(alice, REMOTE_B).seq, 1);
        assertEq(handler.pendingCount(), 1);

        handler.crash(0, 6000); // WETH $800: health 6,800 / 8,000
        handler.flag(0, 1);
        assertEq(vault.epochOf(alice), 1, "flagged at home");
        assertEq(handler.noticesSkipped(), 1, "B skipped");
        assertEq(handler.pendingCount(), 2, "LIQUIDATABLE to A only");
        handler.deliver(_pendingOf(REMOTE_A));
        assertEq(mirrorA.lineOf(alice).epoch, 1);
        assertEq(mirrorB.lineOf(alice).epoch, 0, "B never heard the flag");
        for (uint256 i; i < 3; ++i) {
            handler.movePrice(0, 4000); // ×1.2: $1,382, health 11,750 / 8,000
        }
        handler.clear(0);
        assertEq(vault.epochOf(alice), 2, "cleared at home");
        assertEq(handler.pendingCount(), 2, "CLEAR to A; the USAGE still held");

        handler.restoreRemote();
        while (handler.pendingCount() != 0) {
            handler.deliver(0);
        }
        assertEq(vault.usageOf(alice, REMOTE_B).seq, 2, "held USAGE delivered once restored");
        assertEq(mirrorA.lineOf(alice).epoch, 2);
        assertEq(handler.noticeSkipMismatches(), 0);
        assertEq(handler.cutDecisionMismatches(), 0);

        _assertEveryInvariant();
    }

    /// A first depth through the risk admin's queue (rule L-13): at least half the WETH the vault holds, applied
    /// after the risk delay; the handler's health model then reads it, so exporting "everything" leaves no power
    /// and a withdrawal of one wei is refused, both judged by the model (rule 3 stays exact with depths).
    function test_handler_depthUpdateWithinItsStep() public {
        handler.deposit(0, 0, 100 ether); // alice: 100 WETH, $200,000
        handler.riskUpdate(0, 5000, 1); // correlation unchanged; WETH depth ≥ $100,000
        handler.riskUpdate(2, 0, 0);
        assertEq(handler.skips("riskUpdate:refused"), 1, "not ready before the risk delay");
        handler.riskUpdate(3, 0, 0); // waits out the delay, then applies
        assertEq(handler.depthUpdatesApplied(), 1);
        (, uint40 depth) = vault.riskOf(address(weth), address(weth));
        assertGe(uint256(depth) * 2e21, 200_000e18, "a first depth at least half the holdings");
        assertEq(depth, handler.ghostDepthThousands(address(weth)));
        handler.exportCredit(0, 0, 5, 2); // 5 ≡ 0 (mod 5): all the power the model sees
        assertLt(vault.totalExported(alice), 160_000e18, "the depth cut the power below 80% of the value");
        assertEq(vault.borrowingPower(alice), vault.totalExported(alice), "the model's power is the vault's");
        handler.withdraw(0, 0, 1); // one wei
        assertEq(handler.skips("withdraw:refused"), 1);

        invariant_exportedWithinPowerAtLastChange();
        invariant_grantsExpireInFlightAndBreakersGateOnlyGrowth();
    }

    /// The liquidation pathways with hand-picked inputs: a crash, a flag, a liquidation paid with the bonus, a
    /// refused clear, the parked credit home, then a clear — every invariant holds along the way.
    function test_handler_drivesLiquidation() public {
        handler.deposit(0, 0, 10 ether); // alice: 10 WETH at $2,000
        handler.exportCredit(0, 0, 8000e18 + 1, 2);
        handler.deliver(0);
        handler.borrow(0, 0, 7000e6);
        handler.crash(0, 6000); // WETH −60%: $800, health 6,800 / 8,000
        handler.flag(0, 1);
        assertEq(handler.flags(), 1);
        assertEq(vault.epochOf(alice), 1);
        handler.deliver(0);
        assertEq(mirrorA.lineOf(alice).line, 7000e18, "undrawn credit off the line");
        assertEq(mirrorA.repayableOf(alice), 3500e18);
        handler.liquidate(0, 0, 3, 0); // 3 % 3 == 0: the whole close factor, in WETH
        assertEq(handler.liquidations(), 1);
        handler.deliver(0);
        assertEq(handler.bonusSeizures(), 1, "paid with the bonus");
        assertEq(weth.balanceOf(handler.liquidator()), 4.593_75 ether, "3,500 x 1.05 / 800");
        handler.clear(0);
        assertEq(handler.skips("clear:unhealthy"), 1, "still unhealthy while the undrawn credit is away");
        handler.returnParked(0, 0, 0);
        handler.deliver(0);
        handler.clear(0);
        assertEq(vault.epochOf(alice), 2, "cleared once the parked credit is home");
        handler.deliver(0);
        assertEq(mirrorA.lineOf(alice).epoch, 2);

        _assertEveryInvariant();
    }

    /// Every invariant above that a hand-picked test can check on the spot (the clear-on-a-snapshot one is left
    /// to the fuzzer), at the end of a test that drove the handler by hand.
    function _assertEveryInvariant() internal view {
        invariant_conservation_lineNeverExceedsExported();
        invariant_drawBound();
        invariant_exportedWithinPowerAtLastChange();
        invariant_backing();
        invariant_exactlyOnce();
        invariant_fairLiquidation();
        invariant_nothingLost_deliveriesNeverRevert();
        invariant_grantsExpireInFlightAndBreakersGateOnlyGrowth();
    }

    /// The index among the handler's pending packets of the first one going to or coming from `eid`.
    function _pendingOf(uint32 eid) internal view returns (uint256 index) {
        for (; index < handler.pendingCount(); ++index) {
            BallastHandler.InFlight memory packet = handler.pendingAt(index);
            if (packet.srcEid == eid || packet.dstEid == eid) return index;
        }
        revert Courier_UnknownPacket(bytes32(uint256(eid)));
    }
}
