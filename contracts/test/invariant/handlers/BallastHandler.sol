// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CollateralVault } from "../../../src/CollateralVault.sol";
import { CreditMirror } from "../../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../../src/interfaces/ICreditMirror.sol";
import { IOracleAdapter } from "../../../src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "../../../src/libraries/MsgCodec.sol";
import { RiskMath } from "../../../src/libraries/RiskMath.sol";
import { VaultRisk } from "../../../src/libraries/VaultRisk.sol";
import { MockAggregator } from "../../../src/oracle/MockAggregator.sol";
import { MessagingReceipt } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { IOAppCore } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { Test } from "forge-std/Test.sol";
import { Vm } from "forge-std/Vm.sol";

/// @notice What the handler needs from the test contract that owns the in-EVM LayerZero endpoints
/// (TestHelperOz5 keeps every sent packet by guid; only it can verify and execute them).
interface IPacketCourier {
    /// @notice Verifies `guid` on its destination (DVN verify + commit) unless already done, then, if
    /// `executeIt`, executes it; a reverting execution is caught and its revert data returned.
    function deliverPacket(bytes32 guid, bool executeIt) external returns (bool executed, bytes memory reason);

    /// @notice Verifies and executes an already executed packet again; true if the endpoint let it through.
    function replayPacket(bytes32 guid) external returns (bool executed);
}

