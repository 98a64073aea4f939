// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { FeeOnTransferToken } from "../mocks/FeeOnTransferToken.sol";
import { BallastBase } from "./BallastBase.sol";
import { MessagingFee, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { IOAppCore } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// Every CollateralVault function and error path, over real in-EVM endpoints.
contract CollateralVaultTest is BallastBase {
    // ------------------------------------------------------------------ deposit

    function test_deposit_creditsAccountAndEmits() public {
        _deposit(alice, weth, 1 ether);
        weth.mint(bob, 1 ether);
        vm.startPrank(bob);
        weth.approve(address(vault), 1 ether);
        vm.expectEmit(address(vault));
        emit ICollateralVault.Deposited(alice, address(weth), bob, 1 ether);
        vault.deposit(alice, address(weth), 1 ether); // anyone may top up an asset the account holds
        vm.stopPrank();
        assertEq(vault.collateralOf(alice, address(weth)), 2 ether);
        assertEq(weth.balanceOf(address(vault)), 2 ether);
        assertEq(vault.assetsOf(alice).length, 1);
        assertEq(vault.assetsOf(alice)[0], address(weth));
    }

    /// A stranger cannot open a new asset position for an account (no dust-filling of MAX_ASSETS).
    function test_RevertWhen_strangerAddsNewAssetToAccount() public {
        weth.mint(bob, 1 ether);
        vm.startPrank(bob);
        weth.approve(address(vault), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_Unauthorized.selector, alice, bob));
        vault.deposit(alice, address(weth), 1 ether);
        vm.stopPrank();
        // An operator may.
        vm.prank(alice);
        vault.setOperator(bob, true);
        vm.prank(bob);
        vault.deposit(alice, address(weth), 1 ether);
        assertEq(vault.collateralOf(alice, address(weth)), 1 ether);
    }

    /// Rule V-3a: a stale feed on a dust asset does not lock a healthy account's other collateral.
    function test_withdraw_staleDustAssetCountsForNothing() public {
        _deposit(alice, weth, 10 ether);
        _deposit(alice, wbtc, 1); // 1 satoshi
        _export(alice, REMOTE_A, 1000e18);
        skip(2 hours);
        wethFeed.setAnswer(2000e8); // WETH fresh, WBTC stale
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 5 ether, alice);
        assertEq(vault.collateralOf(alice, address(weth)), 5 ether);
        // When the skipped asset is what the check would need, the oracle's own error explains the revert.
        _deposit(alice, wbtc, 1e8);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.Oracle_StalePrice.selector, address(wbtc), block.timestamp - 2 hours, 1 hours
            )
        );
        vault.withdraw(alice, address(weth), 4.5 ether, alice);
    }

    /// Every contract Ballast deploys fits EIP-170's 24,576-byte limit (forge tests would not notice;
    /// a chain refuses the deployment).
    function test_deployedCodeFitsEip170() public view {
        assertLe(address(vault).code.length, 24_576, "CollateralVault");
        assertLe(address(mirrorA).code.length, 24_576, "CreditMirror");
        assertLe(address(poolA).code.length, 24_576, "CreditLendingPool");
        assertLe(address(oracle).code.length, 24_576, "ChainlinkOracleAdapter");
    }

    function test_RevertWhen_depositZero() public {
        vm.expectRevert(ICollateralVault.Vault_ZeroAmount.selector);
        vault.deposit(alice, address(weth), 0);
    }

    function test_RevertWhen_depositUnlistedAsset() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_AssetNotListed.selector, address(usdcA)));
        vault.deposit(alice, address(usdcA), 1);
    }

    function test_RevertWhen_depositOverSupplyCap() public {
        vm.prank(governor);
        vault.configureAsset(address(weth), 8000, 8500, 500, 5 ether, true);
        _deposit(alice, weth, 4 ether);
        weth.mint(alice, 2 ether);
        vm.startPrank(alice);
        weth.approve(address(vault), 2 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_SupplyCapExceeded.selector, address(weth), 5 ether, 6 ether)
        );
        vault.deposit(alice, address(weth), 2 ether);
        vm.stopPrank();
    }

    function test_RevertWhen_depositFeeOnTransferToken() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        vm.startPrank(governor);
        oracle.setFeed(address(fee), IOracleAdapter.FeedConfig(address(wethFeed), 1 hours, 1e18, 1e24));
        vault.configureAsset(address(fee), 5000, 6000, 500, type(uint128).max, true);
        vm.stopPrank();
        fee.mint(alice, 100 ether);
        vm.startPrank(alice);
        fee.approve(address(vault), 100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_TransferAmountMismatch.selector, address(fee), 100 ether, 99 ether
            )
        );
        vault.deposit(alice, address(fee), 100 ether);
        vm.stopPrank();
    }

    function test_RevertWhen_depositNinthAsset() public {
        for (uint256 i; i < vault.MAX_ASSETS(); i++) {
            address token = i == 0 ? address(weth) : _listNewAsset();
            _depositAny(alice, token, 1 ether);
        }
        address ninth = _listNewAsset();
        TestTokenLike(ninth).mint(alice, 1 ether);
        vm.startPrank(alice);
        TestTokenLike(ninth).approve(address(vault), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_TooManyAssets.selector, alice, 8));
        vault.deposit(alice, ninth, 1 ether);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ withdraw

    function test_withdraw_withNothingExportedSkipsPrices() public {
        _deposit(alice, weth, 1 ether);
        wethFeed.setUpdatedAt(block.timestamp - 2 days); // stale feed
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 1 ether, bob);
        assertEq(weth.balanceOf(bob), 1 ether);
    }

    function test_withdraw_keepsPowerAboveExported() public {
        _deposit(alice, weth, 10 ether); // power 16,000
        _export(alice, REMOTE_A, 8000e18);
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 5 ether, alice); // power 8,000 = exported
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_WithdrawExceedsPower.selector, alice, 7_998_400e15, 8000e18)
        );
        vault.withdraw(alice, address(weth), 0.001 ether, alice);
    }

    function test_RevertWhen_withdrawByStranger() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_Unauthorized.selector, alice, bob));
        vault.withdraw(alice, address(weth), 1 ether, bob);
    }

    function test_withdraw_byOperator() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(alice);
        vault.setOperator(bob, true);
        assertTrue(vault.isOperator(alice, bob));
        vm.prank(bob);
        vault.withdraw(alice, address(weth), 1 ether, bob);
        assertEq(weth.balanceOf(bob), 1 ether);
    }

    function test_RevertWhen_withdrawMoreThanHeld() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_InsufficientCollateral.selector, alice, address(weth), 2 ether, 1 ether
            )
        );
        vault.withdraw(alice, address(weth), 2 ether, alice);
    }

    function test_withdraw_whileExportsPaused() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(guardian);
        vault.pauseExports();
        vm.prank(alice);
        vault.withdraw(alice, address(weth), 1 ether, alice);
        assertEq(weth.balanceOf(alice), 1 ether);
    }

    // ------------------------------------------------------------------ exportCredit

    function test_exportCredit_debitsBeforeSend() public {
        _deposit(alice, weth, 10 ether);
        bytes32 guid = _sendExport(alice, REMOTE_A, 1000e18);
        // Debited at home while the GRANT is still in flight; the remote has nothing yet.
        assertEq(vault.exportedTo(alice, REMOTE_A), 1000e18);
        assertEq(mirrorA.lineOf(alice).line, 0);
        assertTrue(guid != bytes32(0));
        verifyPackets(REMOTE_A, address(mirrorA));
        assertEq(mirrorA.lineOf(alice).line, 1000e18);
    }

    function test_RevertWhen_exportExceedsPower() public {
        _deposit(alice, weth, 1 ether); // power 1,600
        _export(alice, REMOTE_A, 1000e18);
        MessagingFee memory fee = vault.quoteExport(REMOTE_B, "");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_ExportExceedsPower.selector, alice, 700e18, 600e18)
        );
        vault.exportCredit{ value: fee.nativeFee }(alice, REMOTE_B, 700e18, alice, "");
    }

    function test_RevertWhen_exportWithStalePrice() public {
        _deposit(alice, weth, 1 ether);
        skip(2 hours);
        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        vm.prank(alice);
        vm.expectPartialRevert(IOracleAdapter.Oracle_StalePrice.selector);
        vault.exportCredit{ value: fee.nativeFee }(alice, REMOTE_A, 1e18, alice, "");
    }

    function test_RevertWhen_exportWhilePaused() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(guardian);
        vault.pauseExports();
        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        vm.prank(alice);
        vm.expectRevert(ICollateralVault.Vault_ExportsPaused.selector);
        vault.exportCredit{ value: fee.nativeFee }(alice, REMOTE_A, 1e18, alice, "");
        vm.prank(governor);
        vault.unpauseExports();
        _export(alice, REMOTE_A, 1e18);
    }

    function test_RevertWhen_exportToDisabledRemote() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(governor);
        ICollateralVault.RemoteConfig memory config = _remoteConfig(1e28, 1e28);
        config.enabled = false;
        vault.configureRemote(REMOTE_A, config);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RemoteDisabled.selector, REMOTE_A));
        vault.exportCredit(alice, REMOTE_A, 1e18, alice, "");
    }

    function test_RevertWhen_exportOverRemoteCap() public {
        _deposit(alice, weth, 10 ether);
        vm.prank(governor);
        vault.configureRemote(REMOTE_A, _remoteConfig(1000e18, 1e28));
        _export(alice, REMOTE_A, 600e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_RemoteCapExceeded.selector, REMOTE_A, 1000e18, 1100e18)
        );
        vault.exportCredit(alice, REMOTE_A, 500e18, alice, "");
    }

    function test_RevertWhen_exportOverRateLimit_thenNextWindowOpens() public {
        _deposit(alice, weth, 10 ether);
        ICollateralVault.RemoteConfig memory config = _remoteConfig(1e28, 1000e18);
        config.rateWindow = 1 hours;
        vm.prank(governor);
        vault.configureRemote(REMOTE_A, config);
        _export(alice, REMOTE_A, 800e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RateLimited.selector, REMOTE_A, 300e18, 200e18));
        vault.exportCredit(alice, REMOTE_A, 300e18, alice, "");
        _export(alice, REMOTE_B, 300e18); // the limit is per remote
        skip(1 hours);
        wethFeed.setAnswer(2000e8);
        _export(alice, REMOTE_A, 300e18);
        assertEq(vault.totalExported(alice), 1400e18);
        assertEq(vault.remoteState(REMOTE_A).usedInWindow, 300e18);
    }

    function test_RevertWhen_rateLimitLoweredBelowUsed() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 800e18);
        vm.prank(governor);
        vault.configureRemote(REMOTE_A, _remoteConfig(1e28, 500e18));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_RateLimited.selector, REMOTE_A, 1e18, 0));
        vault.exportCredit(alice, REMOTE_A, 1e18, alice, "");
    }

    function test_RevertWhen_exportZero() public {
        vm.prank(alice);
        vm.expectRevert(ICollateralVault.Vault_ZeroAmount.selector);
        vault.exportCredit(alice, REMOTE_A, 0, alice, "");
    }

    function test_RevertWhen_exportForSomeoneElse() public {
        _deposit(alice, weth, 1 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_Unauthorized.selector, alice, bob));
        vault.exportCredit(alice, REMOTE_A, 1e18, bob, "");
    }

    function test_exportCredit_refundsExcessFee() public {
        _deposit(alice, weth, 1 ether);
        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        uint256 before = alice.balance;
        vm.prank(alice);
        vault.exportCredit{ value: fee.nativeFee + 1 ether }(alice, REMOTE_A, 1e18, alice, "");
        assertEq(before - alice.balance, fee.nativeFee, "only the fee was kept");
    }

    function test_RevertWhen_exportFeeTooLow() public {
        _deposit(alice, weth, 1 ether);
        MessagingFee memory fee = vault.quoteExport(REMOTE_A, "");
        vm.prank(alice);
        vm.expectRevert();
        vault.exportCredit{ value: fee.nativeFee - 1 }(alice, REMOTE_A, 1e18, alice, "");
        assertEq(vault.exportedTo(alice, REMOTE_A), 0, "nothing debited");
    }

    function test_exportCredit_enforcedGasCannotBeUndercut() public {
        // A caller passing no options still gets the enforced lzReceive gas for GRANT.
        _deposit(alice, weth, 1 ether);
        bytes32 guid = _sendExport(alice, REMOTE_A, 1e18);
        (uint256 gas,) = _parseExecutorLzReceiveOption(optionsLookup[guid]);
        assertEq(gas, GRANT_GAS);
    }

    // ------------------------------------------------------------------ messages

    function test_lzReceive_releaseReducesExported() public {
        _deposit(alice, weth, 10 ether);
        _export(alice, REMOTE_A, 1000e18);
        _release(alice, REMOTE_A, 400e18);
        assertEq(vault.exportedTo(alice, REMOTE_A), 600e18);
        assertEq(vault.remoteState(REMOTE_A).exported, 600e18);
    }

    function test_lzReceive_usageIgnoresStaleSequence() public {
        bytes memory newer = MsgCodec.encodeUsage(MsgCodec.Usage(alice, 50e18, 100e18, 2));
        bytes memory older = MsgCodec.encodeUsage(MsgCodec.Usage(alice, 10e18, 100e18, 1));
        _receiveAtVault(REMOTE_A, 1, newer);
        _receiveAtVault(REMOTE_A, 2, older);
        ICollateralVault.Usage memory usage = vault.usageOf(alice, REMOTE_A);
        assertEq(usage.drawn, 50e18);
        assertEq(usage.seq, 2);
    }

    function test_RevertWhen_releaseExceedsExported() public {
        bytes memory release = MsgCodec.encodeRelease(MsgCodec.Release(alice, 1e18, MsgCodec.ReleaseReason.Voluntary));
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.Vault_ReleaseExceedsExported.selector, alice, REMOTE_A, 1e18, 0)
        );
        _receiveAtVault(REMOTE_A, 1, release);
    }

    function test_RevertWhen_unexpectedMessageType() public {
        bytes memory grant = MsgCodec.encodeGrant(MsgCodec.Grant(alice, alice, 1e18, uint64(block.timestamp), 1));
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_UnexpectedMessage.selector, MsgCodec.TYPE_GRANT));
        _receiveAtVault(REMOTE_A, 1, grant);
    }

    function test_RevertWhen_messageFromWrongPeer() public {
        bytes memory usage = MsgCodec.encodeUsage(MsgCodec.Usage(alice, 1, 1, 1));
        Origin memory origin = Origin(REMOTE_A, addressToBytes32(bob), 1);
        vm.prank(endpoints[HOME]);
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, REMOTE_A, origin.sender));
        vault.lzReceive(origin, bytes32(0), usage, address(0), "");
    }

    // ------------------------------------------------------------------ governance

    function test_RevertWhen_configureAssetWithoutBuffer() public {
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadConfig.selector, ICollateralVault.ConfigFault.ThresholdWithinBuffer
            )
        );
        vault.configureAsset(address(weth), 8000, 8100, 500, 1, true);
    }

    function test_RevertWhen_configureAssetBonusTooLarge() public {
        vm.prank(governor);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.Vault_BadConfig.selector, ICollateralVault.ConfigFault.BonusTooLarge
            )
        );
        vault.configureAsset(address(weth), 8000, 9500, 600, 1, true);
    }

    function test_RevertWhen_strangerConfigures() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        vault.configureRemote(REMOTE_A, _remoteConfig(1, 1));
    }

    function test_RevertWhen_strangerPauses() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.Vault_OnlyGuardian.selector, bob));
        vault.pauseExports();
    }

    function test_RevertWhen_guardianUnpauses() public {
        vm.prank(guardian);
        vault.pauseExports();
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vault.unpauseExports();
    }

    function test_ownership_transfersInTwoSteps() public {
        vm.prank(governor);
        vault.transferOwnership(bob);
        assertEq(vault.owner(), governor);
        vm.prank(bob);
        vault.acceptOwnership();
        assertEq(vault.owner(), bob);
    }

    // ------------------------------------------------------------------ helpers

    function _receiveAtVault(uint32 srcEid, uint64 nonce, bytes memory message) internal {
        Origin memory origin = Origin(srcEid, addressToBytes32(address(_mirror(srcEid))), nonce);
        vm.prank(endpoints[HOME]);
        vault.lzReceive(origin, keccak256(abi.encode(nonce)), message, address(0), "");
    }

    uint256 private _assetCount;

    function _listNewAsset() internal returns (address) {
        _assetCount++;
        TestTokenLike token = TestTokenLike(address(new TokenFactoryToken(_assetCount)));
        vm.startPrank(governor);
        oracle.setFeed(address(token), IOracleAdapter.FeedConfig(address(wethFeed), 1 hours, 1e18, 1e24));
        vault.configureAsset(address(token), 5000, 6000, 500, type(uint128).max, true);
        vm.stopPrank();
        return address(token);
    }

    function _depositAny(address account, address token, uint256 amount) internal {
        TestTokenLike(token).mint(account, amount);
        vm.startPrank(account);
        TestTokenLike(token).approve(address(vault), amount);
        vault.deposit(account, token, amount);
        vm.stopPrank();
    }
}

interface TestTokenLike {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
}

import { TestToken } from "../../src/devnet/TestToken.sol";

contract TokenFactoryToken is TestToken {
    constructor(uint256 index) TestToken("Asset", string(abi.encodePacked("A", index)), 18) { }
}
