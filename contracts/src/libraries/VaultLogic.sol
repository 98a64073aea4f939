// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICollateralVault } from "../interfaces/ICollateralVault.sol";
import { IOracleAdapter } from "../interfaces/IOracleAdapter.sol";
import { Bitmask } from "./Bitmask.sol";
import { CreditMath } from "./CreditMath.sol";
import { MsgCodec } from "./MsgCodec.sol";
import { RiskMath } from "./RiskMath.sol";
import { VaultRisk } from "./VaultRisk.sol";
import { VaultStorage } from "./VaultStorage.sol";
import {
    ILayerZeroEndpointV2,
    MessagingFee,
    MessagingParams,
    MessagingReceipt
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { IOAppCore } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import { IOAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Address } from "@openzeppelin/contracts/utils/Address.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title VaultLogic
/// @notice The vault's cold path: flag, clear, recall and bad-debt checks and the `SEIZE` settlement. Its
/// functions are `external`, so the library is deployed once and `CollateralVault` reaches it by
/// `DELEGATECALL`: the code runs in the vault's context (its storage, its token balances, its events) but
/// does not count against the vault's EIP-170 size. It never sends LayerZero messages: it returns what the
/// vault must send. Spec: docs/PROTOCOL.md#liquidation.
/// @dev Every price here is a liquidation price (`IOracleAdapter.tryLiquidationPrice` with the configured
/// tolerance), and no price problem reverts (docs/PROTOCOL.md L-11): an unusable price counts for nothing where
/// that only understates health (`clear`, what a `SEIZE` pays with) and at the feed's last answer where a
/// liquidation needs a value (`flag`, `recall`, the bonus, bad debt).
library VaultLogic {
    using SafeERC20 for IERC20;

    /// @notice Most assets ever listed (an account's assets are a bitmask over listing indices).
    uint256 public constant MAX_LISTED_ASSETS = 96;
    /// @notice Health of an account with nothing exported.
    uint256 internal constant INFINITE_HEALTH = type(uint256).max;
    /// @notice Health 1 (1e18).
    uint256 internal constant ONE = 1e18;

    // ------------------------------------------------------------------ pricing (internal: inlined into the vault too)

    /// @notice Σ value × LTV (power) or × liquidation threshold (health's numerator) over the assets in `mask`,
    /// rounded down. An asset whose price the oracle refuses counts for nothing (rule V-2a: never more than the
    /// prices prove); the last such asset is returned so that a caller can raise the oracle's own error.
    function weightedValue(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        uint256 mask,
        bool atThreshold
    ) internal view returns (uint256 weighted, address unpriced) {
        if (mask == 0) return (0, address(0));
        // Two or more assets: the portfolio term (an external call, paid only by multi-asset accounts).
        if (mask & (mask - 1) != 0) {
            return VaultRisk.portfolioValue($, oracle, account, mask, atThreshold, VaultRisk.Pricing.Fresh);
        }
        // One asset: RiskMath's result for n = 1 (value after the size haircut × LTV), inline.
        VaultStorage.Risk memory risk = $.risks[Bitmask.lowestBit(mask)];
        (bool ok, uint256 price,) = oracle.tryPrice(risk.token);
        if (!ok) return (0, risk.token);
        uint256 value = CreditMath.valueDown($.collateral[account][risk.token], price, risk.decimals);
        if (risk.depthThousands != 0) {
            value = RiskMath.sizeAdjustedDown(value, uint256(risk.depthThousands) * VaultRisk.DEPTH_UNIT);
        }
        weighted = CreditMath.bpsDown(value, atThreshold ? risk.liquidationThresholdBps : risk.ltvBps);
    }

    /// @notice Re-throws the oracle's error for `asset` (no-op for the zero address or a price that is good now).
    function raiseOracleError(IOracleAdapter oracle, address asset) internal view {
        if (asset != address(0)) oracle.price(asset);
    }

    /// @notice Borrowing power of `account` at fresh prices; reverts with the oracle's error on an unusable price.
    function borrowingPower(VaultStorage.Layout storage $, IOracleAdapter oracle, address account)
        external
        view
        returns (uint256 power)
    {
        address unpriced;
        (power, unpriced) = weightedValue($, oracle, account, $.accounts[account].assetMask, false);
        raiseOracleError(oracle, unpriced);
    }

    /// @notice Home health of `account` at fresh prices; reverts with the oracle's error on an unusable price.
    function health(VaultStorage.Layout storage $, IOracleAdapter oracle, address account)
        external
        view
        returns (uint256)
    {
        VaultStorage.Account memory state = $.accounts[account];
        if (state.totalExported == 0) return INFINITE_HEALTH;
        (uint256 weighted, address unpriced) = weightedValue($, oracle, account, state.assetMask, true);
        raiseOracleError(oracle, unpriced);
        return weighted * ONE / state.totalExported;
    }

    // ------------------------------------------------------------------ collateral

    /// @notice Withdraws `amount` of `asset` from `account` to `receiver` (see `CollateralVault.withdraw`); the
    /// caller (`msg.sender`) is the account or its operator.
    function withdraw(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        address asset,
        uint256 amount,
        address receiver
    ) external {
        if (msg.sender != account && !$.operators[account][msg.sender]) {
            revert ICollateralVault.Vault_Unauthorized(account, msg.sender);
        }
        if (amount == 0) revert ICollateralVault.Vault_ZeroAmount();
        uint256 balance = $.collateral[account][asset];
        if (amount > balance) revert ICollateralVault.Vault_InsufficientCollateral(account, asset, amount, balance);
        $.collateral[account][asset] = balance - amount;
        VaultStorage.Account memory state = $.accounts[account];
        if (state.epoch & 1 == 1) revert ICollateralVault.Vault_AccountFlagged(account);
        if (balance == amount) {
            state.assetMask &= ~(uint96(1) << ($.listings[asset].slot - 1));
            $.accounts[account].assetMask = state.assetMask;
        }
        if (state.totalExported > 0) {
            (uint256 powerAfter, address unpriced) = weightedValue($, oracle, account, state.assetMask, false);
            if (powerAfter < state.totalExported) {
                raiseOracleError(oracle, unpriced);
                revert ICollateralVault.Vault_WithdrawExceedsPower(account, powerAfter, state.totalExported);
            }
        }
        IERC20(asset).safeTransfer(receiver, amount);
        emit ICollateralVault.Withdrawn(account, asset, msg.sender, receiver, amount);
    }

    // ------------------------------------------------------------------ messages from remotes

    /// @notice Applies a message from remote `srcEid` (the OApp already checked its peer): `RELEASE`, `USAGE` or
    /// `SEIZE`; any other type reverts (`Vault_UnexpectedMessage`) and stays retryable.
    function receiveMessage(VaultStorage.Layout storage $, IOracleAdapter oracle, uint32 srcEid, bytes calldata message)
        external
    {
        uint8 msgType = MsgCodec.msgType(message);
        if (msgType == MsgCodec.TYPE_RELEASE) {
            _applyRelease($, srcEid, MsgCodec.decodeRelease(message));
        } else if (msgType == MsgCodec.TYPE_USAGE) {
            _applyUsage($, srcEid, MsgCodec.decodeUsage(message));
        } else if (msgType == MsgCodec.TYPE_SEIZE) {
            _applySeize($, oracle, srcEid, MsgCodec.decodeSeize(message));
        } else {
            revert ICollateralVault.Vault_UnexpectedMessage(msgType);
        }
    }

    /// @dev Rule V-7: the remote already lowered the line; exported follows.
    function _applyRelease(VaultStorage.Layout storage $, uint32 srcEid, MsgCodec.Release memory release) private {
        uint256 exported = $.exported[release.account][srcEid];
        if (release.amount > exported) {
            revert ICollateralVault.Vault_ReleaseExceedsExported(release.account, srcEid, release.amount, exported);
        }
        $.exported[release.account][srcEid] = exported - release.amount;
        // Both hold at least this account's export to srcEid, which covers the release.
        $.accounts[release.account].totalExported -= release.amount;
        // forge-lint: disable-next-line(unsafe-typecast)
        $.remoteStates[srcEid].exported -= uint96(release.amount);
        emit ICollateralVault.CreditReleased(release.account, srcEid, release.amount, uint8(release.reason));
    }

    /// @dev Rule V-8: reports may arrive out of order; only a newer sequence number replaces the stored one.
    function _applyUsage(VaultStorage.Layout storage $, uint32 srcEid, MsgCodec.Usage memory usage) private {
        ICollateralVault.Usage storage last = $.usage[usage.account][srcEid];
        bool applied = usage.seq > last.seq;
        if (applied) (last.drawn, last.line, last.seq) = (usage.drawn, usage.line, usage.seq);
        emit ICollateralVault.UsageReported(usage.account, srcEid, usage.drawn, usage.line, usage.seq, applied);
    }

    // ------------------------------------------------------------------ liquidation

    /// @notice Home health of `account` at liquidation prices, an unusable price counted at the feed's last
    /// answer (what `flag` judges by; `ICollateralVault.liquidationHealth`).
    function liquidationHealth(VaultStorage.Layout storage $, IOracleAdapter oracle, address account)
        external
        view
        returns (uint256)
    {
        return _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationLast);
    }

    /// @dev Σ value × liquidation threshold ÷ exported, each asset priced as `pricing` says. One asset: the
    /// portfolio term for n = 1 inline (no external call, no arrays), as `weightedValue` does.
    function _liquidationHealth(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        VaultRisk.Pricing pricing
    ) private view returns (uint256) {
        VaultStorage.Account memory state = $.accounts[account];
        if (state.totalExported == 0) return INFINITE_HEALTH;
        uint256 mask = state.assetMask;
        uint256 weighted;
        if (mask == 0) {
            // Nothing held (all seized): health 0.
        } else if (mask & (mask - 1) != 0) {
            (weighted,) = VaultRisk.portfolioValue($, oracle, account, mask, true, pricing);
        } else {
            VaultStorage.Risk memory risk = $.risks[Bitmask.lowestBit(mask)];
            uint256 value = CreditMath.valueDown(
                $.collateral[account][risk.token], VaultRisk.priceOf($, oracle, risk.token, pricing), risk.decimals
            );
            if (risk.depthThousands != 0) {
                value = RiskMath.sizeAdjustedDown(value, uint256(risk.depthThousands) * VaultRisk.DEPTH_UNIT);
            }
            weighted = CreditMath.bpsDown(value, risk.liquidationThresholdBps);
        }
        return Math.mulDiv(weighted, ONE, state.totalExported);
    }

    /// @notice Flags `account` (its health must be below 1): bumps its epoch to odd and sends `LIQUIDATABLE` to
    /// every remote it has credit exported to, paid out of `budget` (the caller's `msg.value`). An account still
    /// unhealthy while flagged may be flagged again (epoch + 2, still odd): each remote then allows a fresh close
    /// factor of what is drawn, so a liquidation never stalls with the close factor spent and the account under 1.
    function flag(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        bytes calldata options,
        uint256 budget
    ) external {
        uint32 epoch = $.accounts[account].epoch;
        uint256 current = _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationLast);
        if (current >= ONE) revert ICollateralVault.Vault_AccountHealthy(account, current);
        uint256 remoteMask = _exportedRemotes($, account);
        uint256 flaggedBefore;
        if (epoch & 1 == 1) {
            // Flagged again: every remote flagged before still gets the CLEAR.
            epoch += 2;
            flaggedBefore = $.flaggedRemotes[account];
        } else {
            $.flaggedSince[account] = ++epoch;
        }
        // A cut remote is not told (rule L-12); one flagged before stays recorded for the CLEAR.
        remoteMask = _reachable($, account, epoch, remoteMask, MsgCodec.TYPE_LIQUIDATABLE);
        $.accounts[account].epoch = epoch;
        $.flaggedRemotes[account] = remoteMask | flaggedBefore;
        emit ICollateralVault.AccountFlagged(account, epoch, current, remoteMask);
        bytes memory message =
            MsgCodec.encodeLiquidatable(MsgCodec.Liquidatable(account, epoch, $.liquidation.closeFactorBps));
        _notifyAll($, account, epoch, remoteMask, MsgCodec.TYPE_LIQUIDATABLE, message, options, budget);
    }

    /// @notice Clears a flagged `account` whose health is at least 1 again: bumps its epoch to even and sends
    /// `CLEAR` to every remote that was flagged, paid out of `budget`.
    function clear(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        bytes calldata options,
        uint256 budget
    ) external {
        uint32 epoch = $.accounts[account].epoch;
        if (epoch & 1 == 0) revert ICollateralVault.Vault_NotFlagged(account);
        // An unusable price counts for nothing: it can only understate health, so no clear is ever wrong.
        uint256 current = _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationFloor);
        if (current < ONE) revert ICollateralVault.Vault_StillUnhealthy(account, current);
        $.accounts[account].epoch = ++epoch;
        uint256 remoteMask = _reachable($, account, epoch, $.flaggedRemotes[account], MsgCodec.TYPE_CLEAR);
        delete $.flaggedRemotes[account];
        emit ICollateralVault.AccountCleared(account, epoch, current);
        bytes memory message = MsgCodec.encodeClear(MsgCodec.Clear(account, epoch));
        _notifyAll($, account, epoch, remoteMask, MsgCodec.TYPE_CLEAR, message, options, budget);
    }

    /// @notice Sends `RECALL` of up to `amount` of `account`'s undrawn credit on `dstEid`. The caller
    /// (`msg.sender`) must be the account or its operator, or the account's health below the recall health.
    function recall(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        uint32 dstEid,
        uint128 amount,
        bytes calldata options,
        uint256 budget
    ) external {
        if (amount == 0) revert ICollateralVault.Vault_ZeroAmount();
        if (msg.sender != account && !$.operators[account][msg.sender]) {
            uint256 current = _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationLast);
            if (current >= $.liquidation.recallHealth) {
                revert ICollateralVault.Vault_RecallNotAllowed(account, msg.sender, current);
            }
        }
        bytes memory message = MsgCodec.encodeRecall(MsgCodec.Recall(account, amount, ++$.recalls));
        MessagingReceipt memory receipt =
            _notify(account, $.accounts[account].epoch, dstEid, MsgCodec.TYPE_RECALL, message, options, amount, budget);
        _refund(budget - receipt.fee.nativeFee);
    }

    /// @notice Sends `BAD_DEBT` for what the flagged `account` still has exported to `dstEid`. It must hold no
    /// collateral, or only dust: worth less than the dust floor in all (at liquidation prices, the last answer for
    /// an unusable one) with health below 1. The dust goes to the caller, claimable (rule L-16).
    function reportBadDebt(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        address account,
        uint32 dstEid,
        bytes calldata options,
        uint256 budget
    ) external {
        uint256 amount = $.exported[account][dstEid];
        VaultStorage.Account memory state = $.accounts[account];
        // Flagged only: a line that hears this epoch is frozen, so no later credit can be written off (L-15).
        if (amount == 0 || state.epoch & 1 == 0) revert ICollateralVault.Vault_NoBadDebt(account, dstEid);
        if (state.assetMask != 0) {
            if (
                _collateralValue($, oracle, account, state.assetMask) >= $.dustFloor
                    || _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationLast) >= ONE
            ) revert ICollateralVault.Vault_NoBadDebt(account, dstEid);
            _sweepDust($, account, state.assetMask);
        }
        uint32 epoch = state.epoch;
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes memory message = MsgCodec.encodeBadDebt(MsgCodec.BadDebt(account, epoch, uint128(amount)));
        MessagingReceipt memory receipt =
            _notify(account, epoch, dstEid, MsgCodec.TYPE_BAD_DEBT, message, options, amount, budget);
        _refund(budget - receipt.fee.nativeFee);
    }

    /// @notice Fee of one message of `msgType` to `dstEid` with `options` on top of the enforced ones (the
    /// vault's `quote`; here so that the vault's code stays within EIP-170).
    function quote(uint32 dstEid, uint8 msgType, bytes calldata options) external view returns (MessagingFee memory) {
        (ILayerZeroEndpointV2 endpoint, MessagingParams memory params) =
            _params(dstEid, msgType, new bytes(MsgCodec.sizeOf(msgType)), options);
        return endpoint.quote(params, address(this));
    }

    /// @notice Total fee of the `LIQUIDATABLE` (`flag`) or `CLEAR` (`clear`) messages for `account` now.
    function quoteNotices(VaultStorage.Layout storage $, address account, uint8 msgType, bytes calldata options)
        external
        view
        returns (uint256 fee)
    {
        uint256 remoteMask = msgType == MsgCodec.TYPE_CLEAR ? $.flaggedRemotes[account] : _exportedRemotes($, account);
        bytes memory message = new bytes(MsgCodec.sizeOf(msgType));
        for (; remoteMask != 0; remoteMask &= remoteMask - 1) {
            uint32 eid = $.remotes[Bitmask.lowestBit(remoteMask)];
            // The remotes `flag` and `clear` skip (rule L-12) cost nothing.
            if (!$.remoteConfigs[eid].enabled || IOAppCore(address(this)).peers(eid) == bytes32(0)) continue;
            (, MessagingParams memory params) = _params(eid, msgType, message, options);
            fee += _endpoint().quote(params, address(this)).nativeFee;
        }
    }

    /// @dev Sends `message` to every remote in `remoteMask`, each at its quoted fee out of `budget`; refunds the rest.
    function _notifyAll(
        VaultStorage.Layout storage $,
        address account,
        uint32 epoch,
        uint256 remoteMask,
        uint8 msgType,
        bytes memory message,
        bytes calldata options,
        uint256 budget
    ) private {
        for (; remoteMask != 0; remoteMask &= remoteMask - 1) {
            uint32 eid = $.remotes[Bitmask.lowestBit(remoteMask)];
            budget -= _notify(account, epoch, eid, msgType, message, options, 0, budget).fee.nativeFee;
        }
        _refund(budget);
    }

    /// @notice Sends a `HEARTBEAT` stamped now to `dstEid`, paid out of `budget` (the caller's `msg.value`);
    /// refunds the rest.
    function sendHeartbeat(uint32 dstEid, bytes calldata options, uint256 budget)
        external
        returns (MessagingReceipt memory receipt)
    {
        uint64 timestamp = uint64(block.timestamp);
        bytes memory message = MsgCodec.encodeHeartbeat(MsgCodec.Heartbeat(timestamp));
        receipt = _send(dstEid, MsgCodec.TYPE_HEARTBEAT, message, options, budget);
        _refund(budget - receipt.fee.nativeFee);
        emit ICollateralVault.HeartbeatSent(dstEid, timestamp, receipt.guid);
    }

    /// @dev `_send` and the `NoticeSent` event the relayer indexes.
    function _notify(
        address account,
        uint32 epoch,
        uint32 eid,
        uint8 msgType,
        bytes memory message,
        bytes calldata options,
        uint256 value,
        uint256 budget
    ) private returns (MessagingReceipt memory receipt) {
        receipt = _send(eid, msgType, message, options, budget);
        emit ICollateralVault.NoticeSent(account, eid, msgType, epoch, value, receipt.guid);
    }

    /// @dev Sends `message` to `eid` with all of `budget`: the endpoint takes its fee and refunds the rest to the
    /// vault (its `receive`), so the fee is computed once, by the endpoint — a quote first would cost as much
    /// again. The vault is the sender (this code runs in its context), so the endpoint sees the OApp, and its
    /// peer and enforced options apply. A budget below the fee reverts with the endpoint's `LZ_InsufficientFee`.
    function _send(uint32 eid, uint8 msgType, bytes memory message, bytes calldata options, uint256 budget)
        private
        returns (MessagingReceipt memory)
    {
        (ILayerZeroEndpointV2 endpoint, MessagingParams memory params) = _params(eid, msgType, message, options);
        return endpoint.send{ value: budget }(params, address(this));
    }

    function _params(uint32 eid, uint8 msgType, bytes memory message, bytes calldata options)
        private
        view
        returns (ILayerZeroEndpointV2 endpoint, MessagingParams memory params)
    {
        bytes32 peer = IOAppCore(address(this)).peers(eid);
        if (peer == bytes32(0)) revert IOAppCore.NoPeer(eid);
        bytes memory combined = IOAppOptionsType3(address(this)).combineOptions(eid, msgType, options);
        return (_endpoint(), MessagingParams(eid, peer, message, combined, false));
    }

    function _endpoint() private view returns (ILayerZeroEndpointV2) {
        return IOAppCore(address(this)).endpoint();
    }

    function _refund(uint256 amount) private {
        if (amount != 0) Address.sendValue(payable(msg.sender), amount);
    }

    /// @dev Σ value (no haircut) of the assets in `mask`, an unusable price at the feed's last answer.
    function _collateralValue(VaultStorage.Layout storage $, IOracleAdapter oracle, address account, uint256 mask)
        private
        view
        returns (uint256 value)
    {
        for (; mask != 0; mask &= mask - 1) {
            VaultStorage.Risk memory risk = $.risks[Bitmask.lowestBit(mask)];
            uint256 price = VaultRisk.priceOf($, oracle, risk.token, VaultRisk.Pricing.LiquidationLast);
            value += CreditMath.valueDown($.collateral[account][risk.token], price, risk.decimals);
        }
    }

    /// @dev Moves the collateral of `account` in `mask` to the caller's claimable balance (no transfer: a token
    /// that refuses or calls back cannot stop a write-off) and empties the account.
    function _sweepDust(VaultStorage.Layout storage $, address account, uint256 mask) private {
        for (; mask != 0; mask &= mask - 1) {
            address token = $.risks[Bitmask.lowestBit(mask)].token;
            uint256 held = $.collateral[account][token];
            delete $.collateral[account][token];
            $.claimable[msg.sender][token] += held;
            emit ICollateralVault.CollateralSeized(account, msg.sender, token, held, true);
        }
        $.accounts[account].assetMask = 0;
    }

    /// @dev The remotes of `remoteMask` that can be told now: a peer set and the remote enabled (governance's
    /// incident response unsets one or the other). Each remote left out gets a `NoticeSkipped`.
    function _reachable(VaultStorage.Layout storage $, address account, uint32 epoch, uint256 remoteMask, uint8 msgType)
        private
        returns (uint256 reachable)
    {
        reachable = remoteMask;
        for (; remoteMask != 0; remoteMask &= remoteMask - 1) {
            uint256 i = Bitmask.lowestBit(remoteMask);
            uint32 eid = $.remotes[i];
            if (!$.remoteConfigs[eid].enabled || IOAppCore(address(this)).peers(eid) == bytes32(0)) {
                reachable &= ~(uint256(1) << i);
                emit ICollateralVault.NoticeSkipped(account, eid, msgType, epoch);
            }
        }
    }

    /// @notice Sets the dust floor (1e18 USD) under which a flagged account's collateral no longer blocks a
    /// bad-debt write-off (rule L-16).
    function setDustFloor(VaultStorage.Layout storage $, uint128 dustFloor) external {
        $.dustFloor = dustFloor;
        emit ICollateralVault.DustFloorSet(dustFloor);
    }

    function _exportedRemotes(VaultStorage.Layout storage $, address account)
        private
        view
        returns (uint256 remoteMask)
    {
        uint32[] storage remotes = $.remotes;
        for (uint256 i; i < remotes.length; ++i) {
            if ($.exported[account][remotes[i]] != 0) remoteMask |= uint256(1) << i;
        }
    }

    /// @dev Applies a `SEIZE` from `srcEid`: the repaid credit leaves home's books (the remote already cut
    /// the line), then the liquidator is paid collateral worth repaid × (1 + bonus), or at par when the
    /// account is not liquidatable at the seize's epoch (rule V-7).
    /// @dev Bonus only if the account is still flagged since (at or before) the seize's epoch and home health
    /// (before the repaid credit leaves) is below 1: a `SEIZE` after a `CLEAR`, from a flag before it, or for an
    /// account that recovered pays at par — the liquidator did repay real debt on the remote, which cannot be undone,
    /// and the account loses no value. Assets pay in order: the liquidator's choice first, then listing order.
    function _applySeize(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        uint32 srcEid,
        MsgCodec.Seize memory order
    ) private {
        if ($.seizes[srcEid][order.seizeId]) {
            revert ICollateralVault.Vault_DuplicateSeize(srcEid, order.seizeId);
        }
        $.seizes[srcEid][order.seizeId] = true;
        address account = order.account;
        uint256 exported = $.exported[account][srcEid];
        if (order.repaid > exported) {
            revert ICollateralVault.Vault_SeizeExceedsExported(account, srcEid, order.repaid, exported);
        }
        // The bonus needs the flag the liquidation was made under to be still running (no CLEAR since; a
        // re-flag keeps it running) and the account to be under 1 now.
        bool withBonus = $.accounts[account].epoch & 1 == 1 && order.epoch >= $.flaggedSince[account]
            && _liquidationHealth($, oracle, account, VaultRisk.Pricing.LiquidationLast) < ONE;

        // The credit was consumed on the remote: it leaves every total that counted it.
        $.exported[account][srcEid] = exported - order.repaid;
        $.accounts[account].totalExported -= order.repaid;
        // forge-lint: disable-next-line(unsafe-typecast)
        $.remoteStates[srcEid].exported -= uint96(order.repaid);

        uint256 unpaid = _pay($, oracle, order, withBonus);
        emit ICollateralVault.SeizeApplied(
            account, srcEid, order.liquidator, order.repaid, order.epoch, order.seizeId, withBonus, unpaid
        );
    }

    /// @dev Pays `order.liquidator` for `order.repaid` credit out of `order.account`'s collateral; returns the
    /// credit no collateral was left to cover.
    function _pay(VaultStorage.Layout storage $, IOracleAdapter oracle, MsgCodec.Seize memory order, bool withBonus)
        private
        returns (uint256 remaining)
    {
        remaining = order.repaid;
        uint256 mask = $.accounts[order.account].assetMask;
        VaultStorage.Listing memory chosen = $.listings[order.asset];
        if (chosen.slot != 0 && mask & (uint256(1) << (chosen.slot - 1)) != 0) {
            remaining = _payIn($, oracle, order, chosen.slot - 1, remaining, withBonus);
            mask &= ~(uint256(1) << (chosen.slot - 1));
        }
        for (; mask != 0 && remaining != 0; mask &= mask - 1) {
            // Listing indices are < MAX_LISTED_ASSETS = 96.
            // forge-lint: disable-next-line(unsafe-typecast)
            remaining = _payIn($, oracle, order, uint8(Bitmask.lowestBit(mask)), remaining, withBonus);
        }
    }

    /// @dev Pays for up to `remaining` credit in the asset listed at `index`; returns the credit still unpaid.
    /// Rounds against the liquidator: the amount owed rounds down, the credit a capped payment covers rounds up.
    function _payIn(
        VaultStorage.Layout storage $,
        IOracleAdapter oracle,
        MsgCodec.Seize memory order,
        uint8 index,
        uint256 remaining,
        bool withBonus
    ) private returns (uint256) {
        VaultStorage.Risk memory risk = $.risks[index];
        // Paid only out of priced assets (rule L-11): an unusable price pays nothing and never reverts.
        uint256 price = VaultRisk.priceOf($, oracle, risk.token, VaultRisk.Pricing.LiquidationFloor);
        if (price == 0) return remaining;
        uint256 factorBps = CreditMath.BPS + (withBonus ? risk.liquidationBonusBps : 0);
        uint256 owed = CreditMath.amountDown(CreditMath.bpsDown(remaining, factorBps), price, risk.decimals);
        uint256 held = $.collateral[order.account][risk.token];
        uint256 paid = Math.min(owed, held);
        if (owed >= held) {
            // Everything the account holds of this asset goes; it covers its value ÷ (1 + bonus) of credit.
            uint256 covered = Math.mulDiv(
                CreditMath.valueDown(held, price, risk.decimals), CreditMath.BPS, factorBps, Math.Rounding.Ceil
            );
            remaining = covered >= remaining ? 0 : remaining - covered;
            $.accounts[order.account].assetMask &= ~(uint96(1) << index);
        } else {
            remaining = 0;
        }
        $.collateral[order.account][risk.token] = held - paid;
        if (paid == 0) return remaining;
        bool sent = IERC20(risk.token).trySafeTransfer(order.liquidator, paid);
        if (!sent) $.claimable[order.liquidator][risk.token] += paid;
        emit ICollateralVault.CollateralSeized(order.account, order.liquidator, risk.token, paid, !sent);
        return remaining;
    }

    /// @notice Sends `to` what `owner` may claim of `asset` (an owner the token refuses names another address).
    function claim(VaultStorage.Layout storage $, address owner, address asset, address to)
        external
        returns (uint256 amount)
    {
        amount = $.claimable[owner][asset];
        if (amount == 0) revert ICollateralVault.Vault_NothingToClaim(owner, asset);
        delete $.claimable[owner][asset];
        IERC20(asset).safeTransfer(to, amount);
        emit ICollateralVault.Claimed(owner, asset, to, amount);
    }

    // ------------------------------------------------------------------ views

    /// @notice Assets `account` holds, in listing order.
    function assetsOf(VaultStorage.Layout storage $, address account) external view returns (address[] memory assets) {
        uint256 mask = $.accounts[account].assetMask;
        assets = new address[](Bitmask.count(mask));
        for (uint256 n; mask != 0; ++n) {
            assets[n] = $.risks[Bitmask.lowestBit(mask)].token;
            mask &= mask - 1;
        }
    }

    /// @notice Parameters of `asset` (all zero if it was never listed).
    function assetConfig(VaultStorage.Layout storage $, address asset)
        external
        view
        returns (ICollateralVault.AssetConfig memory config)
    {
        VaultStorage.Listing memory listing = $.listings[asset];
        if (listing.slot == 0) return config;
        VaultStorage.Risk memory risk = $.risks[listing.slot - 1];
        return ICollateralVault.AssetConfig(
            risk.ltvBps,
            risk.liquidationThresholdBps,
            risk.liquidationBonusBps,
            risk.decimals,
            listing.listed,
            listing.supplyCap
        );
    }
}