/// Drives the whole of Ballast over three in-EVM endpoints with bounded inputs and three actors:
/// collateral (deposit, withdraw, donate), credit (export to either remote, release, return parked,
/// report usage, heartbeat), the lending pools (borrow, repay), the world (price moves, time) and the
/// courier (deliver any pending packet, in any order, after any delay; replay delivered ones), and
/// governance's incident response (cut one remote — its peer unset on the vault, on the mirror, or the
/// remote disabled — and restore it later).
/// Every send is recorded as in flight; ghost variables say what a correct system implies, and each
/// mismatch the handler sees on the spot is counted for the invariants to assert zero. It never
/// reverts: protocol calls are wrapped, and a revert the rules do not allow is counted as unexpected.
contract BallastHandler is Test {
    /// @notice How a remote is cut (governance's incident response, docs/PROTOCOL.md L-12): the vault's peer
    /// unset, the mirror's peer unset, the remote disabled on the vault, or all three (the runbook's isolation).
    enum Cut {
        None,
        VaultPeer,
        MirrorPeer,
        Disabled,
        Isolated
    }

    enum Kind {
        Grant,
        Release,
        Usage,
        Heartbeat,
        Recall,
        Liquidatable,
        Clear,
        BadDebt,
        Seize
    }

    /// @notice A packet sent and not yet executed.
    struct InFlight {
        bytes32 guid;
        uint64 nonce;
        uint32 srcEid;
        uint32 dstEid;
        Kind kind;
        address account;
        /// GRANT: the line owner it names.
        address receiver;
        /// GRANT / RELEASE / RECALL / BAD_DEBT: credit; SEIZE: credit repaid; USAGE: drawn.
        uint128 amount;
        /// USAGE: line.
        uint128 line;
        /// GRANT: deadline; USAGE: seq; HEARTBEAT: home timestamp; LIQUIDATABLE / CLEAR / SEIZE: epoch.
        uint64 stamp;
    }

    /// @notice What a delivery may change, read before and after it.
    struct Snapshot {
        uint256 exported;
        uint256 totalExported;
        uint256 remoteExported;
        uint256 line;
        uint256 drawn;
        address owner;
        uint256 parked;
        uint64 lastHeartbeat;
        uint64 usageSeq;
        uint128 usageDrawn;
        uint128 usageLine;
        uint32 lineEpoch;
        uint256 repayable;
        uint256 collateralWeth;
        uint256 collateralWbtc;
    }

    /// @notice The deployment the handler drives (built by the test).
    struct Deployment {
        IPacketCourier courier;
        CollateralVault vault;
        TestToken weth;
        TestToken wbtc;
        MockAggregator wethFeed;
        MockAggregator wbtcFeed;
        CreditMirror mirrorA;
        CreditMirror mirrorB;
        CreditLendingPool poolA;
        CreditLendingPool poolB;
    }

    uint32 internal constant HOME = 1;
    uint256 internal constant CREDIT_PER_USDC = 1e12;
    uint256 internal constant MAX_WETH = 200 ether;
    uint256 internal constant MAX_WBTC = 10e8;
    /// Liquidation bonus of each asset (BallastBase lists WETH at 5%, WBTC at 10%).
    uint256 internal constant WETH_BONUS_BPS = 500;
    uint256 internal constant WBTC_BONUS_BPS = 1000;
    /// Price ranges the feeds move in (8 decimals), inside the oracle's bounds.
    int256 internal constant WETH_MIN = 500e8;
    int256 internal constant WETH_MAX = 8000e8;
    int256 internal constant WBTC_MIN = 10_000e8;
    int256 internal constant WBTC_MAX = 150_000e8;
    /// USD (1e18) per unit of a depth in thousands (`VaultRisk.DEPTH_UNIT`).
    uint256 internal constant DEPTH_UNIT = 1e21;
    /// `_expectedPower` with nothing removed.
    TestToken internal constant NO_ASSET = TestToken(address(0));

    IPacketCourier public immutable courier;
    CollateralVault public immutable vault;
    TestToken public immutable weth;
    TestToken public immutable wbtc;
    MockAggregator public immutable wethFeed;
    MockAggregator public immutable wbtcFeed;

    address[] public actors;
    uint32[] public remotes;
    mapping(uint32 eid => CreditMirror) public mirrorOf;
    mapping(uint32 eid => CreditLendingPool) public poolOf;

    /// @notice The time the handler has moved to; re-applied at the start of every call.
    uint256 public currentTime;

    InFlight[] internal _pending;
    InFlight[] internal _delivered;
    /// The liquidator's WETH and WBTC before the SEIZE being delivered.
    uint256[2] internal _liquidatorBefore;

    // ------------------------------------------------------------------ ghosts

    mapping(address asset => uint256) public ghostDeposited;
    mapping(address asset => uint256) public ghostWithdrawn;
    mapping(address asset => uint256) public ghostDonated;
    /// What home should count as exported: Σ exports − Σ delivered RELEASEs.
    mapping(address account => mapping(uint32 eid => uint256)) public ghostExported;
    /// What the line should be: Σ GRANTs delivered in time − Σ voluntary releases.
    mapping(address account => mapping(uint32 eid => uint256)) public ghostLine;
    /// Σ GRANTs delivered late − Σ returned.
    mapping(address account => mapping(uint32 eid => uint256)) public ghostParked;
    mapping(address account => mapping(uint32 eid => uint256)) public ghostGrantInFlight;
    mapping(address account => mapping(uint32 eid => uint256)) public ghostReleaseInFlight;
    /// Credit repaid by liquidators on a remote whose SEIZE has not reached home yet.
    mapping(address account => mapping(uint32 eid => uint256)) public ghostSeizeInFlight;
    /// Collateral paid to liquidators, per asset.
    mapping(address asset => uint256) public ghostSeized;
    /// Σ borrowed principal × 1e12 − Σ repaid principal × 1e12.
    mapping(address account => mapping(uint32 eid => uint256)) public ghostDrawn;
    /// The newest USAGE report delivered home.
    mapping(address account => mapping(uint32 eid => ICollateralVault.Usage)) internal _ghostUsage;
    /// The newest home timestamp of a HEARTBEAT delivered to each remote.
    mapping(uint32 eid => uint64) public ghostLastHeartbeat;
    mapping(bytes32 guid => uint256) public timesApplied;

    // ------------------------------------------------------------------ what went wrong on the spot

    /// Rule 3: an export or withdrawal left total exported above borrowing power.
    uint256 public powerViolations;
    /// Rule 3: a withdrawal was refused although power after it covered exported, or allowed though not.
    uint256 public withdrawDecisionMismatches;
    /// Rule 6: a delivery (or a refused one) changed state other than its message says.
    uint256 public deliveryEffectMismatches;
    /// Rule 6: a guid took effect more than once.
    uint256 public duplicateApplications;
    /// Rule 6: a replayed packet got through the endpoint.
    uint256 public replaysApplied;
    /// Rule 7: deliveries of well-formed traffic that reverted, and those that did not stay retryable.
    uint256 public deliveryReverts;
    uint256 public notRetryable;
    bytes public lastDeliveryRevert;
    /// §8: a late GRANT was credited, or one in time was parked.
    uint256 public lateGrantMismatches;
    /// §8: a draw went through with no contact from home for a heartbeat period, or was refused as stale within it.
    uint256 public heartbeatGateMismatches;
    /// A repay paid or restored other than interest-first, then principal × 1e12 of credit.
    uint256 public repayMismatches;
    /// Rule 5: `flag` or `clear` decided against the health the feeds imply.
    uint256 public flagDecisionMismatches;
    /// Rule 5: a SEIZE paid more than repaid × (1 + bonus), paid a bonus it should not have, or paid an account
    /// that was healthy at home more than par.
    uint256 public unfairSeizures;
    uint256 public lastUnfairSeizeValue;
    /// Rule 5: a LIQUIDATABLE / CLEAR / RECALL / BAD_DEBT delivery did other than its message says.
    uint256 public noticeEffectMismatches;
    /// What the liquidation traffic covered.
    uint256 public flags;
    uint256 public liquidations;
    uint256 public staleNotices;
    uint256 public bonusSeizures;
    uint256 public parSeizures;
    uint256 public badDebtWriteOffs;
    /// A call reverted that the rules say must succeed (repay, release, returnParked are never blocked).
    uint256 public unexpectedReverts;
    bytes32 public lastUnexpectedAction;
    bytes public lastUnexpectedRevert;

    /// @notice What the traffic covered: packets executed while a lower nonce of their path was still
    /// pending, GRANTs that arrived late, USAGE reports that arrived after a newer one.
    uint256 public outOfOrderDeliveries;
    uint256 public lateGrants;
    uint256 public staleUsageReports;

    /// @notice Calls and no-op calls per action, to show a run was not vacuous.
    mapping(bytes32 action => uint256) public calls;
    mapping(bytes32 action => uint256) public skips;

    /// @notice Repays on the remotes and is paid on home; never an actor.
    address public immutable liquidator = makeAddr("liquidator");

    /// The risk update the handler has queued, if any (one at a time).
    ICollateralVault.RiskUpdate internal _riskUpdate;
    bool internal _riskQueued;
    bytes32 internal _riskId;
    /// When the queued update may apply: queued at + `RISK_UPDATE_DELAY` (the owner here has no timelock delay).
    uint256 internal _riskReadyAt;
    uint256 public riskUpdatesApplied;
    uint256 public depthUpdatesApplied;
    /// The depth (thousands of USD) of each asset the handler's applied updates set; what its health model uses.
    mapping(address asset => uint256) public ghostDepthThousands;

    /// @notice The remote cut now (0: every remote wired) and how; at most one at a time, restored by a later call.
    uint32 public cutEid;
    Cut public cutKind;
    uint256 public cuts;
    /// Bit j: the remotes (`remotes[j]`) the account's running flagged period told, which its `CLEAR` goes to
    /// (the vault's `flaggedRemotes`): each flag adds those it could tell; a clear empties it.
    mapping(address account => uint256 remoteMask) public ghostFlaggedRemotes;
    /// Rule L-12: a `flag` or `clear` told a remote it should have skipped or skipped one it should have told.
    uint256 public noticeSkipMismatches;
    /// What the cuts covered: notices skipped, sends refused, deliveries held at a cut peer.
    uint256 public noticesSkipped;
    uint256 public cutRefusals;
    uint256 public heldAtCut;
    /// A send to a cut remote went through, or a delivery through a cut peer was executed or refused other than
    /// with the peer's `NoPeer`.
    uint256 public cutDecisionMismatches;

    constructor(Deployment memory deployment, address[] memory actors_) {
        courier = deployment.courier;
        vault = deployment.vault;
        (weth, wbtc) = (deployment.weth, deployment.wbtc);
        (wethFeed, wbtcFeed) = (deployment.wethFeed, deployment.wbtcFeed);
        actors = actors_;
        _riskUpdate.correlations.push(ICollateralVault.CorrelationUpdate(address(weth), address(wbtc), 5000));
        CreditMirror[2] memory mirrors = [deployment.mirrorA, deployment.mirrorB];
        CreditLendingPool[2] memory pools = [deployment.poolA, deployment.poolB];
        for (uint256 i; i < 2; ++i) {
            uint32 eid = mirrors[i].endpoint().eid();
            remotes.push(eid);
            mirrorOf[eid] = mirrors[i];
            poolOf[eid] = pools[i];
            ghostLastHeartbeat[eid] = mirrors[i].lastHeartbeat();
        }
        currentTime = block.timestamp;
        vm.deal(liquidator, 1_000_000 ether);
        vm.deal(address(this), 1_000_000 ether);
        for (uint256 j; j < 2; ++j) {
            IERC20 usdc = pools[j].asset();
            vm.prank(liquidator);
            usdc.approve(address(pools[j]), type(uint256).max);
        }
        for (uint256 i; i < actors_.length; ++i) {
            address actor = actors_[i];
            vm.deal(actor, 1_000_000 ether);
            vm.startPrank(actor);
            weth.approve(address(vault), type(uint256).max);
            wbtc.approve(address(vault), type(uint256).max);
            for (uint256 j; j < 2; ++j) {
                pools[j].asset().approve(address(pools[j]), type(uint256).max);
            }
            vm.stopPrank();
        }
    }

    /// Notices refund what `msg.value` held beyond their fees to the caller (this handler when it calls).
    receive() external payable { }

    modifier atCurrentTime(bytes32 action) {
        vm.warp(currentTime);
        calls[action]++;
        _;
    }

    // ================================================================== collateral

    /// Deposits up to the per-actor cap of WETH (200) or WBTC (10).
    function deposit(uint256 actorSeed, uint256 assetSeed, uint256 amount) external atCurrentTime("deposit") {
        address actor = _actor(actorSeed);
        (TestToken token, uint256 cap) = assetSeed % 2 == 0 ? (weth, MAX_WETH) : (wbtc, MAX_WBTC);
        uint256 held = vault.collateralOf(actor, address(token));
        if (held >= cap) {
            _skip("deposit");
            return;
        }
        _deposit(actor, token, held, _bound(amount, 1, cap - held));
    }

    /// Deposits dust (1 … 1,000 base units, a fraction of a cent): the griefing of ARCHITECTURE.md §8 ("dust is a
    /// weapon") — it must never block a flag, a clear, a SEIZE or a write-off.
    function depositDust(uint256 actorSeed, uint256 assetSeed, uint256 amount) external atCurrentTime("depositDust") {
        address actor = _actor(actorSeed);
        TestToken token = assetSeed % 2 == 0 ? weth : wbtc;
        _deposit(actor, token, vault.collateralOf(actor, address(token)), _bound(amount, 1, 1000));
    }

    /// A deposit must succeed, except that a flagged account cannot add an asset it does not hold (rule L-11).
    function _deposit(address actor, TestToken token, uint256 held, uint256 amount) internal {
        token.mint(actor, amount);
        vm.prank(actor);
        try vault.deposit(actor, address(token), amount) {
            ghostDeposited[address(token)] += amount;
            if (held == 0 && vault.epochOf(actor) & 1 == 1) flagDecisionMismatches++;
        } catch (bytes memory reason) {
            if (
                held == 0 && vault.epochOf(actor) & 1 == 1
                    && _selector(reason) == ICollateralVault.Vault_AccountFlagged.selector
            ) {
                skips["deposit:flaggedNewAsset"]++;
            } else {
                _unexpected("deposit", reason);
            }
        }
    }

    /// Withdraws part or all of an asset; allowed exactly when power after it still covers exported.
    function withdraw(uint256 actorSeed, uint256 assetSeed, uint256 amount) external atCurrentTime("withdraw") {
        (address actor, TestToken token) = _pickHolding(actorSeed, assetSeed);
        uint256 held = actor == address(0) ? 0 : vault.collateralOf(actor, address(token));
        if (held == 0) {
            _skip("withdraw");
            return;
        }
        amount = amount % 3 == 0 ? held : _bound(amount, 1, held);
        uint256 exported = vault.totalExported(actor);
        bool flagged = vault.epochOf(actor) & 1 == 1;
        bool allowed = !flagged && (exported == 0 || _expectedPower(actor, token, amount) >= exported);
        vm.prank(actor);
        try vault.withdraw(actor, address(token), amount, actor) {
            ghostWithdrawn[address(token)] += amount;
            if (!allowed) withdrawDecisionMismatches++;
            _checkPower(actor);
        } catch (bytes memory reason) {
            bytes4 selector = _selector(reason);
            // Refused while a feed is stale: the vault raises the oracle's error (rule V-2a).
            if (selector == ICollateralVault.Vault_AccountFlagged.selector && flagged) {
                skips["withdraw:flagged"]++;
            } else if (
                selector != ICollateralVault.Vault_WithdrawExceedsPower.selector
                    && selector != IOracleAdapter.Oracle_StalePrice.selector
            ) {
                _unexpected("withdraw", reason);
            } else if (allowed) {
                withdrawDecisionMismatches++;
            } else {
                skips["withdraw:refused"]++;
            }
        }
    }

    /// Sends tokens to the vault without a deposit (backing may exceed collateral, never fall short).
    function donate(uint256 assetSeed, uint256 amount) external atCurrentTime("donate") {
        (TestToken token, uint256 max) = assetSeed % 2 == 0 ? (weth, 10 ether) : (wbtc, 1e8);
        amount = _bound(amount, 1, max);
        token.mint(address(vault), amount);
        ghostDonated[address(token)] += amount;
    }

    // ================================================================== credit

    /// Exports part of the available power (sometimes all of it) to either remote, naming the actor,
    /// nobody (the vault defaults to the account) or another actor as the line's owner there.
    function exportCredit(uint256 actorSeed, uint256 remoteSeed, uint256 amount, uint256 receiverSeed)
        external
        atCurrentTime("exportCredit")
    {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _canExport);
        if (actor == address(0)) {
            _skip("exportCredit");
            return;
        }
        uint256 power = _expectedPower(actor, NO_ASSET, 0);
        uint256 exported = vault.totalExported(actor);
        amount = amount % 5 == 0 ? power - exported : _bound(amount, 1, power - exported);
        address receiver = _receiver(actor, receiverSeed);
        // A disabled remote refuses exports first; one without a peer cannot be sent to (nor quoted).
        bytes memory cutError = !_enabled(eid)
            ? abi.encodeWithSelector(ICollateralVault.Vault_RemoteDisabled.selector, eid)
            : _homeCutError(eid);
        uint256 fee = _vaultWired(eid) ? vault.quoteExport(eid, "").nativeFee : 0;
        vm.prank(actor);
        try vault.exportCredit{ value: fee }(actor, eid, SafeCast.toUint128(amount), receiver, "") returns (
            MessagingReceipt memory receipt
        ) {
            if (cutError.length != 0) cutDecisionMismatches++;
            ghostExported[actor][eid] += amount;
            ghostGrantInFlight[actor][eid] += amount;
            uint256 ttl = vault.remoteConfig(eid).grantTtl;
            _pending.push(
                InFlight({
                    guid: receipt.guid,
                    nonce: receipt.nonce,
                    srcEid: HOME,
                    dstEid: eid,
                    kind: Kind.Grant,
                    account: actor,
                    receiver: receiver == address(0) ? actor : receiver,
                    amount: SafeCast.toUint128(amount),
                    line: 0,
                    stamp: SafeCast.toUint64(currentTime + ttl)
                })
            );
            _checkPower(actor);
        } catch (bytes memory reason) {
            bytes4 selector = _selector(reason);
            if (
                selector == ICollateralVault.Vault_RemoteCapExceeded.selector
                    || selector == ICollateralVault.Vault_RateLimited.selector
            ) {
                skips["exportCredit:limit"]++;
            } else {
                _refused("exportCredit", reason, cutError);
            }
        }
    }

    /// The line's owner sends part (sometimes all) of the undrawn line home. Never blocked.
    function release(uint256 actorSeed, uint256 remoteSeed, uint256 amount) external atCurrentTime("release") {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _canRelease);
        if (actor == address(0)) {
            _skip("release");
            return;
        }
        CreditMirror mirror = mirrorOf[eid];
        address owner = mirror.ownerOf(actor);
        uint256 undrawn = mirror.undrawn(actor);
        amount = amount % 4 == 0 ? undrawn : _bound(amount, 1, undrawn);
        bytes memory cutError = _remoteCutError(eid);
        uint256 fee = _fee(mirror, MsgCodec.TYPE_RELEASE, cutError);
        vm.prank(owner);
        try mirror.release{ value: fee }(actor, SafeCast.toUint128(amount), "") returns (
            MessagingReceipt memory receipt
        ) {
            if (cutError.length != 0) cutDecisionMismatches++;
            ghostLine[actor][eid] -= amount;
            ghostReleaseInFlight[actor][eid] += amount;
            _pushRelease(receipt, eid, actor, amount);
        } catch (bytes memory reason) {
            _refused("release", reason, cutError);
        }
    }

    /// Anyone sends home what late grants parked. Never blocked.
    function returnParked(uint256 actorSeed, uint256 remoteSeed, uint256 callerSeed)
        external
        atCurrentTime("returnParked")
    {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _hasParked);
        if (actor == address(0)) {
            _skip("returnParked");
            return;
        }
        CreditMirror mirror = mirrorOf[eid];
        uint256 parked = mirror.parkedOf(actor);
        bytes memory cutError = _remoteCutError(eid);
        uint256 fee = _fee(mirror, MsgCodec.TYPE_RELEASE, cutError);
        vm.prank(_actor(callerSeed));
        try mirror.returnParked{ value: fee }(actor, "") returns (MessagingReceipt memory receipt) {
            if (cutError.length != 0) cutDecisionMismatches++;
            ghostParked[actor][eid] -= parked;
            ghostReleaseInFlight[actor][eid] += parked;
            _pushRelease(receipt, eid, actor, parked);
        } catch (bytes memory reason) {
            _refused("returnParked", reason, cutError);
        }
    }

    /// Anyone reports an account's drawn and line home with the next sequence number.
    function reportUsage(uint256 actorSeed, uint256 remoteSeed) external atCurrentTime("reportUsage") {
        address actor = _actor(actorSeed);
        uint32 eid = _remote(remoteSeed);
        CreditMirror mirror = mirrorOf[eid];
        bytes memory cutError = _remoteCutError(eid);
        uint256 fee = _fee(mirror, MsgCodec.TYPE_USAGE, cutError);
        vm.prank(actor);
        try mirror.reportUsage{ value: fee }(actor, "") returns (MessagingReceipt memory receipt) {
            if (cutError.length != 0) cutDecisionMismatches++;
            ICreditMirror.Line memory line = mirror.lineOf(actor);
            _pending.push(
                InFlight({
                    guid: receipt.guid,
                    nonce: receipt.nonce,
                    srcEid: eid,
                    dstEid: HOME,
                    kind: Kind.Usage,
                    account: actor,
                    receiver: address(0),
                    amount: line.drawn,
                    line: line.line,
                    stamp: line.usageSeq
                })
            );
        } catch (bytes memory reason) {
            _refused("reportUsage", reason, cutError);
        }
    }

    /// Anyone sends a HEARTBEAT to a remote.
    function sendHeartbeat(uint256 remoteSeed, uint256 callerSeed) external atCurrentTime("sendHeartbeat") {
        uint32 eid = _remote(remoteSeed);
        // A disabled remote still hears heartbeats; one without a peer cannot be sent to (nor quoted).
        bytes memory cutError = _homeCutError(eid);
        uint256 fee = cutError.length == 0 ? vault.quote(eid, MsgCodec.TYPE_HEARTBEAT, "").nativeFee : 0;
        vm.prank(_actor(callerSeed));
        try vault.sendHeartbeat{ value: fee }(eid, "") returns (MessagingReceipt memory receipt) {
            if (cutError.length != 0) cutDecisionMismatches++;
            _pending.push(
                InFlight({
                    guid: receipt.guid,
                    nonce: receipt.nonce,
                    srcEid: HOME,
                    dstEid: eid,
                    kind: Kind.Heartbeat,
                    account: address(0),
                    receiver: address(0),
                    amount: 0,
                    line: 0,
                    stamp: SafeCast.toUint64(currentTime)
                })
            );
        } catch (bytes memory reason) {
            _refused("sendHeartbeat", reason, cutError);
        }
    }

    // ================================================================== lending pools

    /// The line's owner borrows USDC for the account (authorising the pool first). Refused exactly
    /// when home has not been heard from within the heartbeat period.
    function borrow(uint256 actorSeed, uint256 remoteSeed, uint256 amount) external atCurrentTime("borrow") {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _canBorrow);
        if (actor == address(0)) {
            _skip("borrow");
            return;
        }
        CreditMirror mirror = mirrorOf[eid];
        CreditLendingPool pool = poolOf[eid];
        address owner = mirror.ownerOf(actor);
        uint256 maxUnits = _borrowable(mirror, pool, actor);
        amount = _bound(amount, 1, maxUnits);
        if (!mirror.isConsumerAuthorized(actor, address(pool))) {
            vm.prank(owner);
            mirror.setConsumerAuthorization(actor, address(pool), true);
        }
        bool stale = currentTime > ghostLastHeartbeat[eid] + mirror.heartbeatPeriod();
        vm.prank(owner);
        try pool.borrow(actor, amount, owner) {
            ghostDrawn[actor][eid] += amount * CREDIT_PER_USDC;
            if (stale) heartbeatGateMismatches++;
        } catch (bytes memory reason) {
            if (_selector(reason) != ICreditMirror.Mirror_HeartbeatStale.selector) {
                _unexpected("borrow", reason);
            } else if (!stale) {
                heartbeatGateMismatches++;
            } else {
                skips["borrow:stale"]++;
            }
        }
    }

    /// The actor repays up to 110% of the debt; interest first, then principal, whose credit is restored.
    function repay(uint256 actorSeed, uint256 remoteSeed, uint256 amount) external atCurrentTime("repay") {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _hasDebt);
        if (actor == address(0)) {
            _skip("repay");
            return;
        }
        CreditLendingPool pool = poolOf[eid];
        (uint256 interestDue, uint256 principal) = _debt(pool, actor);
        uint256 debt = interestDue + principal;
        amount = _bound(amount, 1, debt + debt / 10);
        uint256 interestPaid = Math.min(amount, interestDue);
        uint256 principalPaid = Math.min(amount - interestPaid, principal);
        TestToken(address(pool.asset())).mint(actor, amount);
        CreditMirror mirror = mirrorOf[eid];
        uint256 drawnBefore = mirror.lineOf(actor).drawn;
        vm.prank(actor);
        try pool.repay(actor, amount) returns (uint256 paid) {
            ghostDrawn[actor][eid] -= principalPaid * CREDIT_PER_USDC;
            if (paid != interestPaid + principalPaid) repayMismatches++;
            if (drawnBefore - mirror.lineOf(actor).drawn != principalPaid * CREDIT_PER_USDC) repayMismatches++;
        } catch (bytes memory reason) {
            _unexpected("repay", reason);
        }
    }

    // ================================================================== liquidation

    /// The account recalls part of its undrawn credit on a remote it exported to.
    function recall(uint256 actorSeed, uint256 remoteSeed, uint256 amount) external atCurrentTime("recall") {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _hasExported);
        if (actor == address(0)) {
            _skip("recall");
            return;
        }
        amount = _bound(amount, 1, vault.exportedTo(actor, eid));
        // A recall is no flag: it goes to a disabled remote, and cannot go to one without a peer.
        bytes memory cutError = _homeCutError(eid);
        vm.recordLogs();
        vm.prank(actor);
        try vault.recall{ value: 1 ether }(actor, eid, SafeCast.toUint128(amount), "") {
            if (cutError.length != 0) cutDecisionMismatches++;
            _pushNotices(actor, Kind.Recall, amount, _bit(eid), 0);
        } catch (bytes memory reason) {
            _refused("recall", reason, cutError);
        }
    }

    /// Anyone flags an account (again, if it is flagged and still unhealthy): it must succeed exactly when home
    /// health at the feeds' prices is below 1. Every remote the account has credit exported to is told, except a
    /// cut one, which is skipped (rule L-12); a re-flag keeps the remotes told before for the `CLEAR`. It flags,
    /// from the seed on, the first actor the handler's own health model finds under 1 (so flags, and the cuts they
    /// meet, are not left to the odds of picking that actor), or the seed's actor when none is (a flag that must
    /// be refused).
    function flag(uint256 actorSeed, uint256 callerSeed) external atCurrentTime("flag") {
        actorSeed %= actors.length;
        address actor = _actor(actorSeed);
        (uint256 weighted, uint256 exported) = _liquidationValues(actor);
        for (uint256 k = 1; k < actors.length && weighted >= exported; ++k) {
            (uint256 otherWeighted, uint256 otherExported) = _liquidationValues(_actor(actorSeed + k));
            if (otherWeighted < otherExported) {
                (actor, weighted, exported) = (_actor(actorSeed + k), otherWeighted, otherExported);
            }
        }
        bool expected = weighted < exported;
        uint256 exportedMask;
        for (uint256 j; j < remotes.length; ++j) {
            if (ghostExported[actor][remotes[j]] != 0) exportedMask |= uint256(1) << j;
        }
        bool reflag = vault.epochOf(actor) & 1 == 1;
        vm.recordLogs();
        vm.prank(_actor(callerSeed));
        try vault.flag{ value: 1 ether }(actor, "") {
            if (!expected) flagDecisionMismatches++;
            flags++;
            uint256 told = exportedMask & _notifiable();
            _pushNotices(actor, Kind.Liquidatable, 0, told, exportedMask & ~told);
            ghostFlaggedRemotes[actor] = reflag ? ghostFlaggedRemotes[actor] | told : told;
        } catch (bytes memory reason) {
            if (_selector(reason) != ICollateralVault.Vault_AccountHealthy.selector) _unexpected("flag", reason);
            else if (expected) flagDecisionMismatches++;
            else skips["flag:healthy"]++;
        }
    }

    /// Anyone clears a flagged account: it must succeed exactly when its health is at least 1 again. The `CLEAR`
    /// goes to every remote the flagged period told, except a cut one: that line stays flagged until the account's
    /// next flag and clear (docs/PROTOCOL.md L-12), and the notice ghosts see no message for it.
    function clear(uint256 actorSeed) external atCurrentTime("clear") {
        // The first flagged actor from the seed on.
        actorSeed %= actors.length;
        address actor;
        for (uint256 k; k < actors.length && actor == address(0); ++k) {
            if (vault.epochOf(_actor(actorSeed + k)) & 1 == 1) actor = _actor(actorSeed + k);
        }
        if (actor == address(0)) {
            _skip("clear");
            return;
        }
        // `clear` counts an asset without a usable liquidation price as nothing (rule L-11).
        uint256[2] memory amounts = [vault.collateralOf(actor, address(weth)), vault.collateralOf(actor, address(wbtc))];
        uint256 weighted = _stressed(amounts, [_liquidationPriced(weth), _liquidationPriced(wbtc)], true);
        bool expected = weighted >= vault.totalExported(actor);
        vm.recordLogs();
        try vault.clear{ value: 1 ether }(actor, "") {
            if (!expected) flagDecisionMismatches++;
            uint256 flagged = ghostFlaggedRemotes[actor];
            uint256 told = flagged & _notifiable();
            _pushNotices(actor, Kind.Clear, 0, told, flagged & ~told);
            delete ghostFlaggedRemotes[actor];
        } catch (bytes memory reason) {
            if (_selector(reason) != ICollateralVault.Vault_StillUnhealthy.selector) _unexpected("clear", reason);
            else if (expected) flagDecisionMismatches++;
            else skips["clear:unhealthy"]++;
        }
    }

    /// The liquidator repays part (sometimes all) of what the close factor allows on a flagged line, in
    /// the pool's USDC, asking for WETH, WBTC or the vault's order.
    function liquidate(uint256 actorSeed, uint256 remoteSeed, uint256 amount, uint256 assetSeed)
        external
        atCurrentTime("liquidate")
    {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _canLiquidate);
        if (actor == address(0)) {
            _skip("liquidate");
            return;
        }
        CreditLendingPool pool = poolOf[eid];
        (uint256 principal,,) = _loan(pool, actor);
        uint256 units = Math.min(mirrorOf[eid].repayableOf(actor) / CREDIT_PER_USDC, principal);
        amount = amount % 3 == 0 ? units : _bound(amount, 1, units);
        address asset = assetSeed % 3 == 0 ? address(weth) : assetSeed % 3 == 1 ? address(wbtc) : address(0);
        TestToken(address(pool.asset())).mint(liquidator, amount);
        // A mirror without its peer cannot send the SEIZE, so the repayment is refused with it (liquidation at
        // home never waits on it: `flag`, `clear` and the SEIZEs already sent go on).
        bytes memory cutError = _remoteCutError(eid);
        uint256 fee = _fee(mirrorOf[eid], MsgCodec.TYPE_SEIZE, cutError);
        uint32 epoch = mirrorOf[eid].lineOf(actor).epoch;
        vm.recordLogs();
        vm.prank(liquidator);
        try pool.liquidate{ value: fee }(actor, amount, liquidator, asset, "") {
            if (cutError.length != 0) cutDecisionMismatches++;
            _liquidated(actor, eid, amount * CREDIT_PER_USDC, asset, epoch);
        } catch (bytes memory reason) {
            _refused("liquidate", reason, cutError);
        }
    }

    /// Follows a liquidation of `credit` on `eid` in the ghosts and records its SEIZE as in flight.
    function _liquidated(address actor, uint32 eid, uint256 credit, address asset, uint32 epoch) internal {
        liquidations++;
        ghostDrawn[actor][eid] -= credit;
        ghostLine[actor][eid] -= credit;
        ghostSeizeInFlight[actor][eid] += credit;
        (bytes32 guid, uint64 nonce) = _sentGuid(address(mirrorOf[eid]));
        _pending.push(
            InFlight({
                guid: guid,
                nonce: nonce,
                srcEid: eid,
                dstEid: HOME,
                kind: Kind.Seize,
                account: actor,
                receiver: asset,
                amount: SafeCast.toUint128(credit),
                line: 0,
                stamp: epoch
            })
        );
    }

    /// Anyone reports what an account without collateral still has exported to a remote.
    function reportBadDebt(uint256 actorSeed, uint256 remoteSeed) external atCurrentTime("reportBadDebt") {
        (address actor, uint32 eid) = _pick(actorSeed, remoteSeed, _hasBadDebt);
        if (actor == address(0)) {
            _skip("reportBadDebt");
            return;
        }
        uint256 amount = vault.exportedTo(actor, eid);
        bytes memory cutError = _homeCutError(eid);
        vm.recordLogs();
        try vault.reportBadDebt{ value: 1 ether }(actor, eid, "") {
            if (cutError.length != 0) cutDecisionMismatches++;
            _pushNotices(actor, Kind.BadDebt, amount, _bit(eid), 0);
        } catch (bytes memory reason) {
            _refused("reportBadDebt", reason, cutError);
        }
    }

    /// A crash: one price falls by 20% … 60%, down to its floor.
    function crash(uint256 assetSeed, uint256 depthBps) external atCurrentTime("crash") {
        (MockAggregator feed, int256 min) = assetSeed % 2 == 0 ? (wethFeed, WETH_MIN) : (wbtcFeed, WBTC_MIN);
        (, int256 answer,,,) = feed.latestRoundData();
        int256 next = answer * SafeCast.toInt256(10_000 - _bound(depthBps, 2000, 6000)) / 10_000;
        feed.setAnswer(next < min ? min : next);
    }

    // ================================================================== world

    /// Moves one price by −20% … +20%, kept inside its range.
    function movePrice(uint256 assetSeed, uint256 moveBps) external atCurrentTime("movePrice") {
        (MockAggregator feed, int256 min, int256 max) =
            assetSeed % 2 == 0 ? (wethFeed, WETH_MIN, WETH_MAX) : (wbtcFeed, WBTC_MIN, WBTC_MAX);
        (, int256 answer,,,) = feed.latestRoundData();
        int256 factor = SafeCast.toInt256(8000 + _bound(moveBps, 0, 4000));
        int256 next = answer * factor / 10_000;
        feed.setAnswer(next < min ? min : next > max ? max : next);
    }

    /// Lets one feed go stale (its answer older than the oracle's heartbeat) until the next price move or
    /// warp: exports and withdrawals must then count that asset for nothing (rule V-2a), never more.
    function staleFeed(uint256 assetSeed) external atCurrentTime("staleFeed") {
        (TestToken token, MockAggregator feed) = assetSeed % 2 == 0 ? (weth, wethFeed) : (wbtc, wbtcFeed);
        feed.setUpdatedAt(currentTime - vault.oracle().feed(address(token)).heartbeat - 1);
    }

    /// Lets one feed die: its answer older than heartbeat + the liquidation tolerance, until the next price move or
    /// warp. Nothing may freeze (rule L-11): flag and the SEIZE bonus use the last answer, clear counts the asset as
    /// nothing, a SEIZE pays out of the other asset, exports and withdrawals count it for nothing.
    function deadFeed(uint256 assetSeed) external atCurrentTime("deadFeed") {
        (TestToken token, MockAggregator feed) = assetSeed % 2 == 0 ? (weth, wethFeed) : (wbtc, wbtcFeed);
        uint256 limit = vault.oracle().feed(address(token)).heartbeat + vault.liquidationConfig().priceTolerance;
        feed.setUpdatedAt(currentTime - limit - 1);
    }

    /// The risk admin's queue (rule L-13): queue a correlation within one step of the one in force and, now and then,
    /// a depth of WETH or WBTC within its step (×2 either way; a first depth at least half the value the vault holds
    /// of the asset at its fresh price), the guardian cancels it, or anyone applies it — now, or after waiting out
    /// the risk delay (time moves as `warp` moves it, so applies are not left to the rare multi-day warps). Queue
    /// and cancel never revert, except that a first depth needs a fresh price; apply goes through exactly when the
    /// update is ready and its steps still hold (a first depth is checked again against the holdings then).
    function riskUpdate(uint256 action, uint256 correlationSeed, uint256 depthSeed)
        external
        atCurrentTime("riskUpdate")
    {
        action %= 4;
        if (action == 0 && !_riskQueued) {
            _queueRiskUpdate(correlationSeed, depthSeed);
        } else if (action == 1 && _riskQueued) {
            vm.prank(vault.guardian());
            try vault.cancelRiskUpdate(_riskId) {
                _riskQueued = false;
            } catch (bytes memory reason) {
                _unexpected("riskUpdate:cancel", reason);
            }
        } else if (action >= 2 && _riskQueued) {
            if (action == 3 && currentTime < _riskReadyAt) _moveTime(_riskReadyAt - currentTime);
            _applyRiskUpdate();
        } else {
            _skip("riskUpdate");
        }
    }

    function _queueRiskUpdate(uint256 correlationSeed, uint256 depthSeed) internal {
        (uint16 current,) = vault.riskOf(address(weth), address(wbtc));
        uint256 low = Math.max(VaultRisk.MIN_CORRELATION_BPS, (uint256(current) + 1) / 2);
        uint256 high = Math.min(10_000, uint256(current) * 2);
        _riskUpdate.correlations[0].correlationBps = uint16(_bound(correlationSeed, low, high));
        delete _riskUpdate.depths;
        bytes memory refusal;
        if (depthSeed % 3 != 0) {
            TestToken asset = depthSeed % 3 == 1 ? weth : wbtc;
            uint256 depth = ghostDepthThousands[address(asset)];
            if (depth != 0) {
                depth = _bound(depthSeed, (depth + 1) / 2, depth * 2);
            } else if (_fresh(asset)) {
                // Half the value held, in thousands of USD, rounded up: the smallest first depth allowed.
                uint256 least = Math.max(1, Math.ceilDiv(_heldValue(asset), VaultRisk.MAX_STEP_FACTOR * DEPTH_UNIT));
                depth = _bound(depthSeed, least, least * 4);
            } else {
                depth = 1;
                refusal = _staleError(asset);
            }
            _riskUpdate.depths.push(ICollateralVault.DepthUpdate(address(asset), SafeCast.toUint40(depth)));
        }
        vm.prank(vault.owner()); // the risk admin (named in setUp)
        try vault.queueRiskUpdate(_riskUpdate) returns (bytes32 id) {
            (_riskQueued, _riskId, _riskReadyAt) = (true, id, currentTime + VaultRisk.RISK_UPDATE_DELAY);
            if (refusal.length != 0) _unexpected("riskUpdate:queueUnpriced", "");
        } catch (bytes memory reason) {
            if (refusal.length != 0 && keccak256(reason) == keccak256(refusal)) skips["riskUpdate:unpriced"]++;
            else _unexpected("riskUpdate:queue", reason);
        }
    }

    /// Applies the queued update; it must fail exactly when not ready (`Vault_RiskUpdateNotReady`) or when a first
    /// depth no longer holds: the price gone stale (the oracle's error) or the holdings grown past twice the depth
    /// (`Vault_DepthStepTooLarge`). Then the depths and correlation in force are the update's.
    function _applyRiskUpdate() internal {
        bytes4 expected;
        ICollateralVault.DepthUpdate memory depth;
        bool first;
        if (_riskUpdate.depths.length != 0) {
            depth = _riskUpdate.depths[0];
            first = ghostDepthThousands[depth.asset] == 0;
        }
        if (currentTime < _riskReadyAt) {
            expected = ICollateralVault.Vault_RiskUpdateNotReady.selector;
        } else if (first && !_fresh(TestToken(depth.asset))) {
            expected = IOracleAdapter.Oracle_StalePrice.selector;
        } else if (
            first
                && uint256(depth.depthThousands) * DEPTH_UNIT * VaultRisk.MAX_STEP_FACTOR
                    < _heldValue(TestToken(depth.asset))
        ) {
            expected = ICollateralVault.Vault_DepthStepTooLarge.selector;
        }
        try vault.applyRiskUpdate(_riskUpdate) {
            _riskQueued = false;
            riskUpdatesApplied++;
            if (expected != bytes4(0)) _unexpected("riskUpdate:applied", "");
            if (depth.asset != address(0)) {
                ghostDepthThousands[depth.asset] = depth.depthThousands;
                depthUpdatesApplied++;
            }
            (uint16 correlation,) = vault.riskOf(address(weth), address(wbtc));
            (, uint40 wethDepth) = vault.riskOf(address(weth), address(weth));
            (, uint40 wbtcDepth) = vault.riskOf(address(wbtc), address(wbtc));
            if (
                correlation != _riskUpdate.correlations[0].correlationBps
                    || wethDepth != ghostDepthThousands[address(weth)]
                    || wbtcDepth != ghostDepthThousands[address(wbtc)]
            ) _unexpected("riskUpdate:effect", "");
        } catch (bytes memory reason) {
            if (expected == bytes4(0) || _selector(reason) != expected) _unexpected("riskUpdate:apply", reason);
            else skips["riskUpdate:refused"]++;
        }
    }

    /// Whether `asset`'s feed answered within its heartbeat (what `IOracleAdapter.price` requires).
    function _fresh(TestToken asset) internal view returns (bool) {
        MockAggregator feed = asset == weth ? wethFeed : wbtcFeed;
        (,,, uint256 updatedAt,) = feed.latestRoundData();
        return currentTime <= updatedAt + vault.oracle().feed(address(asset)).heartbeat;
    }

    /// The oracle's error for `asset`'s stale feed.
    function _staleError(TestToken asset) internal view returns (bytes memory) {
        MockAggregator feed = asset == weth ? wethFeed : wbtcFeed;
        (,,, uint256 updatedAt,) = feed.latestRoundData();
        return abi.encodeWithSelector(
            IOracleAdapter.Oracle_StalePrice.selector,
            address(asset),
            updatedAt,
            vault.oracle().feed(address(asset)).heartbeat
        );
    }

    /// What the vault holds of `asset` (deposits, donations, claimable payments) at the feed's price, rounded down.
    function _heldValue(TestToken asset) internal view returns (uint256) {
        MockAggregator feed = asset == weth ? wethFeed : wbtcFeed;
        return Math.mulDiv(asset.balanceOf(address(vault)), _price(feed), 10 ** uint256(asset.decimals()));
    }

    /// Moves time: mostly minutes, sometimes hours (grants in flight expire after an hour), now and
    /// then days (the heartbeat period lapses). Feeds are re-dated so prices stay fresh.
    function warp(uint256 seconds_) external atCurrentTime("warp") {
        uint256 kind = seconds_ % 10;
        if (kind == 0) _moveTime(_bound(seconds_, 1 days, 3 days));
        else if (kind < 3) _moveTime(_bound(seconds_, 1 hours, 3 hours));
        else _moveTime(_bound(seconds_, 1 minutes, 30 minutes));
    }

    /// Moves the handler's time on by `elapsed` seconds and re-dates the feeds at their answers.
    function _moveTime(uint256 elapsed) internal {
        currentTime += elapsed;
        vm.warp(currentTime);
        (, int256 wethAnswer,,,) = wethFeed.latestRoundData();
        (, int256 wbtcAnswer,,,) = wbtcFeed.latestRoundData();
        wethFeed.setAnswer(wethAnswer);
        wbtcFeed.setAnswer(wbtcAnswer);
    }

    // ================================================================== incident response

    /// Governance cuts one remote (none is cut yet): the vault's peer unset, the mirror's, the remote disabled, or
    /// all three. Until restored, sends over a cut peer are refused with `NoPeer` and exports to a disabled remote
    /// with `Vault_RemoteDisabled`; `flag` and `clear` skip a remote the vault cannot tell (rule L-12); packets
    /// already in flight through a cut peer stay pending, retryable on their endpoint.
    function cutRemote(uint256 remoteSeed, uint256 kindSeed) external atCurrentTime("cutRemote") {
        if (cutEid != 0) {
            _skip("cutRemote");
            return;
        }
        uint32 eid = _remote(remoteSeed);
        Cut kind = Cut(1 + kindSeed % 4);
        (cutEid, cutKind) = (eid, kind);
        cuts++;
        _wire(eid, kind == Cut.MirrorPeer || kind == Cut.Disabled, kind == Cut.VaultPeer || kind == Cut.Disabled);
        _enable(eid, kind != Cut.Disabled && kind != Cut.Isolated);
    }

    /// Governance restores the cut remote: both peers set again and the remote enabled; whatever waited at the cut
    /// can be delivered.
    function restoreRemote() external atCurrentTime("restoreRemote") {
        if (cutEid == 0) {
            _skip("restoreRemote");
            return;
        }
        _wire(cutEid, true, true);
        _enable(cutEid, true);
        (cutEid, cutKind) = (0, Cut.None);
    }

    /// Sets or unsets the vault's peer for `eid` and the mirror's peer for home, as their owner.
    function _wire(uint32 eid, bool vaultPeer, bool mirrorPeer) internal {
        CreditMirror mirror = mirrorOf[eid];
        vm.prank(vault.owner());
        vault.setPeer(eid, vaultPeer ? bytes32(uint256(uint160(address(mirror)))) : bytes32(0));
        vm.prank(mirror.owner());
        mirror.setPeer(HOME, mirrorPeer ? bytes32(uint256(uint160(address(vault)))) : bytes32(0));
    }

    function _enable(uint32 eid, bool enabled) internal {
        ICollateralVault.RemoteConfig memory config = vault.remoteConfig(eid);
        config.enabled = enabled;
        vm.prank(vault.owner());
        vault.configureRemote(eid, config);
    }

    // ================================================================== courier

    /// Delivers one pending packet chosen at random.
    function deliver(uint256 seed) external atCurrentTime("deliver") {
        _deliver(seed);
    }

    /// Delivers one to four pending packets chosen at random.
    function deliverBatch(uint256 seed, uint256 count) external atCurrentTime("deliverBatch") {
        count = _bound(count, 1, 4);
        for (uint256 i; i < count; ++i) {
            _deliver(uint256(keccak256(abi.encode(seed, i))));
        }
    }

    /// Tries to verify and execute a delivered packet again: it must not get through, nor change anything.
    function replay(uint256 seed) external atCurrentTime("replay") {
        if (_delivered.length == 0) {
            _skip("replay");
            return;
        }
        InFlight memory packet = _delivered[seed % _delivered.length];
        Snapshot memory before = _snapshot(packet);
        if (courier.replayPacket(packet.guid)) replaysApplied++;
        if (!_same(before, _snapshot(packet))) deliveryEffectMismatches++;
    }

    // ================================================================== views for the invariants

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function remoteCount() external view returns (uint256) {
        return remotes.length;
    }

    function pendingCount() external view returns (uint256) {
        return _pending.length;
    }

    function deliveredCount() external view returns (uint256) {
        return _delivered.length;
    }

    function pendingAt(uint256 index) external view returns (InFlight memory) {
        return _pending[index];
    }

    function ghostUsage(address account, uint32 eid) external view returns (ICollateralVault.Usage memory) {
        return _ghostUsage[account][eid];
    }

    // ================================================================== internals

    /// Verifies every pending packet of the same path with a lower nonce (the endpoint executes nonce n
    /// only once 1 … n are verified), then executes the chosen one alone.
    function _deliver(uint256 seed) internal {
        uint256 count = _pending.length;
        if (count == 0) {
            _skip("deliver");
            return;
        }
        uint256 index = seed % count;
        InFlight memory packet = _pending[index];
        bool overtakes;
        for (uint256 i; i < count; ++i) {
            InFlight storage other = _pending[i];
            if (other.srcEid == packet.srcEid && other.dstEid == packet.dstEid && other.nonce < packet.nonce) {
                courier.deliverPacket(other.guid, false);
                overtakes = true;
            }
        }
        if (!_pathOpen(packet)) {
            _holdAtCut(packet);
            return;
        }
        Snapshot memory before = _snapshot(packet);
        // A SEIZE is judged against home health just before it lands (rule 5).
        (uint256 weighted, uint256 exported) =
            packet.kind == Kind.Seize ? _liquidationValues(packet.account) : (uint256(0), uint256(0));
        bool unhealthyBefore = weighted < exported;
        uint256[2] memory liquidatorBefore = [weth.balanceOf(liquidator), wbtc.balanceOf(liquidator)];
        _liquidatorBefore = liquidatorBefore;
        (bool executed, bytes memory reason) = courier.deliverPacket(packet.guid, true);
        if (!executed) {
            deliveryReverts++;
            lastDeliveryRevert = reason;
            if (!_retryable(packet)) notRetryable++;
            if (!_same(before, _snapshot(packet))) deliveryEffectMismatches++;
            return;
        }
        if (++timesApplied[packet.guid] > 1) duplicateApplications++;
        if (overtakes) outOfOrderDeliveries++;
        _pending[index] = _pending[count - 1];
        _pending.pop();
        _delivered.push(packet);
        if (packet.kind == Kind.Grant) _appliedGrant(packet, before);
        else if (packet.kind == Kind.Release) _appliedRelease(packet, before);
        else if (packet.kind == Kind.Usage) _appliedUsage(packet, before);
        else if (packet.kind == Kind.Heartbeat) _appliedHeartbeat(packet, before);
        else if (packet.kind == Kind.Seize) _appliedSeize(packet, before, unhealthyBefore);
        else _appliedNotice(packet, before);
    }

    /// A packet to or from a cut peer: its receiver refuses it (the OApp checks the peer: `NoPeer`) and changes
    /// nothing, and the endpoint keeps it to execute once the peer is back (rule 7). On a path the receiver never
    /// opened, the endpoint refuses to verify it (no peer to initialise the path with) and the courier keeps it.
    function _holdAtCut(InFlight memory packet) internal {
        heldAtCut++;
        Snapshot memory before = _snapshot(packet);
        courier.deliverPacket(packet.guid, false);
        if (_retryable(packet)) {
            (bool executed, bytes memory reason) = courier.deliverPacket(packet.guid, true);
            if (
                executed
                    || keccak256(reason) != keccak256(abi.encodeWithSelector(IOAppCore.NoPeer.selector, packet.srcEid))
            ) {
                cutDecisionMismatches++;
                lastDeliveryRevert = reason;
            }
            if (!_retryable(packet)) notRetryable++;
        } else {
            skips["deliver:unverifiedAtCut"]++;
        }
        if (!_same(before, _snapshot(packet))) deliveryEffectMismatches++;
    }

    function _appliedGrant(InFlight memory packet, Snapshot memory before) internal {
        (address account, uint32 eid, uint256 amount) = (packet.account, packet.dstEid, packet.amount);
        ghostGrantInFlight[account][eid] -= amount;
        Snapshot memory afterwards = _snapshot(packet);
        if (currentTime > packet.stamp || before.lineEpoch & 1 == 1) {
            // Late, or to a flagged line: parked to go home, never credited.
            if (currentTime > packet.stamp) lateGrants++;
            ghostParked[account][eid] += amount;
            if (afterwards.parked != before.parked + amount || afterwards.line != before.line) lateGrantMismatches++;
        } else {
            ghostLine[account][eid] += amount;
            if (afterwards.line != before.line + amount || afterwards.parked != before.parked) lateGrantMismatches++;
            if (afterwards.owner != packet.receiver) deliveryEffectMismatches++;
        }
        // A grant is no heartbeat (rule M-5).
        if (afterwards.lastHeartbeat != before.lastHeartbeat) deliveryEffectMismatches++;
    }

    function _appliedRelease(InFlight memory packet, Snapshot memory before) internal {
        (address account, uint32 eid, uint256 amount) = (packet.account, packet.srcEid, packet.amount);
        ghostReleaseInFlight[account][eid] -= amount;
        ghostExported[account][eid] -= amount;
        Snapshot memory afterwards = _snapshot(packet);
        if (
            afterwards.exported != before.exported - amount || afterwards.totalExported != before.totalExported - amount
                || afterwards.remoteExported != before.remoteExported - amount
        ) deliveryEffectMismatches++;
    }

    function _appliedUsage(InFlight memory packet, Snapshot memory before) internal {
        ICollateralVault.Usage storage ghost = _ghostUsage[packet.account][packet.srcEid];
        Snapshot memory afterwards = _snapshot(packet);
        if (packet.stamp > ghost.seq) {
            (ghost.drawn, ghost.line, ghost.seq) = (packet.amount, packet.line, packet.stamp);
            if (
                afterwards.usageSeq != packet.stamp || afterwards.usageDrawn != packet.amount
                    || afterwards.usageLine != packet.line
            ) deliveryEffectMismatches++;
        } else {
            // An older report arriving late is ignored.
            staleUsageReports++;
            if (!_same(before, afterwards)) deliveryEffectMismatches++;
        }
    }

    function _appliedHeartbeat(InFlight memory packet, Snapshot memory before) internal {
        uint32 eid = packet.dstEid;
        // Counted from the home timestamp, never from arrival (rule M-5).
        if (packet.stamp > ghostLastHeartbeat[eid]) ghostLastHeartbeat[eid] = packet.stamp;
        Snapshot memory afterwards = _snapshot(packet);
        if (afterwards.lastHeartbeat != ghostLastHeartbeat[eid]) deliveryEffectMismatches++;
        if (afterwards.line != before.line || afterwards.exported != before.exported) deliveryEffectMismatches++;
    }

    /// A SEIZE landed: the repaid credit left home's books; the liquidator was paid at most repaid × (1 + bonus)
    /// (at par unless the seize's epoch is current and home health was below 1 just before), from the account.
    function _appliedSeize(InFlight memory packet, Snapshot memory before, bool unhealthyBefore) internal {
        (address account, uint32 eid, uint256 repaid) = (packet.account, packet.srcEid, packet.amount);
        ghostSeizeInFlight[account][eid] -= repaid;
        ghostExported[account][eid] -= repaid;
        Snapshot memory afterwards = _snapshot(packet);
        if (
            afterwards.exported != before.exported - repaid || afterwards.totalExported != before.totalExported - repaid
                || afterwards.remoteExported != before.remoteExported - repaid
        ) deliveryEffectMismatches++;
        uint256 paidWeth = weth.balanceOf(liquidator) - _liquidatorBefore[0];
        uint256 paidWbtc = wbtc.balanceOf(liquidator) - _liquidatorBefore[1];
        if (
            before.collateralWeth - afterwards.collateralWeth != paidWeth
                || before.collateralWbtc - afterwards.collateralWbtc != paidWbtc
        ) unfairSeizures++;
        ghostSeized[address(weth)] += paidWeth;
        ghostSeized[address(wbtc)] += paidWbtc;
        bool withBonus =
            vault.epochOf(account) & 1 == 1 && packet.stamp >= vault.flaggedSinceOf(account) && unhealthyBefore;
        if (withBonus) bonusSeizures++;
        else parSeizures++;
        // Credit the payment covers: each asset's value ÷ (1 + its bonus), never more than what was repaid.
        (uint256 wethPrice, uint256 wbtcPrice) = (_price(wethFeed), _price(wbtcFeed));
        uint256 covered = _covered(paidWeth * wethPrice / 1e18, withBonus ? WETH_BONUS_BPS : 0)
            + _covered(paidWbtc * wbtcPrice / 1e8, withBonus ? WBTC_BONUS_BPS : 0);
        if (covered > repaid) {
            unfairSeizures++;
            lastUnfairSeizeValue = covered;
        }
    }

    /// `value` ÷ (1 + bonus), rounded down.
    function _covered(uint256 value, uint256 bonusBps) internal pure returns (uint256) {
        return value * 10_000 / (10_000 + bonusBps);
    }

    /// A RECALL, LIQUIDATABLE, CLEAR or BAD_DEBT landed on a remote: check its effect, follow it in the ghosts.
    function _appliedNotice(InFlight memory packet, Snapshot memory before) internal {
        (address account, uint32 eid) = (packet.account, packet.dstEid);
        Snapshot memory afterwards = _snapshot(packet);
        uint256 expectedLine = before.line;
        uint256 expectedDrawn = before.drawn;
        uint32 expectedEpoch = before.lineEpoch;
        if (packet.kind == Kind.Recall) {
            expectedLine -= Math.min(packet.amount, before.line - before.drawn);
        } else if (packet.kind == Kind.Liquidatable || packet.kind == Kind.Clear) {
            if (packet.stamp > before.lineEpoch) {
                // forge-lint: disable-next-line(unsafe-typecast)
                expectedEpoch = uint32(packet.stamp);
                if (packet.kind == Kind.Liquidatable) {
                    expectedLine = before.drawn;
                    if (afterwards.repayable != before.drawn * 5000 / 10_000) noticeEffectMismatches++;
                } else if (afterwards.repayable != 0) {
                    noticeEffectMismatches++;
                }
            } else {
                staleNotices++;
            }
        } else {
            uint256 writtenOff = Math.min(packet.amount, before.drawn);
            expectedDrawn -= writtenOff;
            expectedLine = expectedDrawn;
            ghostDrawn[account][eid] -= writtenOff;
            if (writtenOff != 0) badDebtWriteOffs++;
        }
        if (
            afterwards.line != expectedLine || afterwards.drawn != expectedDrawn
                || afterwards.lineEpoch != expectedEpoch
                || afterwards.parked != before.parked + (before.line - expectedLine)
        ) noticeEffectMismatches++;
        ghostLine[account][eid] = ghostLine[account][eid] + afterwards.line - before.line;
        ghostParked[account][eid] += afterwards.parked - before.parked;
        if (afterwards.exported != before.exported) deliveryEffectMismatches++;
    }

    /// Records the notices the last recorded call made the vault send (one per remote, from `NoticeSent`), and
    /// checks it sent one to each remote of `toldMask` and a `NoticeSkipped` for each of `skippedMask`, nothing else
    /// (bit j: `remotes[j]`; rule L-12).
    function _pushNotices(address account, Kind kind, uint256 amount, uint256 toldMask, uint256 skippedMask) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 sent;
        uint256 skipped;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(vault)) continue;
            if (logs[i].topics[0] == ICollateralVault.NoticeSkipped.selector) {
                uint256 bit = _bit(uint32(uint256(logs[i].topics[2])));
                if (skipped & bit != 0) noticeSkipMismatches++;
                skipped |= bit;
                noticesSkipped++;
                continue;
            }
            if (logs[i].topics[0] != ICollateralVault.NoticeSent.selector) continue;
            uint32 eid = uint32(uint256(logs[i].topics[2]));
            if (sent & _bit(eid) != 0) noticeSkipMismatches++;
            sent |= _bit(eid);
            (uint32 epoch,, bytes32 guid) = abi.decode(logs[i].data, (uint32, uint256, bytes32));
            _pending.push(
                InFlight({
                    guid: guid,
                    nonce: _outboundNonce(address(vault), eid, address(mirrorOf[eid])),
                    srcEid: HOME,
                    dstEid: eid,
                    kind: kind,
                    account: account,
                    receiver: address(0),
                    amount: SafeCast.toUint128(amount),
                    line: 0,
                    stamp: epoch
                })
            );
        }
        if (sent != toldMask || skipped != skippedMask) noticeSkipMismatches++;
    }

    /// The guid and nonce of the SEIZE the last recorded call made `mirror` send.
    function _sentGuid(address mirror) internal returns (bytes32 guid, uint64 nonce) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == mirror && logs[i].topics[0] == ICreditMirror.Liquidated.selector) {
                (,,,, guid) = abi.decode(logs[i].data, (uint128, address, uint32, uint64, bytes32));
            }
        }
        nonce = _outboundNonce(mirror, HOME, address(vault));
    }

    function _outboundNonce(address sender, uint32 dstEid, address receiver) internal view returns (uint64) {
        return
            CreditMirror(payable(sender)).endpoint().outboundNonce(sender, dstEid, bytes32(uint256(uint160(receiver))));
    }

    /// Collateral value × liquidation threshold with the portfolio term, at the feeds' prices (what `flag`,
    /// `clear` and a SEIZE judge by: a feed just past its heartbeat is still within the liquidation tolerance),
    /// and total exported.
    function _liquidationValues(address actor) internal view returns (uint256 weighted, uint256 exported) {
        uint256[2] memory amounts = [vault.collateralOf(actor, address(weth)), vault.collateralOf(actor, address(wbtc))];
        weighted = _stressed(amounts, [true, true], true);
        exported = vault.totalExported(actor);
    }

    /// `RiskMath.stressedValueDown` over the assets held (`amounts`) whose price counts (`counts`), computed
    /// here from the feeds, the configs, the depths the handler applied and the correlation in force: haircut
    /// 10,000 − LTV, or − threshold.
    function _stressed(uint256[2] memory amounts, bool[2] memory counts, bool atThreshold)
        internal
        view
        returns (uint256)
    {
        TestToken[2] memory assets = [weth, wbtc];
        MockAggregator[2] memory feeds = [wethFeed, wbtcFeed];
        uint256 n;
        for (uint256 i; i < 2; ++i) {
            if (amounts[i] != 0 && counts[i]) ++n;
        }
        uint256[] memory values = new uint256[](n);
        uint16[] memory haircuts = new uint16[](n);
        uint256[] memory depths = new uint256[](n);
        uint256 k;
        for (uint256 i; i < 2; ++i) {
            if (amounts[i] == 0 || !counts[i]) continue;
            ICollateralVault.AssetConfig memory config = vault.assetConfig(address(assets[i]));
            values[k] = amounts[i] * _price(feeds[i]) / 10 ** config.decimals;
            haircuts[k] = uint16(10_000 - (atThreshold ? config.liquidationThresholdBps : config.ltvBps));
            depths[k] = ghostDepthThousands[address(assets[i])] * DEPTH_UNIT;
            ++k;
        }
        uint16[] memory correlations = new uint16[](n == 2 ? 1 : 0);
        if (n == 2) (correlations[0],) = vault.riskOf(address(weth), address(wbtc));
        return RiskMath.stressedValueDown(values, haircuts, depths, correlations);
    }

    /// The feed's answer as 1e18 USD per whole token (8-decimal feeds).
    function _price(MockAggregator feed) internal view returns (uint256) {
        (, int256 answer,,,) = feed.latestRoundData();
        return SafeCast.toUint256(answer) * 1e10;
    }

    function _pushRelease(MessagingReceipt memory receipt, uint32 eid, address account, uint256 amount) internal {
        _pending.push(
            InFlight({
                guid: receipt.guid,
                nonce: receipt.nonce,
                srcEid: eid,
                dstEid: HOME,
                kind: Kind.Release,
                account: account,
                receiver: address(0),
                amount: SafeCast.toUint128(amount),
                line: 0,
                stamp: 0
            })
        );
    }

    /// Every value a delivery of `packet` may touch, on its remote and at home.
    function _snapshot(InFlight memory packet) internal view returns (Snapshot memory snapshot) {
        uint32 eid = packet.srcEid == HOME ? packet.dstEid : packet.srcEid;
        address account = packet.account;
        CreditMirror mirror = mirrorOf[eid];
        ICreditMirror.Line memory line = mirror.lineOf(account);
        ICollateralVault.Usage memory usage = vault.usageOf(account, eid);
        snapshot.exported = vault.exportedTo(account, eid);
        snapshot.totalExported = vault.totalExported(account);
        snapshot.remoteExported = vault.remoteState(eid).exported;
        (snapshot.line, snapshot.drawn, snapshot.owner) = (line.line, line.drawn, line.owner);
        snapshot.parked = mirror.parkedOf(account);
        snapshot.lastHeartbeat = mirror.lastHeartbeat();
        (snapshot.usageSeq, snapshot.usageDrawn, snapshot.usageLine) = (usage.seq, usage.drawn, usage.line);
        (snapshot.lineEpoch, snapshot.repayable) = (line.epoch, mirror.repayableOf(account));
        snapshot.collateralWeth = vault.collateralOf(account, address(weth));
        snapshot.collateralWbtc = vault.collateralOf(account, address(wbtc));
    }

    function _same(Snapshot memory a, Snapshot memory b) internal pure returns (bool) {
        return keccak256(abi.encode(a)) == keccak256(abi.encode(b));
    }

    /// Whether the endpoint still holds the packet's payload hash (it can be executed later).
    function _retryable(InFlight memory packet) internal view returns (bool) {
        (address sender, address receiver) = packet.srcEid == HOME
            ? (address(vault), address(mirrorOf[packet.dstEid]))
            : (address(mirrorOf[packet.srcEid]), address(vault));
        CreditMirror dstOApp = CreditMirror(payable(receiver));
        bytes32 hash = dstOApp.endpoint()
            .inboundPayloadHash(receiver, packet.srcEid, bytes32(uint256(uint160(sender))), packet.nonce);
        return hash != bytes32(0);
    }

    /// Rule 3, checked right after an export or withdrawal.
    /// Rule 3, judged from the feeds themselves rather than the vault's own sum.
    function _checkPower(address actor) internal {
        if (vault.totalExported(actor) > _expectedPower(actor, NO_ASSET, 0)) powerViolations++;
    }

    /// Power of `actor` after removing `removed` of `asset`, from the feeds, configs and correlation directly:
    /// `RiskMath` over the assets whose feed is fresh (with one asset: ⌊⌊amount × price ÷ 10^decimals⌋ × LTV ÷
    /// 10,000⌋).
    function _expectedPower(address actor, TestToken asset, uint256 removed) internal view returns (uint256) {
        TestToken[2] memory assets = [weth, wbtc];
        MockAggregator[2] memory feeds = [wethFeed, wbtcFeed];
        uint256[2] memory amounts;
        bool[2] memory fresh;
        for (uint256 i; i < 2; ++i) {
            amounts[i] = vault.collateralOf(actor, address(assets[i]));
            if (assets[i] == asset) amounts[i] -= removed;
            (,,, uint256 updatedAt,) = feeds[i].latestRoundData();
            fresh[i] = currentTime <= updatedAt + vault.oracle().feed(address(assets[i])).heartbeat;
        }
        return _stressed(amounts, fresh, false);
    }

    /// Most USDC the pool can lend against `actor`'s line: undrawn credit, cash and consumer cap.
    function _borrowable(CreditMirror mirror, CreditLendingPool pool, address actor) internal view returns (uint256) {
        ICreditMirror.Consumer memory config = mirror.consumer(address(pool));
        uint256 units = mirror.undrawn(actor) / CREDIT_PER_USDC;
        units = Math.min(units, pool.asset().balanceOf(address(pool)));
        return Math.min(units, (config.cap - config.drawn) / CREDIT_PER_USDC);
    }

    /// Interest due now (simple, on principal, rounded up) and principal of `actor`'s loan.
    function _debt(CreditLendingPool pool, address actor) internal view returns (uint256 interest, uint256 principal) {
        uint64 since;
        (principal, interest, since) = _loan(pool, actor);
        if (principal != 0) {
            interest += Math.mulDiv(principal, pool.ratePerSecond() * (currentTime - since), 1e18, Math.Rounding.Ceil);
        }
    }

    function _loan(CreditLendingPool pool, address actor)
        internal
        view
        returns (uint256 principal, uint256 interest, uint64 since)
    {
        (uint96 loanPrincipal, uint96 loanInterest, uint64 loanSince) = pool.loans(actor);
        return (loanPrincipal, loanInterest, loanSince);
    }

    /// The first (actor, remote) from the seeds on for which `applies` holds, or (0, 0) if none does:
    /// actions on lines, loans and parked credit then act where there is something to act on.
    function _pick(
        uint256 actorSeed,
        uint256 remoteSeed,
        function(address, uint32) internal view returns (bool) applies
    ) internal view returns (address, uint32) {
        uint256 actorTotal = actors.length;
        uint256 pairs = actorTotal * remotes.length;
        (actorSeed, remoteSeed) = (actorSeed % actorTotal, remoteSeed % remotes.length);
        for (uint256 k; k < pairs; ++k) {
            address actor = _actor(actorSeed + k % actorTotal);
            uint32 eid = _remote(remoteSeed + k / actorTotal);
            if (applies(actor, eid)) return (actor, eid);
        }
        return (address(0), 0);
    }

    /// The first (actor, asset) from the seeds on with collateral, or (0, WETH) if none has any.
    function _pickHolding(uint256 actorSeed, uint256 assetSeed) internal view returns (address, TestToken) {
        uint256 actorTotal = actors.length;
        (actorSeed, assetSeed) = (actorSeed % actorTotal, assetSeed % 2);
        for (uint256 k; k < actorTotal * 2; ++k) {
            address actor = _actor(actorSeed + k % actorTotal);
            TestToken token = (assetSeed + k / actorTotal) % 2 == 0 ? weth : wbtc;
            if (vault.collateralOf(actor, address(token)) != 0) return (actor, token);
        }
        return (address(0), weth);
    }

    function _canExport(address actor, uint32) internal view returns (bool) {
        return vault.epochOf(actor) & 1 == 0 && _expectedPower(actor, NO_ASSET, 0) > vault.totalExported(actor);
    }

    function _canRelease(address actor, uint32 eid) internal view returns (bool) {
        return mirrorOf[eid].ownerOf(actor) != address(0) && mirrorOf[eid].undrawn(actor) != 0;
    }

    function _canBorrow(address actor, uint32 eid) internal view returns (bool) {
        CreditMirror mirror = mirrorOf[eid];
        return mirror.ownerOf(actor) != address(0) && _borrowable(mirror, poolOf[eid], actor) != 0;
    }

    function _hasExported(address actor, uint32 eid) internal view returns (bool) {
        return vault.exportedTo(actor, eid) != 0;
    }

    function _canLiquidate(address actor, uint32 eid) internal view returns (bool) {
        (uint256 principal,,) = _loan(poolOf[eid], actor);
        return mirrorOf[eid].repayableOf(actor) >= CREDIT_PER_USDC && principal != 0;
    }

    function _hasBadDebt(address actor, uint32 eid) internal view returns (bool) {
        return vault.epochOf(actor) & 1 == 1 && vault.assetsOf(actor).length == 0 && vault.exportedTo(actor, eid) != 0;
    }

    /// Whether `token` has a usable liquidation price now.
    function _liquidationPriced(TestToken token) internal view returns (bool ok) {
        (ok,,) = vault.oracle().tryLiquidationPrice(address(token), vault.liquidationConfig().priceTolerance);
    }

    function _hasParked(address actor, uint32 eid) internal view returns (bool) {
        return mirrorOf[eid].parkedOf(actor) != 0;
    }

    function _hasDebt(address actor, uint32 eid) internal view returns (bool) {
        return poolOf[eid].debtOf(actor) != 0;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _remote(uint256 seed) internal view returns (uint32) {
        return remotes[seed % remotes.length];
    }

    /// Bit j for `remotes[j]`.
    function _bit(uint32 eid) internal view returns (uint256) {
        for (uint256 j; j < remotes.length; ++j) {
            if (remotes[j] == eid) return uint256(1) << j;
        }
        return 0;
    }

    /// Whether the vault's peer for `eid` is set (as the handler left it).
    function _vaultWired(uint32 eid) internal view returns (bool) {
        return eid != cutEid || (cutKind != Cut.VaultPeer && cutKind != Cut.Isolated);
    }

    /// Whether the mirror of `eid` has home's vault as its peer.
    function _mirrorWired(uint32 eid) internal view returns (bool) {
        return eid != cutEid || (cutKind != Cut.MirrorPeer && cutKind != Cut.Isolated);
    }

    function _enabled(uint32 eid) internal view returns (bool) {
        return eid != cutEid || (cutKind != Cut.Disabled && cutKind != Cut.Isolated);
    }

    /// The remotes `flag` and `clear` can tell (bit j: `remotes[j]`): a peer set and the remote enabled.
    function _notifiable() internal view returns (uint256 mask) {
        for (uint256 j; j < remotes.length; ++j) {
            if (_vaultWired(remotes[j]) && _enabled(remotes[j])) mask |= uint256(1) << j;
        }
    }

    /// Whether `packet`'s receiver takes it: its OApp's peer for the source is set.
    function _pathOpen(InFlight memory packet) internal view returns (bool) {
        return packet.srcEid == HOME ? _mirrorWired(packet.dstEid) : _vaultWired(packet.srcEid);
    }

    /// The error a vault send to `eid` reverts with while the vault's peer is unset; empty while it is set.
    function _homeCutError(uint32 eid) internal view returns (bytes memory) {
        return _vaultWired(eid) ? bytes("") : abi.encodeWithSelector(IOAppCore.NoPeer.selector, eid);
    }

    /// The error a send from the mirror of `eid` reverts with while its peer is unset; empty while it is set.
    function _remoteCutError(uint32 eid) internal view returns (bytes memory) {
        return _mirrorWired(eid) ? bytes("") : abi.encodeWithSelector(IOAppCore.NoPeer.selector, HOME);
    }

    /// The mirror's fee for `msgType`; nothing when the send will be refused for the cut (a quote would revert too).
    function _fee(CreditMirror mirror, uint8 msgType, bytes memory cutError) internal view returns (uint256) {
        return cutError.length == 0 ? mirror.quote(msgType, "").nativeFee : 0;
    }

    /// Mostly the actor; sometimes nobody (the vault defaults to the account) or another actor.
    function _receiver(address actor, uint256 seed) internal view returns (address) {
        uint256 kind = seed % 8;
        if (kind == 0) return _actor(seed / 8);
        if (kind == 1) return address(0);
        return actor;
    }

    /// The custom error a call reverted with (its first four bytes; zero-padded if shorter).
    function _selector(bytes memory reason) internal pure returns (bytes4) {
        // Truncating to the first four bytes is the point: that is the error's selector.
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes4(reason);
    }

    function _skip(bytes32 action) internal {
        skips[action]++;
    }

    /// A call reverted: a skip if it was refused with exactly the error the cut implies, else unexpected.
    function _refused(bytes32 action, bytes memory reason, bytes memory cutError) internal {
        if (cutError.length != 0 && keccak256(reason) == keccak256(cutError)) {
            cutRefusals++;
            skips[action]++;
        } else {
            _unexpected(action, reason);
        }
    }

    function _unexpected(bytes32 action, bytes memory reason) internal {
        unexpectedReverts++;
        lastUnexpectedAction = action;
        lastUnexpectedRevert = reason;
    }
}
