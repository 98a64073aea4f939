// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { ICreditConsumer } from "../interfaces/ICreditConsumer.sol";
import { ICreditMirror } from "../interfaces/ICreditMirror.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Address } from "@openzeppelin/contracts/utils/Address.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CreditLendingPool
/// @notice Reference consumer: lenders supply a stable token; borrowers borrow it against their Ballast
/// credit line. The integration is three calls — `mirror.ownerOf` (who may borrow for the account),
/// `mirror.draw` on borrow, `mirror.restore` on repay — the rest is an ordinary small pool.
/// @dev The stable token is valued at exactly 1 USD (a production pool would price it). Interest is
/// simple, on principal, paid in the stable token before principal; only principal is drawn as
/// credit, so interest is the pool's own risk (documented in docs/PROTOCOL.md).
contract CreditLendingPool is ICreditConsumer {
    using SafeERC20 for IERC20;

    /// @dev One slot. uint96 holds 7.9e28 token units: 7.9e22 of a 6-decimal token, 7.9e10 of an 18-decimal one.
    struct Loan {
        uint96 principal;
        uint96 interest;
        uint64 since;
    }

    ICreditMirror public immutable mirror;
    IERC20 public immutable asset;
    /// @notice Simple interest per second on principal, 1e18 = 100%.
    uint256 public immutable ratePerSecond;
    uint256 internal immutable _creditPerUnit;

    uint256 public totalShares;
    uint256 public totalPrincipal;
    mapping(address lender => uint256) public sharesOf;
    mapping(address account => Loan) public loans;

    event Supplied(address indexed lender, uint256 amount, uint256 shares);
    event Withdrawn(address indexed lender, uint256 amount, uint256 shares);
    event Borrowed(address indexed account, address indexed receiver, uint256 amount);
    event Repaid(address indexed account, address indexed payer, uint256 interest, uint256 principal);
    event Liquidated(address indexed account, address indexed liquidator, uint256 principal, address homeLiquidator);
    event BadDebt(address indexed account, uint256 principal);

    /// @notice Thrown when the caller does not control the account's credit line on this chain.
    error Pool_NotLineOwner(address account, address caller);
    /// @notice Thrown when the pool lacks the cash for a borrow or withdrawal.
    error Pool_InsufficientCash(uint256 requested, uint256 available);
    /// @notice Thrown when an amount is zero.
    error Pool_ZeroAmount();
    /// @notice Thrown when a liquidation repays more principal than the account owes.
    error Pool_RepayExceedsPrincipal(address account, uint256 requested, uint256 principal);
    /// @notice Thrown when someone other than the mirror calls `onBadDebt`.
    error Pool_OnlyMirror(address caller);
    /// @notice Thrown when the stable token has more than 18 decimals.
    error Pool_UnsupportedDecimals(uint8 decimals);

    constructor(ICreditMirror mirror_, IERC20 asset_, uint256 ratePerSecond_) {
        uint8 decimals = IERC20Metadata(address(asset_)).decimals();
        if (decimals > 18) revert Pool_UnsupportedDecimals(decimals);
        (mirror, asset, ratePerSecond, _creditPerUnit) = (mirror_, asset_, ratePerSecond_, 10 ** (18 - decimals));
    }

    /// @notice Supplies `amount` of the stable token for shares.
    function supply(uint256 amount) external returns (uint256 shares) {
        if (amount == 0) revert Pool_ZeroAmount();
        shares = totalShares == 0 ? amount : Math.mulDiv(amount, totalShares, totalAssets());
        (totalShares, sharesOf[msg.sender]) = (totalShares + shares, sharesOf[msg.sender] + shares);
        asset.safeTransferFrom(msg.sender, address(this), amount);
        emit Supplied(msg.sender, amount, shares);
    }

    /// @notice Redeems `shares` for the stable token (rounded down).
    function withdraw(uint256 shares) external returns (uint256 amount) {
        amount = Math.mulDiv(shares, totalAssets(), totalShares);
        uint256 cash = asset.balanceOf(address(this));
        if (amount > cash) revert Pool_InsufficientCash(amount, cash);
        (totalShares, sharesOf[msg.sender]) = (totalShares - shares, sharesOf[msg.sender] - shares);
        asset.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount, shares);
    }

    /// @notice Borrows `amount` for `account`, drawing the same value of its credit line; the caller owns the line.
    function borrow(address account, uint256 amount, address receiver) external {
        if (msg.sender != mirror.ownerOf(account)) revert Pool_NotLineOwner(account, msg.sender);
        if (amount == 0) revert Pool_ZeroAmount();
        Loan memory loan = _accrued(loans[account]);
        loan.principal = SafeCast.toUint96(loan.principal + amount);
        loans[account] = loan;
        totalPrincipal += amount;
        mirror.draw(account, SafeCast.toUint128(amount * _creditPerUnit));
        asset.safeTransfer(receiver, amount);
        emit Borrowed(account, receiver, amount);
    }

    /// @notice Repays up to `amount` of `account`'s debt (interest first), restoring the principal's credit.
    function repay(address account, uint256 amount) external returns (uint256 paid) {
        Loan memory loan = _accrued(loans[account]);
        uint256 interest = Math.min(amount, loan.interest);
        uint256 principal = Math.min(amount - interest, loan.principal);
        paid = interest + principal;
        if (paid == 0) revert Pool_ZeroAmount();
        // Both are capped by the loan's own uint96 fields above.
        // forge-lint: disable-next-line(unsafe-typecast)
        (loan.interest, loan.principal) = (loan.interest - uint96(interest), loan.principal - uint96(principal));
        loans[account] = loan;
        totalPrincipal -= principal;
        asset.safeTransferFrom(msg.sender, address(this), paid);
        if (principal > 0) mirror.restore(account, SafeCast.toUint128(principal * _creditPerUnit));
        emit Repaid(account, msg.sender, interest, principal);
    }

    /// @notice Liquidates a flagged account: the caller repays `amount` of its principal in the stable token and
    /// is paid collateral on home, at `homeLiquidator`, by the vault (in `collateral` first, if the account holds it).
    /// `msg.value` pays the `SEIZE` message (`mirror.quote(TYPE_SEIZE, options)`). Interest stays owed.
    function liquidate(
        address account,
        uint256 amount,
        address homeLiquidator,
        address collateral,
        bytes calldata options
    ) external payable {
        if (amount == 0) revert Pool_ZeroAmount();
        Loan memory loan = _accrued(loans[account]);
        if (amount > loan.principal) revert Pool_RepayExceedsPrincipal(account, amount, loan.principal);
        // forge-lint: disable-next-line(unsafe-typecast)
        loan.principal -= uint96(amount);
        loans[account] = loan;
        totalPrincipal -= amount;
        asset.safeTransferFrom(msg.sender, address(this), amount);
        mirror.liquidate{ value: msg.value }(
            account, SafeCast.toUint128(amount * _creditPerUnit), homeLiquidator, collateral, options
        );
        // The endpoint refunded any fee beyond the quote to this pool (the mirror's caller): pass it on.
        uint256 refund = address(this).balance;
        if (refund != 0) Address.sendValue(payable(msg.sender), refund);
        emit Liquidated(account, msg.sender, amount, homeLiquidator);
    }

    /// @notice Takes the endpoint's fee refund during `liquidate` (the pool holds no ether otherwise).
    receive() external payable { }

    /// @inheritdoc ICreditConsumer
    /// @dev Writes the principal off (lenders take the loss); the account's interest is dropped with it.
    function onBadDebt(address account, uint256 amount) external {
        if (msg.sender != address(mirror)) revert Pool_OnlyMirror(msg.sender);
        Loan memory loan = loans[account];
        uint256 principal = Math.min(amount / _creditPerUnit, loan.principal);
        totalPrincipal -= principal;
        delete loans[account];
        if (loan.principal > principal) {
            // forge-lint: disable-next-line(unsafe-typecast)
            loans[account] = Loan(loan.principal - uint96(principal), 0, uint64(block.timestamp));
        }
        emit BadDebt(account, principal);
    }

    /// @inheritdoc ICreditConsumer
    function drawnBy(address account) external view returns (uint256) {
        return loans[account].principal * _creditPerUnit;
    }

    /// @notice What `account` owes now: principal plus interest.
    function debtOf(address account) external view returns (uint256) {
        Loan memory loan = _accrued(loans[account]);
        return loan.principal + loan.interest;
    }

    /// @notice Cash plus principal lent out (interest counts once paid).
    function totalAssets() public view returns (uint256) {
        return asset.balanceOf(address(this)) + totalPrincipal;
    }

    function _accrued(Loan memory loan) internal view returns (Loan memory) {
        if (loan.principal != 0) {
            loan.interest = SafeCast.toUint96(
                loan.interest
                    + Math.mulDiv(
                        loan.principal, ratePerSecond * (block.timestamp - loan.since), 1e18, Math.Rounding.Ceil
                    )
            );
        }
        loan.since = uint64(block.timestamp);
        return loan;
    }
}
