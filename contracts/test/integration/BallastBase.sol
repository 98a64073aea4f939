// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { CollateralVault } from "../../src/CollateralVault.sol";
import { CreditMirror } from "../../src/CreditMirror.sol";
import { CreditLendingPool } from "../../src/consumers/CreditLendingPool.sol";
import { TestToken } from "../../src/devnet/TestToken.sol";
import { ICollateralVault } from "../../src/interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../../src/interfaces/IOracleAdapter.sol";
import { MsgCodec } from "../../src/libraries/MsgCodec.sol";
import { VaultRisk } from "../../src/libraries/VaultRisk.sol";
import { ChainlinkOracleAdapter } from "../../src/oracle/ChainlinkOracleAdapter.sol";
import { MockAggregator } from "../../src/oracle/MockAggregator.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { EnforcedOptionParam } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { TestHelperOz5 } from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";

/// One home chain (eid 1) with the vault, two remotes (eids 2, 3) each with a mirror and a lending
/// pool, over in-EVM LayerZero endpoints (ULN 302). WETH (18 decimals, $2,000, LTV 80%) and WBTC (8
/// decimals, $60,000, LTV 70%) are collateral; each remote lends USDC (6 decimals).
abstract contract BallastBase is TestHelperOz5 {
    using OptionsBuilder for bytes;

    uint32 internal constant HOME = 1;
    uint32 internal constant REMOTE_A = 2;
    uint32 internal constant REMOTE_B = 3;
    uint24 internal constant GRANT_TTL = 1 hours;
    uint32 internal constant HEARTBEAT_PERIOD = 1 days;
    /// Enforced lzReceive gas per message type (measured in test/gas; see docs/PROTOCOL.md).
    uint128 internal constant GRANT_GAS = 150_000;
    uint128 internal constant RELEASE_GAS = 100_000;
    uint128 internal constant USAGE_GAS = 120_000;
    uint128 internal constant HEARTBEAT_GAS = 100_000;
    uint128 internal constant RECALL_GAS = 100_000;
    uint128 internal constant LIQUIDATABLE_GAS = 150_000;
    uint128 internal constant CLEAR_GAS = 100_000;
    uint128 internal constant BAD_DEBT_GAS = 1_000_000;
    uint128 internal constant SEIZE_GAS = 700_000;
    /// Liquidation settings: close factor 50%, a one-hour price tolerance, recall under health 1.1.
    uint16 internal constant CLOSE_FACTOR_BPS = 5000;
    uint32 internal constant PRICE_TOLERANCE = 1 hours;
    uint64 internal constant RECALL_HEALTH = 1.1e18;

    address internal governor = makeAddr("governor");
    address internal guardian = makeAddr("guardian");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal lender = makeAddr("lender");
    /// May queue risk updates once the owner names it (`setRiskAdmin`).
    address internal riskAdmin = makeAddr("riskAdmin");

    ChainlinkOracleAdapter internal oracle;
    MockAggregator internal wethFeed;
    MockAggregator internal wbtcFeed;
    TestToken internal weth;
    TestToken internal wbtc;
    CollateralVault internal vault;
    CreditMirror internal mirrorA;
    CreditMirror internal mirrorB;
    TestToken internal usdcA;
    TestToken internal usdcB;
    CreditLendingPool internal poolA;
    CreditLendingPool internal poolB;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(1_750_000_000);
        setUpEndpoints(3, LibraryType.UltraLightNode);

        oracle = new ChainlinkOracleAdapter(governor);
        weth = new TestToken("Wrapped Ether", "WETH", 18);
        wbtc = new TestToken("Wrapped Bitcoin", "WBTC", 8);
        wethFeed = new MockAggregator(8, "ETH / USD", 2000e8);
        wbtcFeed = new MockAggregator(8, "BTC / USD", 60_000e8);
        vm.startPrank(governor);
        oracle.setFeed(address(weth), IOracleAdapter.FeedConfig(address(wethFeed), 1 hours, 1e18, 1e24));
        oracle.setFeed(address(wbtc), IOracleAdapter.FeedConfig(address(wbtcFeed), 1 hours, 1e18, 1e25));
        vm.stopPrank();

        vault = new CollateralVault(endpoints[HOME], governor, oracle);
        mirrorA = new CreditMirror(endpoints[REMOTE_A], governor, HOME, HEARTBEAT_PERIOD);
        mirrorB = new CreditMirror(endpoints[REMOTE_B], governor, HOME, HEARTBEAT_PERIOD);
        usdcA = new TestToken("USD Coin", "USDC", 6);
        usdcB = new TestToken("USD Coin", "USDC", 6);
        poolA = new CreditLendingPool(mirrorA, usdcA, 1e9);
        poolB = new CreditLendingPool(mirrorB, usdcB, 1e9);

        vm.startPrank(governor);
        vault.configureAsset(address(weth), 8000, 8500, 500, type(uint128).max, true);
        vault.configureAsset(address(wbtc), 7000, 7500, 1000, type(uint128).max, true);
        vault.configureRemote(REMOTE_A, _remoteConfig(10_000_000e18, 50_000_000e18));
        vault.configureRemote(REMOTE_B, _remoteConfig(10_000_000e18, 50_000_000e18));
        vault.setGuardian(guardian);
        vault.configureLiquidation(ICollateralVault.LiquidationConfig(CLOSE_FACTOR_BPS, PRICE_TOLERANCE, RECALL_HEALTH));
        _wire(REMOTE_A, mirrorA);
        _wire(REMOTE_B, mirrorB);
        mirrorA.configureConsumer(address(poolA), true, uint120(5_000_000e18));
        mirrorB.configureConsumer(address(poolB), true, uint120(5_000_000e18));
        mirrorA.setGuardian(guardian);
        mirrorB.setGuardian(guardian);
        vm.stopPrank();

        for (uint256 i; i < 2; i++) {
            (TestToken usdc, CreditLendingPool pool) = i == 0 ? (usdcA, poolA) : (usdcB, poolB);
            usdc.mint(lender, 1_000_000e6);
            vm.startPrank(lender);
            usdc.approve(address(pool), type(uint256).max);
            pool.supply(1_000_000e6);
            vm.stopPrank();
        }
        vm.deal(alice, 100 ether);
        vm.deal(bob, 100 ether);
        // Draws need a heartbeat from home (rule M-5).
        _heartbeat(REMOTE_A);
        _heartbeat(REMOTE_B);
    }

    /// Enabled, `GRANT_TTL`, a one-day rate window.
    function _remoteConfig(uint96 creditCap, uint96 maxPerWindow)
        internal
        pure
        returns (ICollateralVault.RemoteConfig memory)
    {
        return ICollateralVault.RemoteConfig(true, GRANT_TTL, 1 days, creditCap, maxPerWindow);
    }

    function _wire(uint32 eid, CreditMirror mirror) internal {
        vault.setPeer(eid, addressToBytes32(address(mirror)));
        mirror.setPeer(HOME, addressToBytes32(address(vault)));
        EnforcedOptionParam[] memory home = new EnforcedOptionParam[](6);
        home[0] = EnforcedOptionParam(eid, MsgCodec.TYPE_GRANT, _gas(GRANT_GAS));
        home[1] = EnforcedOptionParam(eid, MsgCodec.TYPE_HEARTBEAT, _gas(HEARTBEAT_GAS));
        home[2] = EnforcedOptionParam(eid, MsgCodec.TYPE_RECALL, _gas(RECALL_GAS));
        home[3] = EnforcedOptionParam(eid, MsgCodec.TYPE_LIQUIDATABLE, _gas(LIQUIDATABLE_GAS));
        home[4] = EnforcedOptionParam(eid, MsgCodec.TYPE_CLEAR, _gas(CLEAR_GAS));
        home[5] = EnforcedOptionParam(eid, MsgCodec.TYPE_BAD_DEBT, _gas(BAD_DEBT_GAS));
        vault.setEnforcedOptions(home);
        EnforcedOptionParam[] memory remote = new EnforcedOptionParam[](3);
        remote[0] = EnforcedOptionParam(HOME, MsgCodec.TYPE_RELEASE, _gas(RELEASE_GAS));
        remote[1] = EnforcedOptionParam(HOME, MsgCodec.TYPE_USAGE, _gas(USAGE_GAS));
        remote[2] = EnforcedOptionParam(HOME, MsgCodec.TYPE_SEIZE, _gas(SEIZE_GAS));
        mirror.setEnforcedOptions(remote);
    }

    function _gas(uint128 gas) internal pure returns (bytes memory) {
        return OptionsBuilder.newOptions().addExecutorLzReceiveOption(gas, 0);
    }

    function _mirror(uint32 eid) internal view returns (CreditMirror) {
        return eid == REMOTE_A ? mirrorA : mirrorB;
    }

    function _pool(uint32 eid) internal view returns (CreditLendingPool) {
        return eid == REMOTE_A ? poolA : poolB;
    }

    function _deposit(address account, TestToken token, uint256 amount) internal {
        token.mint(account, amount);
        vm.startPrank(account);
        token.approve(address(vault), amount);
        vault.deposit(account, address(token), amount);
        vm.stopPrank();
    }

    /// Exports and delivers the GRANT.
    function _export(address account, uint32 eid, uint128 amount) internal {
        _sendExport(account, eid, amount);
        verifyPackets(eid, address(_mirror(eid)));
    }

    function _sendExport(address account, uint32 eid, uint128 amount) internal returns (bytes32 guid) {
        MessagingFee memory fee = vault.quoteExport(eid, "");
        vm.prank(account);
        guid = vault.exportCredit{ value: fee.nativeFee }(account, eid, amount, account, "").guid;
    }

    function _heartbeat(uint32 eid) internal {
        MessagingFee memory fee = vault.quote(eid, MsgCodec.TYPE_HEARTBEAT, "");
        vault.sendHeartbeat{ value: fee.nativeFee }(eid, "");
        verifyPackets(eid, address(_mirror(eid)));
    }

    /// Authorises the pool and borrows `amount` USDC (6 decimals) for `account` on `eid`.
    function _borrow(address account, uint32 eid, uint256 amount) internal {
        CreditMirror mirror = _mirror(eid);
        CreditLendingPool pool = _pool(eid);
        vm.startPrank(account);
        if (!mirror.isConsumerAuthorized(account, address(pool))) {
            mirror.setConsumerAuthorization(account, address(pool), true);
        }
        pool.borrow(account, amount, account);
        vm.stopPrank();
    }

    /// The risk admin queues `update`; after the risk delay anyone applies it, the feeds refreshed at the same
    /// prices. The owner names `riskAdmin` first (`setRiskAdmin`).
    function _queueAndApply(ICollateralVault.RiskUpdate memory update) internal {
        vm.prank(riskAdmin);
        vault.queueRiskUpdate(update);
        vm.warp(block.timestamp + VaultRisk.RISK_UPDATE_DELAY);
        wethFeed.setAnswer(2000e8);
        wbtcFeed.setAnswer(60_000e8);
        vault.applyRiskUpdate(update);
    }

    /// A risk update setting the WETH/WBTC correlation.
    function _correlationUpdate(uint16 correlationBps)
        internal
        view
        returns (ICollateralVault.RiskUpdate memory update)
    {
        update.correlations = new ICollateralVault.CorrelationUpdate[](1);
        update.correlations[0] = ICollateralVault.CorrelationUpdate(address(weth), address(wbtc), correlationBps);
    }

    /// A risk update setting the depth of `asset`.
    function _depthUpdate(address asset, uint40 depthThousands)
        internal
        pure
        returns (ICollateralVault.RiskUpdate memory update)
    {
        update.depths = new ICollateralVault.DepthUpdate[](1);
        update.depths[0] = ICollateralVault.DepthUpdate(asset, depthThousands);
    }

    function _release(address account, uint32 eid, uint128 amount) internal {
        CreditMirror mirror = _mirror(eid);
        MessagingFee memory fee = mirror.quote(MsgCodec.TYPE_RELEASE, "");
        vm.prank(account);
        mirror.release{ value: fee.nativeFee }(account, amount, "");
        verifyPackets(HOME, address(vault));
    }
}
