// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CreditMirror } from "../../src/CreditMirror.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { ICreditMirror } from "../../src/interfaces/ICreditMirror.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { BallastBase } from "./BallastBase.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { EnforcedOptionParam } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import { EndpointV2Mock } from "@layerzerolabs/test-devtools-evm-foundry/contracts/mocks/EndpointV2Mock.sol";
import { IAccessControl } from "@openzeppelin/contracts/access/IAccessControl.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { TimelockController } from "@openzeppelin/contracts/governance/TimelockController.sol";

/// Governance as it is deployed (rule G-1): an OpenZeppelin TimelockController with a two-day delay, one
/// proposer that also executes and no admin, owns the vault, both mirrors and the oracle adapter and is
/// the vault's and mirrors' LayerZero delegate. Every admin change is scheduled, waits the delay and is
/// executed; the guardian pauses at once and can do nothing else.
contract GovernanceTest is BallastBase {
    uint256 internal constant MIN_DELAY = 2 days;

    address internal proposer = makeAddr("proposer");
    TimelockController internal timelock;
    uint256 private _salt;

    /// One admin function of one contract, called with harmless arguments.
    struct AdminCall {
        string name;
        address target;
        bytes data;
    }

    function setUp() public override {
        super.setUp();
        address[] memory members = new address[](1);
        members[0] = proposer;
        timelock = new TimelockController(MIN_DELAY, members, members, address(0));

        // The deployer (here `governor`) hands over in the order a deploy script does: the LayerZero
        // delegate first (only the owner may move it), then ownership, which the timelock must accept.
        vm.startPrank(governor);
        vault.setDelegate(address(timelock));
        mirrorA.setDelegate(address(timelock));
        mirrorB.setDelegate(address(timelock));
        vault.transferOwnership(address(timelock));
        mirrorA.transferOwnership(address(timelock));
        mirrorB.transferOwnership(address(timelock));
        oracle.transferOwnership(address(timelock));
        vm.stopPrank();

        address[] memory targets = new address[](4);
        (targets[0], targets[1], targets[2], targets[3]) =
        (address(vault), address(mirrorA), address(mirrorB), address(oracle));
        bytes[] memory payloads = new bytes[](4);
        for (uint256 i; i < 4; i++) {
            // Every governed contract is Ownable2Step: one selector accepts for all of them.
            payloads[i] = abi.encodeCall(vault.acceptOwnership, ());
        }
        // The timelock's first operation waits the full delay like any other.
        _govern(targets, payloads);
    }

    // ------------------------------------------------------------------ hand-over

    function test_handOver_timelockOwnsEveryContract() public view {
        assertEq(vault.owner(), address(timelock), "vault");
        assertEq(mirrorA.owner(), address(timelock), "mirror A");
        assertEq(mirrorB.owner(), address(timelock), "mirror B");
        assertEq(oracle.owner(), address(timelock), "oracle");
        assertEq(vault.pendingOwner(), address(0));
        assertEq(mirrorA.pendingOwner(), address(0));
    }

    function test_handOver_timelockIsLayerZeroDelegate() public view {
        assertEq(EndpointV2Mock(endpoints[HOME]).delegates(address(vault)), address(timelock));
        assertEq(EndpointV2Mock(endpoints[REMOTE_A]).delegates(address(mirrorA)), address(timelock));
        assertEq(EndpointV2Mock(endpoints[REMOTE_B]).delegates(address(mirrorB)), address(timelock));
    }

    function test_handOver_timelockHasNoAdminButItself() public view {
        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        assertTrue(timelock.hasRole(adminRole, address(timelock)));
        assertFalse(timelock.hasRole(adminRole, governor));
        assertFalse(timelock.hasRole(adminRole, proposer));
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), proposer));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), proposer));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), proposer));
    }

    function test_RevertWhen_formerOwnerCallsAdmin() public {
        _assertEveryAdminCallRejected(governor);
    }

    // ------------------------------------------------------------------ schedule, wait, execute

    function test_adminCall_executesAfterDelay() public {
        (address[] memory targets, bytes[] memory payloads) = _rateLimitAndHeartbeatChange();
        _govern(targets, payloads);
        ICollateralVault.RemoteConfig memory config = vault.remoteConfig(REMOTE_A);
        assertEq(config.rateWindow, 2 days);
        assertEq(config.maxPerWindow, 1_000_000e18);
        assertEq(mirrorA.heartbeatPeriod(), 2 days);
    }

    function test_RevertWhen_executedBeforeDelay() public {
        (address[] memory targets, bytes[] memory payloads) = _rateLimitAndHeartbeatChange();
        bytes32 salt = bytes32(++_salt);
        bytes32 id = timelock.hashOperationBatch(targets, new uint256[](targets.length), payloads, 0, salt);
        vm.prank(proposer);
        timelock.scheduleBatch(targets, new uint256[](targets.length), payloads, 0, salt, MIN_DELAY);

        skip(MIN_DELAY - 1);
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                _stateBit(TimelockController.OperationState.Ready)
            )
        );
        timelock.executeBatch(targets, new uint256[](targets.length), payloads, 0, salt);
        assertEq(mirrorA.heartbeatPeriod(), HEARTBEAT_PERIOD, "nothing changed early");

        skip(1);
        vm.prank(proposer);
        timelock.executeBatch(targets, new uint256[](targets.length), payloads, 0, salt);
        assertEq(mirrorA.heartbeatPeriod(), 2 days);
    }

    /// The risk admin's queue outlasts the timelock (PROTOCOL.md L-13): the owner's cancel, scheduled when the
    /// update is queued, lands before anyone can apply it.
    function test_riskUpdate_ownersCancelLandsBeforeItApplies() public {
        address[] memory targets = new address[](1);
        targets[0] = address(vault);
        bytes[] memory payloads = new bytes[](1);
        payloads[0] = abi.encodeCall(vault.setRiskAdmin, (riskAdmin));
        _govern(targets, payloads);

        ICollateralVault.RiskUpdate memory update;
        update.correlations = new ICollateralVault.CorrelationUpdate[](1);
        update.correlations[0] = ICollateralVault.CorrelationUpdate(address(weth), address(wbtc), 5000);
        vm.prank(riskAdmin);
        bytes32 id = vault.queueRiskUpdate(update);
        payloads[0] = abi.encodeCall(vault.cancelRiskUpdate, (id));
        bytes32 salt = bytes32(++_salt);
        vm.prank(proposer);
        timelock.scheduleBatch(targets, new uint256[](1), payloads, 0, salt, MIN_DELAY);

        // Anyone tries to apply it as early as it could once have been applied, and just before the cancel lands.
        skip(1 days);
        vm.expectPartialRevert(ICollateralVault.Vault_RiskUpdateNotReady.selector);
        vault.applyRiskUpdate(update);
        skip(MIN_DELAY - 1 days - 1);
        vm.expectPartialRevert(ICollateralVault.Vault_RiskUpdateNotReady.selector);
        vault.applyRiskUpdate(update);
        skip(1);
        vm.prank(proposer);
        timelock.executeBatch(targets, new uint256[](1), payloads, 0, salt);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RiskUpdateUnknown.selector, id));
        vault.applyRiskUpdate(update);
    }

    function test_RevertWhen_scheduledWithLessThanMinDelay() public {
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, MIN_DELAY - 1, MIN_DELAY)
        );
        timelock.schedule(
            address(vault),
            0,
            abi.encodeCall(vault.configureRemote, (REMOTE_A, _remoteConfig(1e28, 0))),
            0,
            bytes32(0),
            MIN_DELAY - 1
        );
    }

    function test_RevertWhen_strangerOrGuardianSchedules() public {
        bytes memory data = abi.encodeCall(vault.configureRemote, (REMOTE_A, _remoteConfig(1e28, 0)));
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        for (uint256 i; i < 2; i++) {
            address caller = i == 0 ? governor : guardian;
            vm.prank(caller);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, proposerRole)
            );
            timelock.schedule(address(vault), 0, data, 0, bytes32(0), MIN_DELAY);
        }
    }

    function test_RevertWhen_delayChangedWithoutTheTimelock() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, proposer));
        timelock.updateDelay(0);
    }

    function test_cancel_dropsAScheduledCall() public {
        bytes memory data = abi.encodeCall(vault.configureRemote, (REMOTE_A, _remoteConfig(1e28, 0)));
        bytes32 id = timelock.hashOperation(address(vault), 0, data, 0, bytes32(0));
        vm.startPrank(proposer);
        timelock.schedule(address(vault), 0, data, 0, bytes32(0), MIN_DELAY);
        timelock.cancel(id);
        skip(MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                _stateBit(TimelockController.OperationState.Ready)
            )
        );
        timelock.execute(address(vault), 0, data, 0, bytes32(0));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ guardian

    function test_guardian_pausesAtOnce() public {
        vm.startPrank(guardian);
        vault.pauseExports();
        mirrorA.pauseDraws();
        vm.stopPrank();
        assertTrue(vault.exportsPaused());
        assertTrue(mirrorA.drawsPaused());
        assertFalse(mirrorB.drawsPaused(), "each mirror pauses on its own");

        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        vm.prank(alice);
        vm.expectRevert(ICollateralVault.Vault_ExportsPaused.selector);
        vault.exportCredit{ value: fee.nativeFee }(alice, REMOTE_A, 1e18, alice, "");
        vm.prank(address(poolA));
        vm.expectRevert(ICreditMirror.Mirror_DrawsPaused.selector);
        mirrorA.draw(alice, 1e18);
    }

    function test_RevertWhen_guardianUnpausesOrConfigures() public {
        vm.startPrank(guardian);
        vault.pauseExports();
        mirrorA.pauseDraws();
        vm.stopPrank();
        _assertEveryAdminCallRejected(guardian);
        assertTrue(vault.exportsPaused());
        assertTrue(mirrorA.drawsPaused());
    }

    function test_unpause_onlyThroughTheTimelock() public {
        vm.startPrank(guardian);
        vault.pauseExports();
        mirrorA.pauseDraws();
        vm.stopPrank();

        address[] memory targets = new address[](2);
        (targets[0], targets[1]) = (address(vault), address(mirrorA));
        bytes[] memory payloads = new bytes[](2);
        payloads[0] = abi.encodeCall(vault.unpauseExports, ());
        payloads[1] = abi.encodeCall(mirrorA.unpauseDraws, ());
        _govern(targets, payloads);
        assertFalse(vault.exportsPaused());
        assertFalse(mirrorA.drawsPaused());
    }

    function testFuzz_RevertWhen_nonOwnerCallsAdmin(address caller, uint256 index) public {
        vm.assume(caller != address(timelock));
        assumeNotForgeAddress(caller);
        AdminCall[] memory calls = _adminCalls();
        _assertRejected(caller, calls[bound(index, 0, calls.length - 1)]);
    }

    function testFuzz_RevertWhen_strangerPauses(address caller) public {
        vm.assume(caller != guardian && caller != address(timelock));
        assumeNotForgeAddress(caller);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_OnlyGuardian.selector, caller));
        vault.pauseExports();
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(ICreditMirror.Mirror_OnlyGuardian.selector, caller));
        mirrorB.pauseDraws();
    }

    // ------------------------------------------------------------------ helpers

    /// Schedules `payloads` on `targets` as one operation from the proposer, waits the delay, executes.
    function _govern(address[] memory targets, bytes[] memory payloads) internal {
        uint256[] memory values = new uint256[](targets.length);
        bytes32 salt = bytes32(++_salt);
        vm.prank(proposer);
        timelock.scheduleBatch(targets, values, payloads, 0, salt, MIN_DELAY);
        skip(MIN_DELAY);
        vm.prank(proposer);
        timelock.executeBatch(targets, values, payloads, 0, salt);
    }

    function _rateLimitAndHeartbeatChange() internal view returns (address[] memory targets, bytes[] memory payloads) {
        targets = new address[](2);
        (targets[0], targets[1]) = (address(vault), address(mirrorA));
        payloads = new bytes[](2);
        ICollateralVault.RemoteConfig memory config = _remoteConfig(1e28, 1_000_000e18);
        config.rateWindow = 2 days;
        payloads[0] = abi.encodeCall(vault.configureRemote, (REMOTE_A, config));
        payloads[1] = abi.encodeCall(mirrorA.setHeartbeatPeriod, (2 days));
    }

    /// `TimelockController._encodeStateBitmap`: the bit of `state`, as its errors report it.
    function _stateBit(TimelockController.OperationState state) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(state));
    }

    /// Every owner-only function of the vault, a mirror and the oracle adapter.
    function _adminCalls() internal view returns (AdminCall[] memory calls) {
        EnforcedOptionParam[] memory noOptions = new EnforcedOptionParam[](0);
        IOracleAdapter.FeedConfig memory feed = IOracleAdapter.FeedConfig(address(wethFeed), 1 hours, 1e18, 1e24);
        CreditMirror mirror = mirrorA;
        calls = new AdminCall[](19);
        calls[0] = AdminCall(
            "vault.configureAsset",
            address(vault),
            abi.encodeCall(vault.configureAsset, (address(weth), 8000, 8500, 500, type(uint128).max, true))
        );
        calls[1] = AdminCall(
            "vault.configureRemote",
            address(vault),
            abi.encodeCall(vault.configureRemote, (REMOTE_A, _remoteConfig(1, 1)))
        );
        calls[2] = AdminCall(
            "vault.configureRemote(B)",
            address(vault),
            abi.encodeCall(vault.configureRemote, (REMOTE_B, _remoteConfig(1, 1)))
        );
        calls[3] = AdminCall("vault.setPeer", address(vault), abi.encodeCall(vault.setPeer, (REMOTE_A, bytes32(0))));
        calls[4] = AdminCall(
            "vault.setEnforcedOptions", address(vault), abi.encodeCall(vault.setEnforcedOptions, (noOptions))
        );
        calls[5] = AdminCall("vault.setDelegate", address(vault), abi.encodeCall(vault.setDelegate, (governor)));
        calls[6] = AdminCall("vault.setGuardian", address(vault), abi.encodeCall(vault.setGuardian, (governor)));
        calls[7] = AdminCall("vault.unpauseExports", address(vault), abi.encodeCall(vault.unpauseExports, ()));
        calls[8] =
            AdminCall("vault.transferOwnership", address(vault), abi.encodeCall(vault.transferOwnership, (governor)));
        calls[9] = AdminCall("vault.renounceOwnership", address(vault), abi.encodeCall(vault.renounceOwnership, ()));
        calls[10] = AdminCall(
            "mirror.configureConsumer",
            address(mirror),
            abi.encodeCall(mirror.configureConsumer, (address(poolA), true, uint120(1)))
        );
        calls[11] =
            AdminCall("mirror.setHeartbeatPeriod", address(mirror), abi.encodeCall(mirror.setHeartbeatPeriod, (1)));
        calls[12] = AdminCall("mirror.setPeer", address(mirror), abi.encodeCall(mirror.setPeer, (HOME, bytes32(0))));
        calls[13] = AdminCall(
            "mirror.setEnforcedOptions", address(mirror), abi.encodeCall(mirror.setEnforcedOptions, (noOptions))
        );
        calls[14] = AdminCall("mirror.setDelegate", address(mirror), abi.encodeCall(mirror.setDelegate, (governor)));
        calls[15] = AdminCall("mirror.setGuardian", address(mirror), abi.encodeCall(mirror.setGuardian, (governor)));
        calls[16] = AdminCall("mirror.unpauseDraws", address(mirror), abi.encodeCall(mirror.unpauseDraws, ()));
        calls[17] = AdminCall(
            "mirror.transferOwnership", address(mirror), abi.encodeCall(mirror.transferOwnership, (governor))
        );
        calls[18] = AdminCall("oracle.setFeed", address(oracle), abi.encodeCall(oracle.setFeed, (address(weth), feed)));
    }

    function _assertEveryAdminCallRejected(address caller) internal {
        AdminCall[] memory calls = _adminCalls();
        for (uint256 i; i < calls.length; i++) {
            _assertRejected(caller, calls[i]);
        }
    }

    function _assertRejected(address caller, AdminCall memory call) internal {
        vm.prank(caller);
        (bool success, bytes memory reason) = call.target.call(call.data);
        assertFalse(success, call.name);
        assertEq(reason, abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller), call.name);
    }
}

