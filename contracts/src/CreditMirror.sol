// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICreditConsumer } from "./interfaces/ICreditConsumer.sol";
import { ICreditMirror } from "./interfaces/ICreditMirror.sol";
import { MsgCodec } from "./libraries/MsgCodec.sol";
import { MessagingFee, MessagingReceipt, OApp, Origin } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OAppOptionsType3.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CreditMirror
/// @notice Remote-chain side of Ballast: credit lines granted by home, drawn and restored by approved
/// consumers, released home. Debits before it sends (`RELEASE` leaves only after the line shrank), so
/// a line never exceeds what home counts as exported. Spec: docs/PROTOCOL.md.
contract CreditMirror is ICreditMirror, OApp, OAppOptionsType3, Ownable2Step {
    /// @notice Most consumers ever configured (bounds the loop of a `BAD_DEBT` write-off).
    uint256 public constant MAX_CONSUMERS = 8;
    /// @notice Gas each consumer's `onBadDebt` may use (a consumer cannot make a `BAD_DEBT` run out of gas).
    uint256 public constant BAD_DEBT_CALLBACK_GAS = 60_000;

    /// @dev Credit off a line waiting to go home, with the reason of its latest addition (one slot).
    struct Parked {
        uint128 amount;
        MsgCodec.ReleaseReason reason;
    }

    /// @inheritdoc ICreditMirror
    uint32 public immutable homeEid;

    /// @notice Seconds after the newest heartbeat's home timestamp during which new draws are allowed.
    uint32 public heartbeatPeriod;
    bool public drawsPaused;
    /// @inheritdoc ICreditMirror
    /// @dev In one slot with `heartbeatPeriod` and `drawsPaused`: a draw's gate is one storage read.
    uint64 public lastHeartbeat;
    address public guardian;

    mapping(address account => Line) internal _lines;
    /// `SEIZE`s sent; the next one's id is this plus one.
    uint64 public seizes;
    address[] internal _consumerList;
    mapping(address account => Parked) internal _parked;
    mapping(address account => uint128) internal _repayable;
    mapping(address consumer => uint256) internal _badDebt;
    mapping(address consumer => bool) internal _listed;
    mapping(address consumer => Consumer) internal _consumers;
    mapping(address consumer => mapping(address account => uint256)) internal _drawnBy;
    mapping(address account => mapping(address consumer => bool)) internal _authorized;

    constructor(address endpoint, address owner_, uint32 homeEid_, uint32 heartbeatPeriod_)
        OApp(endpoint, owner_)
        Ownable(owner_)
    {
        homeEid = homeEid_;
        heartbeatPeriod = heartbeatPeriod_;
    }

    // ------------------------------------------------------------------ consumers

    /// @inheritdoc ICreditMirror
    function draw(address account, uint128 amount) external {
        if (amount == 0) revert Mirror_ZeroAmount();
        if (drawsPaused) revert Mirror_DrawsPaused();
        if (block.timestamp > uint256(lastHeartbeat) + heartbeatPeriod) {
            revert Mirror_HeartbeatStale(lastHeartbeat, heartbeatPeriod);
        }
        Consumer storage config = _consumers[msg.sender];
        if (!config.allowed) revert Mirror_ConsumerNotAllowed(msg.sender);
        if (!_authorized[account][msg.sender]) revert Mirror_ConsumerNotAuthorized(account, msg.sender);
        Line storage line = _lines[account];
        uint256 drawnAfter = uint256(line.drawn) + amount;
        if (drawnAfter > line.line) revert Mirror_DrawExceedsLine(account, amount, line.line - line.drawn);
        uint256 consumerAfter = uint256(config.drawn) + amount;
        if (consumerAfter > config.cap) revert Mirror_ConsumerCapExceeded(msg.sender, config.cap, consumerAfter);

        // Both fit: drawnAfter ≤ line.line and consumerAfter ≤ config.cap, each a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        line.drawn = uint128(drawnAfter);
        // forge-lint: disable-next-line(unsafe-typecast)
        config.drawn = uint128(consumerAfter);
        _drawnBy[msg.sender][account] += amount;
        emit Drawn(account, msg.sender, amount);
    }

    /// @inheritdoc ICreditMirror
    function restore(address account, uint128 amount) external {
        if (amount == 0) revert Mirror_ZeroAmount();
        uint256 drawnByConsumer = _drawnBy[msg.sender][account];
        if (amount > drawnByConsumer) revert Mirror_RestoreExceedsDrawn(account, msg.sender, amount, drawnByConsumer);
        _drawnBy[msg.sender][account] = drawnByConsumer - amount;
        _consumers[msg.sender].drawn -= amount;
        _lines[account].drawn -= amount;
        emit Restored(account, msg.sender, amount);
    }

    // ------------------------------------------------------------------ messages home

    /// @inheritdoc ICreditMirror
    function release(address account, uint128 amount, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        Line storage line = _lines[account];
        if (msg.sender != line.owner) revert Mirror_NotLineOwner(account, msg.sender);
        if (amount == 0) revert Mirror_ZeroAmount();
        uint256 undrawn_ = line.line - line.drawn;
        if (amount > undrawn_) revert Mirror_ReleaseExceedsUndrawn(account, amount, undrawn_);
        // Debit first (rule M-1): the line shrinks before the RELEASE exists.
        line.line -= amount;
        receipt = _sendRelease(account, amount, MsgCodec.ReleaseReason.Voluntary, options);
    }

    /// @inheritdoc ICreditMirror
    function returnParked(address account, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        Parked memory parked = _parked[account];
        if (parked.amount == 0) revert Mirror_NothingToReturn(account);
        delete _parked[account];
        receipt = _sendRelease(account, parked.amount, parked.reason, options);
    }

    /// @inheritdoc ICreditMirror
    function reportUsage(address account, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        Line storage line = _lines[account];
        uint64 seq = ++line.usageSeq;
        (uint128 drawn, uint128 granted) = (line.drawn, line.line);
        receipt = _lzSend(
            homeEid,
            MsgCodec.encodeUsage(MsgCodec.Usage(account, drawn, granted, seq)),
            combineOptions(homeEid, MsgCodec.TYPE_USAGE, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit UsageSent(account, drawn, granted, seq, receipt.guid);
    }

    /// @inheritdoc ICreditMirror
    function liquidate(address account, uint128 amount, address liquidator, address asset, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        if (amount == 0) revert Mirror_ZeroAmount();
        if (liquidator == address(0)) revert Mirror_ZeroLiquidator();
        MsgCodec.Seize memory order =
            MsgCodec.Seize(account, liquidator, asset, amount, _debitLiquidation(account, amount), ++seizes);
        receipt = _lzSend(
            homeEid,
            MsgCodec.encodeSeize(order),
            combineOptions(homeEid, MsgCodec.TYPE_SEIZE, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit Liquidated(
            account, msg.sender, liquidator, amount, asset, uint32(order.epoch), order.seizeId, receipt.guid
        );
    }

    /// @dev Checks a liquidation of `amount` by the calling consumer and debits it (rule M-1: the repaid credit
    /// leaves drawn and the line before the `SEIZE` exists); returns the line's (odd) epoch.
    function _debitLiquidation(address account, uint128 amount) internal returns (uint32 epoch) {
        Line storage line = _lines[account];
        epoch = line.epoch;
        if (epoch & 1 == 0) revert Mirror_NotFlagged(account);
        uint128 repayable = _repayable[account];
        if (amount > repayable) revert Mirror_RepayExceedsCloseFactor(account, amount, repayable);
        uint256 drawnByConsumer = _drawnBy[msg.sender][account];
        if (amount > drawnByConsumer) {
            revert Mirror_LiquidationExceedsDrawn(account, msg.sender, amount, drawnByConsumer);
        }
        _repayable[account] = repayable - amount;
        _drawnBy[msg.sender][account] = drawnByConsumer - amount;
        _consumers[msg.sender].drawn -= amount;
        (line.drawn, line.line) = (line.drawn - amount, line.line - amount);
    }

    /// @inheritdoc ICreditMirror
    function quote(uint8 msgType, bytes calldata options) external view returns (MessagingFee memory fee) {
        bytes memory message = new bytes(MsgCodec.sizeOf(msgType));
        return _quote(homeEid, message, combineOptions(homeEid, msgType, options), false);
    }

    function _sendRelease(address account, uint128 amount, MsgCodec.ReleaseReason reason, bytes calldata options)
        internal
        returns (MessagingReceipt memory receipt)
    {
        receipt = _lzSend(
            homeEid,
            MsgCodec.encodeRelease(MsgCodec.Release(account, amount, reason)),
            combineOptions(homeEid, MsgCodec.TYPE_RELEASE, options),
            MessagingFee(msg.value, 0),
            payable(msg.sender)
        );
        emit CreditReleased(account, amount, uint8(reason), receipt.guid);
    }

    // ------------------------------------------------------------------ messages from home

    function _lzReceive(Origin calldata, bytes32, bytes calldata message, address, bytes calldata) internal override {
        // OApp already checked that the sender is home's vault (the only peer this mirror is given).
        uint8 msgType = MsgCodec.msgType(message);
        if (msgType == MsgCodec.TYPE_GRANT) {
            _applyGrant(MsgCodec.decodeGrant(message));
        } else if (msgType == MsgCodec.TYPE_HEARTBEAT) {
            _applyHeartbeat(MsgCodec.decodeHeartbeat(message));
        } else if (msgType == MsgCodec.TYPE_RECALL) {
            _applyRecall(MsgCodec.decodeRecall(message));
        } else if (msgType == MsgCodec.TYPE_LIQUIDATABLE) {
            _applyLiquidatable(MsgCodec.decodeLiquidatable(message));
        } else if (msgType == MsgCodec.TYPE_CLEAR) {
            _applyClear(MsgCodec.decodeClear(message));
        } else if (msgType == MsgCodec.TYPE_BAD_DEBT) {
            _applyBadDebt(MsgCodec.decodeBadDebt(message));
        } else {
            revert Mirror_UnexpectedMessage(msgType);
        }
    }

    /// @dev Exactly once by construction: the endpoint clears a packet's payload hash when it delivers it
    /// and never verifies a nonce twice, and only home's vault is a peer (rule M-6). A grant is not proof
    /// of home's liveness (it may have waited in flight), so it never touches the heartbeat.
    function _applyGrant(MsgCodec.Grant memory grant) internal {
        if (block.timestamp > grant.deadline) {
            // Late: never surfaces as credit; parked until someone pays to send it home.
            _park(grant.account, grant.amount, MsgCodec.ReleaseReason.GrantExpired, false);
            emit GrantExpired(grant.account, grant.amount, grant.grantId, grant.deadline);
            return;
        }
        Line storage line = _lines[grant.account];
        if (line.epoch & 1 == 1) {
            // Sent before home flagged the account, arrived after: a flagged line takes no new credit.
            _park(grant.account, grant.amount, MsgCodec.ReleaseReason.Liquidation, false);
            return;
        }
        line.line += grant.amount;
        if (line.owner != grant.receiver) line.owner = grant.receiver;
        emit CreditGranted(grant.account, grant.receiver, grant.amount, grant.grantId);
    }

    /// @dev Draws stay open for `heartbeatPeriod` after the heartbeat's home timestamp, not after its
    /// arrival: a heartbeat delayed in flight opens less (or nothing), an older one than the newest changes
    /// nothing, and one stamped ahead of this chain's clock counts from now (rule M-5).
    function _applyHeartbeat(MsgCodec.Heartbeat memory heartbeat) internal {
        uint64 stamp = heartbeat.timestamp;
        if (stamp > block.timestamp) stamp = uint64(block.timestamp);
        if (stamp > lastHeartbeat) lastHeartbeat = stamp;
        emit HeartbeatReceived(heartbeat.timestamp);
    }

    /// @dev Takes up to `recall.amount` of undrawn credit off the line, parked to go home (`returnParked`).
    function _applyRecall(MsgCodec.Recall memory recall) internal {
        Line storage line = _lines[recall.account];
        uint128 undrawn_ = line.line - line.drawn;
        uint128 amount = recall.amount < undrawn_ ? recall.amount : undrawn_;
        if (amount == 0) return;
        line.line -= amount;
        _park(recall.account, amount, MsgCodec.ReleaseReason.Recalled, true);
    }

    /// @dev Flags the line at home's epoch unless it already heard a newer one (messages may arrive in any
    /// order): draws freeze (the line shrinks to what is drawn, the rest parked to go home) and a liquidator may
    /// repay up to the close factor of the drawn credit.
    function _applyLiquidatable(MsgCodec.Liquidatable memory notice) internal {
        Line storage line = _lines[notice.account];
        // Home's epochs are uint32 (CollateralVault); the codec's field is wider.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 epoch = uint32(notice.epoch);
        if (epoch <= line.epoch) {
            emit StaleNotice(notice.account, MsgCodec.TYPE_LIQUIDATABLE, epoch, line.epoch);
            return;
        }
        line.epoch = epoch;
        uint128 drawn = line.drawn;
        uint128 undrawn_ = line.line - drawn;
        if (undrawn_ != 0) {
            line.line = drawn;
            _park(notice.account, undrawn_, MsgCodec.ReleaseReason.Liquidation, true);
        }
        uint128 repayable = SafeCast.toUint128(uint256(drawn) * notice.closeFactorBps / 10_000);
        _repayable[notice.account] = repayable;
        emit LineFlagged(notice.account, epoch, repayable);
    }

    /// @dev Un-flags the line unless it already heard a newer epoch; nothing more may be liquidated.
    function _applyClear(MsgCodec.Clear memory notice) internal {
        Line storage line = _lines[notice.account];
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 epoch = uint32(notice.epoch);
        if (epoch <= line.epoch) {
            emit StaleNotice(notice.account, MsgCodec.TYPE_CLEAR, epoch, line.epoch);
            return;
        }
        line.epoch = epoch;
        delete _repayable[notice.account];
        emit LineCleared(notice.account, epoch);
    }

    /// @dev Writes off up to `notice.amount` of what consumers drew for the account, consumer by consumer in
    /// configuration order; the written-off credit leaves the line and goes home (parked), so home's export
    /// shrinks by it. Any undrawn credit goes home too. Each consumer hears of its share through `onBadDebt`.
    /// A `BAD_DEBT` older than the line's epoch is stale (rule L-15): home sends it only for a flagged account,
    /// whose line takes no new credit until a newer epoch, so one that lands after that epoch would write off
    /// credit of a later line. It emits `StaleNotice` and changes nothing.
    function _applyBadDebt(MsgCodec.BadDebt memory notice) internal {
        address account = notice.account;
        uint256 left = notice.amount;
        Line storage line = _lines[account];
        // Home's epochs are uint32 (CollateralVault); the codec's field is wider.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 epoch = uint32(notice.epoch);
        if (epoch < line.epoch) {
            emit StaleNotice(account, MsgCodec.TYPE_BAD_DEBT, epoch, line.epoch);
            return;
        }
        uint128 writtenOff;
        for (uint256 i; i < _consumerList.length && left != 0; ++i) {
            address consumer_ = _consumerList[i];
            uint256 drawnByConsumer = _drawnBy[consumer_][account];
            if (drawnByConsumer == 0) continue;
            // Bounded by the line's drawn credit, a uint128.
            // forge-lint: disable-next-line(unsafe-typecast)
            uint128 share = uint128(drawnByConsumer < left ? drawnByConsumer : left);
            left -= share;
            writtenOff += share;
            _drawnBy[consumer_][account] = drawnByConsumer - share;
            _consumers[consumer_].drawn -= share;
            _badDebt[consumer_] += share;
            bool notified;
            try ICreditConsumer(consumer_).onBadDebt{ gas: BAD_DEBT_CALLBACK_GAS }(account, share) {
                notified = true;
            } catch { }
            emit BadDebtWrittenOff(account, consumer_, share, notified);
        }
        line.drawn -= writtenOff;
        // The written-off credit and any undrawn credit: the line shrinks to what is still drawn.
        uint128 offLine = line.line - line.drawn;
        line.line = line.drawn;
        if (offLine != 0) _park(account, offLine, MsgCodec.ReleaseReason.Liquidation, true);
        delete _repayable[account];
    }

    /// @dev `lineShrank`: the amount came off the line (a recall, a flag, a write-off), not a grant that never
    /// reached it — said in the event so that indexers need not guess from neighbouring events.
    function _park(address account, uint128 amount, MsgCodec.ReleaseReason reason, bool lineShrank) internal {
        Parked storage parked = _parked[account];
        (parked.amount, parked.reason) = (parked.amount + amount, reason);
        emit CreditParked(account, amount, uint8(reason), lineShrank);
    }

    // ------------------------------------------------------------------ line owners

    /// @inheritdoc ICreditMirror
    function setConsumerAuthorization(address account, address consumer_, bool authorized) external {
        if (msg.sender != _lines[account].owner) revert Mirror_NotLineOwner(account, msg.sender);
        _authorized[account][consumer_] = authorized;
        emit ConsumerAuthorized(account, consumer_, authorized);
    }

    // ------------------------------------------------------------------ governance (owner = timelock)

    /// @notice Allows or disallows `consumer_` and sets its cap. Disallowing stops draws, never restores.
    function configureConsumer(address consumer_, bool allowed, uint120 cap) external onlyOwner {
        Consumer storage config = _consumers[consumer_];
        if (!_listed[consumer_]) {
            if (_consumerList.length >= MAX_CONSUMERS) revert Mirror_TooManyConsumers(MAX_CONSUMERS);
            _consumerList.push(consumer_);
            _listed[consumer_] = true;
        }
        (config.allowed, config.cap) = (allowed, cap);
        emit ConsumerConfigured(consumer_, allowed, cap);
    }

    /// @notice Sets how long after the last message from home new draws stay open.
    function setHeartbeatPeriod(uint32 period) external onlyOwner {
        heartbeatPeriod = period;
        emit HeartbeatPeriodSet(period);
    }

    /// @notice Sets the guardian, who can only pause draws.
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Stops new draws (guardian or owner). Restores, releases and messages keep working.
    function pauseDraws() external {
        if (msg.sender != guardian && msg.sender != owner()) revert Mirror_OnlyGuardian(msg.sender);
        drawsPaused = true;
        emit DrawsPausedSet(true);
    }

    /// @notice Resumes draws (owner only).
    function unpauseDraws() external onlyOwner {
        drawsPaused = false;
        emit DrawsPausedSet(false);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICreditMirror
    function lineOf(address account) external view returns (Line memory) {
        return _lines[account];
    }

    /// @inheritdoc ICreditMirror
    function ownerOf(address account) external view returns (address) {
        return _lines[account].owner;
    }

    /// @inheritdoc ICreditMirror
    function undrawn(address account) external view returns (uint256) {
        Line storage line = _lines[account];
        return line.line - line.drawn;
    }

    /// @inheritdoc ICreditMirror
    function parkedOf(address account) external view returns (uint256) {
        return _parked[account].amount;
    }

    /// @inheritdoc ICreditMirror
    function repayableOf(address account) external view returns (uint256) {
        Line storage line = _lines[account];
        if (line.epoch & 1 == 0) return 0;
        // The borrower may have repaid since the flag: never more than is still drawn.
        uint256 repayable = _repayable[account];
        return repayable < line.drawn ? repayable : line.drawn;
    }

    /// @inheritdoc ICreditMirror
    function badDebtOf(address consumer_) external view returns (uint256) {
        return _badDebt[consumer_];
    }

    /// @inheritdoc ICreditMirror
    function drawnBy(address consumer_, address account) external view returns (uint256) {
        return _drawnBy[consumer_][account];
    }

    /// @inheritdoc ICreditMirror
    function consumer(address consumer_) external view returns (Consumer memory) {
        return _consumers[consumer_];
    }

    /// @inheritdoc ICreditMirror
    function isConsumerAuthorized(address account, address consumer_) external view returns (bool) {
        return _authorized[account][consumer_];
    }

    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) onlyOwner {
        Ownable2Step.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        Ownable2Step._transferOwnership(newOwner);
    }
}
