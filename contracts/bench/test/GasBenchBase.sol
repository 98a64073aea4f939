// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { BenchOFT } from "../src/BenchOFT.sol";
import { PacketQueueStub } from "../src/PacketQueueStub.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { PacketV1Codec } from "@layerzerolabs/lz-evm-protocol-v2/contracts/messagelib/libs/PacketV1Codec.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { EnforcedOptionParam } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import { IOFT, SendParam } from "@layerzerolabs/oft-evm/contracts/interfaces/IOFT.sol";
import { IMorpho, IMorphoBase, MarketParams } from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import { MsgCodec } from "contracts/src/libraries/MsgCodec.sol";
import { BallastBase } from "contracts/test/integration/BallastBase.sol";
import { Vm } from "forge-std/Vm.sol";

/// @dev Morpho's OracleMock, deployed from the 0.8.19 build (only its setter is needed here).
interface IOracleMock {
    function setPrice(uint256 newPrice) external;
}

/// @dev SendUln302Mock's getter for the packet queue it calls back.
interface IPacketQueueHolder {
    function testHelper() external view returns (address);
}

/// The gas bench's world: Ballast as the integration tests deploy it (BallastBase: vault on eid 1,
/// mirror and lending pool on eid 2), Morpho Blue with one WETH/USDC market, and an OFT pair on eids 1
/// and 2, all over the same TestHelperOz5 endpoints (ULN 302, DVN and executor mocks) and the same
/// tokens (WETH 18 decimals as collateral, USDC 6 decimals as the loan token). Users, identical on every
/// side:
/// - lender: 1,000,000 USDC supplied to the pool and to the Morpho market;
/// - bob: an earlier borrower (10 WETH in, 3,000 USDC out, 100 credit released) so every global total
///   and every pathway (home → remote for the vault and the OFT, remote → home for the mirror) is in use;
/// - alice, the repeat user: 10 WETH in, 8,000 credit exported, 5,000 USDC out, one OFT sent before;
/// - carol, the first-time user: holds WETH, USDC and OFT and has approved everyone, has no position.
/// Everyone holds some of every token and has max approvals (no allowance writes on either side).
/// `_measure` sends each measured call as its own transaction (the bench profile sets `isolate`): cold
/// accounts and slots, intrinsic gas and the refund cap as on a chain. An hour passes before each
/// measured call (`_pass`), so interest accrues on both lending sides.
abstract contract GasBenchBase is BallastBase {
    using PacketV1Codec for bytes;

    /// Snapshot group: one JSON object, read by test/bench/gas/gas.bench.ts.
    string internal constant GROUP = "ballast-gas";
    /// Morpho oracle price of 1 WETH in USDC: 2,000 × 1e36 × 1e6 / 1e18.
    uint256 internal constant MORPHO_PRICE = 2000e24;
    uint256 internal constant MORPHO_LLTV = 0.86e18;
    /// Where the vault's external libraries are linked: their `libraries` entries in contracts/bench/foundry.toml
    /// (see there why the bench links them at compile time).
    address internal constant VAULT_LOGIC = 0xBdBDF7ff5457Be09862A1844DADCb122b1a7bD85;
    address internal constant VAULT_RISK = 0xAD2f099993A0F6B634B3E7197129a37f83C09F23;

    address internal carol = makeAddr("carol");
    address internal executor = makeAddr("executor");
    /// A consumer the mirror allows, calling `draw` / `restore` itself: the mirror's part of a borrow.
    address internal directConsumer = makeAddr("directConsumer");

    IMorpho internal morpho;
    MarketParams internal market;
    BenchOFT internal oftHome;
    BenchOFT internal oftRemote;

    function setUp() public virtual override {
        _deployLibraries();
        super.setUp();
        _assertLinked(VAULT_LOGIC, "VaultLogic");
        _assertLinked(VAULT_RISK, "VaultRisk");
        _stubPacketQueue(HOME, REMOTE_A);
        _stubPacketQueue(REMOTE_A, HOME);
        _deployMorpho();
        _deployOft();
        vm.prank(governor);
        mirrorA.configureConsumer(directConsumer, true, uint120(5_000_000e18));

        address[4] memory users = [bob, alice, carol, lender];
        for (uint256 i; i < users.length; ++i) {
            address user = users[i];
            vm.deal(user, 100 ether);
            weth.mint(user, 100 ether);
            usdcA.mint(user, 10_000e6);
            oftHome.mint(user, 100e18);
            vm.startPrank(user);
            weth.approve(address(vault), type(uint256).max);
            weth.approve(address(morpho), type(uint256).max);
            usdcA.approve(address(poolA), type(uint256).max);
            usdcA.approve(address(morpho), type(uint256).max);
            vm.stopPrank();
        }
        usdcA.mint(lender, 1_000_000e6);
        vm.prank(lender);
        morpho.supply(market, 1_000_000e6, 0, lender, "");

        _openPositions(bob, 3000e6);
        _openPositions(alice, 5000e6);
        _sendOft(alice, 1e18);
        _deliver("", _sentPacket());
        // A RELEASE has gone home before, so the mirror → vault pathway is as warm as the others.
        uint256 fee = mirrorA.quote(MsgCodec.TYPE_RELEASE, "").nativeFee;
        _expectPacket();
        vm.prank(bob);
        mirrorA.release{ value: fee }(bob, 100e18, "");
        _deliver("", _sentPacket());
        vm.prank(alice);
        mirrorA.setConsumerAuthorization(alice, directConsumer, true);
        vm.prank(directConsumer);
        mirrorA.draw(alice, 100e18);
        _pass(1 hours);
    }

    /// Deploys each external library the vault reaches to the address foundry.toml links it to, before
    /// BallastBase deploys and configures the vault. A new one needs its `libraries` entries there and a line here.
    function _deployLibraries() internal {
        deployCodeTo("VaultLogic.sol:VaultLogic", VAULT_LOGIC);
        deployCodeTo("VaultRisk.sol:VaultRisk", VAULT_RISK);
    }

    /// Fails unless the vault's code calls `library_`, i.e. it was linked to the address it was deployed to.
    function _assertLinked(address library_, string memory name) internal view {
        string memory code = vm.toString(address(vault).code);
        string memory linked = vm.replace(vm.toString(abi.encodePacked(library_)), "0x", "");
        require(
            vm.indexOf(code, linked) != type(uint256).max,
            string.concat(
                "gas bench: the vault is not linked to ", name, " (`libraries` in contracts/bench/foundry.toml)"
            )
        );
    }

    /// Lets `duration` pass; the feeds post a new round meanwhile (`_postRounds`), as Chainlink does on its
    /// heartbeat.
    function _pass(uint256 duration) internal {
        skip(duration);
        _postRounds();
    }

    /// The WETH feed posts a new round at $2,000.
    function _postRounds() internal virtual {
        wethFeed.setAnswer(2000e8);
    }

    // ------------------------------------------------------------------ measuring

    /// Sends `data` from `from` to `to` as its own transaction and records its gas (net of refunds, with
    /// the intrinsic 21,000 + calldata) as `name`, and that intrinsic part as `name.intrinsic`.
    function _measure(string memory name, address from, address to, uint256 value, bytes memory data) internal {
        vm.prank(from);
        (bool ok, bytes memory result) = to.call{ value: value }(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        vm.snapshotGasLastCall(GROUP, name);
        vm.snapshotValue(GROUP, string.concat(name, ".intrinsic"), _intrinsicGas(data));
    }

    /// 21,000 plus 4 per zero and 16 per non-zero calldata byte (Cancun; no access list).
    function _intrinsicGas(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    // ------------------------------------------------------------------ messaging

    /// Points the send library of `eid` → `dstEid` at a stub instead of the test helper's packet queue
    /// (see PacketQueueStub). The slot is found by value and confirmed through the getter.
    function _stubPacketQueue(uint32 eid, uint32 dstEid) internal {
        address sendLibrary = ILayerZeroEndpointV2(endpoints[eid]).defaultSendLibrary(dstEid);
        address stub = address(new PacketQueueStub());
        for (uint256 slot; slot < 64; ++slot) {
            bytes32 held = vm.load(sendLibrary, bytes32(slot));
            if (held != bytes32(uint256(uint160(address(this))))) continue;
            vm.store(sendLibrary, bytes32(slot), bytes32(uint256(uint160(stub))));
            if (IPacketQueueHolder(sendLibrary).testHelper() == stub) return;
            vm.store(sendLibrary, bytes32(slot), held);
        }
        revert("gas bench: SendUln302Mock.testHelper not found");
    }

    /// Starts recording logs; the next `_sentPacket` reads the packet sent since.
    function _expectPacket() internal {
        vm.recordLogs();
    }

    /// The last packet the endpoint emitted in `PacketSent` since `_expectPacket`.
    function _sentPacket() internal returns (bytes memory packet) {
        bytes[] memory sent = _sentPackets();
        require(sent.length > 0, "gas bench: no PacketSent");
        return sent[sent.length - 1];
    }

    /// Every packet the endpoints emitted in `PacketSent` since `_expectPacket`, in order.
    function _sentPackets() internal returns (bytes[] memory packets) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        packets = new bytes[](logs.length);
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory entry = logs[i];
            if (entry.topics.length > 0 && entry.topics[0] == ILayerZeroEndpointV2.PacketSent.selector) {
                (packets[count++],,) = abi.decode(entry.data, (bytes, bytes, address));
            }
        }
        assembly ("memory-safe") {
            mstore(packets, count)
        }
    }

    /// Verifies `packet` (DVN verify + commit, not measured), then has the executor call the destination
    /// endpoint's `lzReceive`, measured as `name` unless `name` is empty.
    function _deliver(string memory name, bytes memory packet) internal {
        this.validatePacket(packet, "");
        (address endpoint, bytes memory data) = this.lzReceiveCall(packet);
        if (bytes(name).length > 0) {
            _measure(name, executor, endpoint, 0, data);
        } else {
            vm.prank(executor);
            (bool ok,) = endpoint.call(data);
            require(ok, "gas bench: lzReceive failed");
        }
    }

    /// The destination endpoint of `packet` and the executor's `lzReceive` call that delivers it.
    function lzReceiveCall(bytes calldata packet) external view returns (address endpoint, bytes memory data) {
        endpoint = endpoints[packet.dstEid()];
        Origin memory origin = Origin(packet.srcEid(), packet.sender(), packet.nonce());
        data = abi.encodeCall(
            ILayerZeroEndpointV2.lzReceive, (origin, packet.receiverB20(), packet.guid(), packet.message(), "")
        );
    }

    // ------------------------------------------------------------------ calls, shared by setup and tests

    function _depositCall(address account, uint256 amount) internal view returns (bytes memory) {
        return abi.encodeCall(vault.deposit, (account, address(weth), amount));
    }

    function _supplyCollateralCall(address account, uint256 amount) internal view returns (bytes memory) {
        return abi.encodeCall(IMorphoBase.supplyCollateral, (market, amount, account, ""));
    }

    function _exportCall(address account, uint128 amount) internal view returns (uint256 fee, bytes memory data) {
        fee = vault.quoteExport(REMOTE_A, "").nativeFee;
        data = abi.encodeCall(vault.exportCredit, (account, REMOTE_A, amount, account, ""));
    }

    function _oftSendCall(address account, uint256 amount) internal view returns (uint256 fee, bytes memory data) {
        SendParam memory param = SendParam(REMOTE_A, addressToBytes32(account), amount, amount, "", "", "");
        MessagingFee memory quoted = oftHome.quoteSend(param, false);
        fee = quoted.nativeFee;
        data = abi.encodeCall(IOFT.send, (param, quoted, account));
    }

    /// 10 WETH in the vault and in the Morpho market, 8,000 credit exported and its GRANT delivered, the
    /// pool authorised: a line on REMOTE_A, not drawn.
    function _openLine(address account) internal {
        vm.prank(account);
        vault.deposit(account, address(weth), 10 ether);
        (uint256 fee, bytes memory data) = _exportCall(account, 8000e18);
        _expectPacket();
        vm.prank(account);
        (bool ok,) = address(vault).call{ value: fee }(data);
        require(ok, "gas bench: export failed");
        _deliver("", _sentPacket());
        vm.prank(account);
        mirrorA.setConsumerAuthorization(account, address(poolA), true);
        vm.prank(account);
        morpho.supplyCollateral(market, 10 ether, account, "");
    }

    /// `_openLine`, then `borrowed` USDC out of the pool and out of the Morpho market.
    function _openPositions(address account, uint256 borrowed) internal {
        _openLine(account);
        vm.startPrank(account);
        poolA.borrow(account, borrowed, account);
        morpho.borrow(market, borrowed, 0, account, account);
        vm.stopPrank();
    }

    function _sendOft(address account, uint256 amount) internal {
        (uint256 fee, bytes memory data) = _oftSendCall(account, amount);
        _expectPacket();
        vm.prank(account);
        (bool ok,) = address(oftHome).call{ value: fee }(data);
        require(ok, "gas bench: OFT send failed");
    }

    // ------------------------------------------------------------------ peers

    /// Morpho Blue, its IrmMock and OracleMock, from the creation code the 0.8.19 pass built (passed in by
    /// gas.bench.ts), and one market: USDC lent against WETH.
    function _deployMorpho() internal {
        morpho = IMorpho(_create(abi.encodePacked(_morphoBuild("BENCH_MORPHO_CODE"), abi.encode(governor))));
        address irm = _create(_morphoBuild("BENCH_MORPHO_IRM_CODE"));
        address oracleMock = _create(_morphoBuild("BENCH_MORPHO_ORACLE_CODE"));
        IOracleMock(oracleMock).setPrice(MORPHO_PRICE);
        vm.label(address(morpho), "Morpho");
        vm.label(irm, "IrmMock");
        vm.label(oracleMock, "OracleMock");
        market = MarketParams(address(usdcA), address(weth), oracleMock, irm, MORPHO_LLTV);
        vm.startPrank(governor);
        morpho.enableIrm(irm);
        morpho.enableLltv(MORPHO_LLTV);
        morpho.createMarket(market);
        vm.stopPrank();
    }

    /// An OFT on HOME and on REMOTE_A, peered, with the same enforced lzReceive gas as a GRANT.
    function _deployOft() internal {
        oftHome = new BenchOFT("Bench OFT", "BOFT", endpoints[HOME], governor);
        oftRemote = new BenchOFT("Bench OFT", "BOFT", endpoints[REMOTE_A], governor);
        EnforcedOptionParam[] memory enforced = new EnforcedOptionParam[](1);
        enforced[0] = EnforcedOptionParam(REMOTE_A, oftHome.SEND(), _gas(GRANT_GAS));
        vm.startPrank(governor);
        oftHome.setPeer(REMOTE_A, addressToBytes32(address(oftRemote)));
        oftRemote.setPeer(HOME, addressToBytes32(address(oftHome)));
        oftHome.setEnforcedOptions(enforced);
        vm.stopPrank();
    }

    /// Creation code from the 0.8.19 pass, which only gas.bench.ts runs.
    function _morphoBuild(string memory variable) internal view returns (bytes memory creationCode) {
        creationCode = vm.envOr(variable, bytes(""));
        require(
            creationCode.length > 0, "gas bench: run it with `pnpm bench:gas` (Morpho is built by solc 0.8.19 first)"
        );
    }

    function _create(bytes memory creationCode) internal returns (address deployed) {
        assembly ("memory-safe") {
            deployed := create(0, add(creationCode, 0x20), mload(creationCode))
        }
        require(deployed != address(0), "gas bench: deployment failed");
    }
}
