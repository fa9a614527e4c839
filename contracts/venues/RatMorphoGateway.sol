// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IComplianceRegistry, IComplianceRecords} from "../interfaces/IComplianceRegistry.sol";
import {
    IMorphoBlue, IMorphoLiquidateCallback, IMorphoRepayCallback, MorphoMarketParams
} from "./interfaces/IMorphoBlue.sol";
import {RatEquityOracle} from "./RatEquityOracle.sol";

/// @notice The views of a RealAssetToken the gateway reads: the ComplianceRegistry that holds its freezes, and the
/// registry's plain record store, which answers the same `isFrozen` without the registry proxy's delegatecall.
interface IRegistryNamingToken {
    function REGISTRY() external view returns (IComplianceRegistry);
    function RECORDS() external view returns (IComplianceRecords);
}

/// @title RatMorphoGateway
/// @notice The door to RAT-collateral Morpho Blue markets that opens a pricing context on the market's
/// RatEquityOracle (docs/decisions/0102):
/// - `liquidate`: LIQUIDATION context - a closed market is priced at its last close without haircut, a stale one at
///   the most favourable price the last accepted data allows; the seized RAT comes to the gateway (a registered
///   venue of the asset) and is forwarded to the liquidator, so the token's own compliance check decides who may
///   liquidate and a liquidator without KYC gets the token's reason;
/// - `borrow` / `withdrawCollateral`: BORROW context - a closed market is priced at its last close minus the
///   haircut; STALE and SPLIT_WINDOW still refuse. The oracle prices nothing outside a context, so a direct
///   Morpho.borrow fails: every borrow passes here. The borrower authorises the gateway on Morpho once
///   (`setAuthorization`); the gateway only ever acts on behalf of its caller. The gateway is Morpho's venue exit
///   for the asset (`ComplianceRegistry.setVenueExit`): Morpho pays the RAT to nobody else, so every withdrawal,
///   liquidation and flash loan of it passes here. `borrow` and `withdrawCollateral` refuse a frozen borrower.
/// - `closeFrozenPosition`: governance (FROZEN_POSITION_CLOSER_ROLE, the timelock) repays a frozen borrower's debt
///   with its own loan tokens and sends the whole collateral to a legal-hold address the token accepts as a
///   recipient, citing a legal reference. It acts through the Morpho authorisation the borrower gave the gateway.
/// Everything but the frozen-position closure is permissionless: every check that matters is in the oracle, Morpho
/// and the token.
contract RatMorphoGateway is IMorphoLiquidateCallback, IMorphoRepayCallback, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May close a frozen borrower's position to a legal-hold address (governance: the timelock).
    bytes32 public constant FROZEN_POSITION_CLOSER_ROLE = keccak256("FROZEN_POSITION_CLOSER_ROLE");

    /// @notice The Morpho Blue instance.
    IMorphoBlue public immutable MORPHO;

    address private transient _liquidator;
    address private transient _loanToken;
    address private transient _oracle;
    uint256 private transient _maxRepaid;
    address private transient _repayer;

    /// @notice A liquidation went through the gateway; `liquidator` received `seized` collateral.
    event GatewayLiquidation(
        bytes32 indexed marketId, address indexed borrower, address indexed liquidator, uint256 seized, uint256 repaid
    );
    /// @notice A borrow in the BORROW pricing context.
    event GatewayBorrow(bytes32 indexed marketId, address indexed borrower, address receiver, uint256 assets);
    /// @notice Governance closed a frozen borrower's position: it paid `repaid` loan tokens of debt and `legalHold`
    /// received the whole `collateral`, under the court order or sanctions decision hashed in `legalRef`.
    event FrozenPositionClosed(
        bytes32 indexed marketId,
        address indexed borrower,
        address indexed legalHold,
        uint256 collateral,
        uint256 repaid,
        bytes32 legalRef
    );
    /// @notice A collateral withdrawal in the BORROW pricing context.
    event GatewayWithdrawCollateral(
        bytes32 indexed marketId, address indexed borrower, address receiver, uint256 assets
    );

    error ZeroAddress();
    error NotMorpho(address caller);
    error NoLiquidationInProgress();
    error RepaidAboveMaximum(uint256 repaidAssets, uint256 maxRepaidAssets);
    error NoRepayInProgress();
    error MissingLegalReference();
    error BorrowerNotFrozen(address borrower);
    error GatewayNotAuthorized(address borrower);
    error NoPosition(bytes32 marketId, address borrower);
    error BorrowerFrozen(address borrower);

    /// @param morpho The Morpho Blue instance.
    /// @param governance The timelock: admin of the gateway's one role and its first FROZEN_POSITION_CLOSER_ROLE.
    constructor(IMorphoBlue morpho, address governance) {
        if (address(morpho) == address(0) || governance == address(0)) revert ZeroAddress();
        MORPHO = morpho;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(FROZEN_POSITION_CLOSER_ROLE, governance);
    }

    /// @notice Liquidates `borrower` in the LIQUIDATION pricing context and forwards the seized collateral to the
    /// caller. Exactly one of `seizedAssets` / `repaidShares` is non-zero (Morpho's rule). The caller pays at most
    /// `maxRepaidAssets` loan tokens (allowance to the gateway).
    /// @param marketParams The market (its oracle must be a RatEquityOracle whose gateway is this contract).
    /// @param borrower The position to liquidate.
    /// @param seizedAssets Collateral to seize, or 0.
    /// @param repaidShares Borrow shares to repay, or 0.
    /// @param maxRepaidAssets The most loan tokens the caller accepts to pay.
    /// @return seized Collateral sent to the caller.
    /// @return repaid Loan tokens taken from the caller.
    function liquidate(
        MorphoMarketParams calldata marketParams,
        address borrower,
        uint256 seizedAssets,
        uint256 repaidShares,
        uint256 maxRepaidAssets
    ) external nonReentrant returns (uint256 seized, uint256 repaid) {
        RatEquityOracle oracle = RatEquityOracle(marketParams.oracle);
        oracle.enterContext(RatEquityOracle.Context.LIQUIDATION);
        _liquidator = msg.sender;
        _loanToken = marketParams.loanToken;
        _oracle = address(oracle);
        _maxRepaid = maxRepaidAssets;
        (seized, repaid) = MORPHO.liquidate(marketParams, borrower, seizedAssets, repaidShares, abi.encode(msg.sender));
        _liquidator = address(0);
        // The token checks the liquidator like any recipient: no KYC, frozen or blocked => the token's revert.
        IERC20(marketParams.collateralToken).safeTransfer(msg.sender, seized);
        emit GatewayLiquidation(keccak256(abi.encode(marketParams)), borrower, msg.sender, seized, repaid);
    }

    /// @inheritdoc IMorphoLiquidateCallback
    /// @dev Morpho has read the price by now: the LIQUIDATION context is closed first, so no token hook reached
    /// from here can find it open. Then pulls exactly `repaidAssets` from the liquidator and lets Morpho take them;
    /// Morpho only, and only inside `liquidate`.
    function onMorphoLiquidate(uint256 repaidAssets, bytes calldata) external {
        if (msg.sender != address(MORPHO)) revert NotMorpho(msg.sender);
        address liquidator = _liquidator;
        if (liquidator == address(0)) revert NoLiquidationInProgress();
        RatEquityOracle(_oracle).exitContext();
        if (repaidAssets > _maxRepaid) revert RepaidAboveMaximum(repaidAssets, _maxRepaid);
        IERC20 loanToken = IERC20(_loanToken);
        loanToken.safeTransferFrom(liquidator, address(this), repaidAssets);
        loanToken.forceApprove(address(MORPHO), repaidAssets);
    }

    /// @notice Borrows `assets` for the caller in the BORROW pricing context (the caller must have authorised the
    /// gateway on Morpho with `setAuthorization`). Refused with `BorrowerFrozen` when the collateral is a RAT and the
    /// caller is frozen in its ComplianceRegistry: the oracle prices only inside the gateway's contexts, so this is
    /// the one way to borrow against RAT collateral (ADR 0102 "Borrowing goes through the gateway").
    /// @param marketParams The market.
    /// @param assets Loan tokens to borrow.
    /// @param receiver Who receives them (paid by the gateway after the context is closed).
    /// @return shares The borrow shares minted to the caller's position.
    function borrow(MorphoMarketParams calldata marketParams, uint256 assets, address receiver)
        external
        nonReentrant
        returns (uint256 shares)
    {
        if (_isFrozen(marketParams.collateralToken, msg.sender)) revert BorrowerFrozen(msg.sender);
        RatEquityOracle oracle = RatEquityOracle(marketParams.oracle);
        oracle.enterContext(RatEquityOracle.Context.BORROW);
        uint256 borrowed;
        (borrowed, shares) = MORPHO.borrow(marketParams, assets, 0, msg.sender, address(this));
        oracle.exitContext();
        // Paid out only once the context is closed: a loan token with transfer hooks cannot reach Morpho while it
        // is open.
        IERC20(marketParams.loanToken).safeTransfer(receiver, borrowed);
        emit GatewayBorrow(keccak256(abi.encode(marketParams)), msg.sender, receiver, assets);
    }

    /// @notice Withdraws the caller's collateral in the BORROW pricing context (authorisation as for `borrow`) and
    /// forwards it to `receiver`, whom the token checks. Refused with `BorrowerFrozen` when the collateral is a RAT
    /// and the caller is frozen in its ComplianceRegistry (ADR 0102 "Closing a frozen borrower's position").
    /// @param marketParams The market.
    /// @param assets Collateral to withdraw.
    /// @param receiver Who receives it (the token checks them).
    function withdrawCollateral(MorphoMarketParams calldata marketParams, uint256 assets, address receiver)
        external
        nonReentrant
    {
        // Morpho pays a RAT collateral only to this gateway (its venue exit, ADR 0102), so this is the one way a
        // borrower's collateral leaves Morpho: a frozen borrower's stays pledged until governance closes it.
        if (_isFrozen(marketParams.collateralToken, msg.sender)) revert BorrowerFrozen(msg.sender);
        RatEquityOracle oracle = RatEquityOracle(marketParams.oracle);
        oracle.enterContext(RatEquityOracle.Context.BORROW);
        MORPHO.withdrawCollateral(marketParams, assets, msg.sender, address(this));
        oracle.exitContext();
        // Through the gateway so a refused receiver gets the token's reason (Morpho's SafeTransferLib reports
        // every token revert as "transfer reverted").
        IERC20(marketParams.collateralToken).safeTransfer(receiver, assets);
        emit GatewayWithdrawCollateral(keccak256(abi.encode(marketParams)), msg.sender, receiver, assets);
    }

    /// @notice Closes the position of a borrower frozen in the token's ComplianceRegistry: repays all of its debt
    /// with the caller's loan tokens (allowance to the gateway, at most `maxRepaidAssets`) and sends all of its
    /// collateral to `legalHold`, whom the token checks as it checks every recipient (the rule `forcedTransfer` and
    /// `RatPositionManager.forceExit` apply: eligible, not frozen, not blocked). Works in every oracle state: with
    /// no debt left Morpho withdraws without reading the price. Needs the borrower's Morpho authorisation of this
    /// gateway (docs/decisions/0102 "Closing a frozen borrower's position").
    /// @param marketParams The market (its collateral must be a RealAssetToken).
    /// @param borrower The frozen borrower.
    /// @param legalHold The legal-hold address receiving the collateral.
    /// @param legalRef Hash of the court order or sanctions decision; must not be zero.
    /// @param maxRepaidAssets The most loan tokens the caller accepts to pay for the debt.
    /// @return collateral Collateral sent to `legalHold`.
    /// @return repaid Loan tokens taken from the caller.
    function closeFrozenPosition(
        MorphoMarketParams calldata marketParams,
        address borrower,
        address legalHold,
        bytes32 legalRef,
        uint256 maxRepaidAssets
    ) external onlyRole(FROZEN_POSITION_CLOSER_ROLE) nonReentrant returns (uint256 collateral, uint256 repaid) {
        if (legalRef == bytes32(0)) revert MissingLegalReference();
        if (legalHold == address(0)) revert ZeroAddress();
        if (!IRegistryNamingToken(marketParams.collateralToken).REGISTRY().isFrozen(borrower)) {
            revert BorrowerNotFrozen(borrower);
        }
        if (!MORPHO.isAuthorized(borrower, address(this))) revert GatewayNotAuthorized(borrower);
        bytes32 marketId = keccak256(abi.encode(marketParams));
        (, uint128 borrowShares, uint128 pledged) = MORPHO.position(marketId, borrower);
        if (borrowShares == 0 && pledged == 0) revert NoPosition(marketId, borrower);
        collateral = pledged;
        if (borrowShares != 0) {
            _repayer = msg.sender;
            _loanToken = marketParams.loanToken;
            _maxRepaid = maxRepaidAssets;
            (repaid,) = MORPHO.repay(marketParams, 0, borrowShares, borrower, abi.encode(msg.sender));
            _repayer = address(0);
        }
        if (collateral != 0) {
            MORPHO.withdrawCollateral(marketParams, collateral, borrower, address(this));
            // The token checks the legal hold like any recipient: no KYC, frozen or blocked => the token's revert.
            IERC20(marketParams.collateralToken).safeTransfer(legalHold, collateral);
        }
        emit FrozenPositionClosed(marketId, borrower, legalHold, collateral, repaid, legalRef);
    }

    /// @dev Whether `account` is frozen in the ComplianceRegistry `collateralToken` names, read from the registry's
    /// record store (the token's `RECORDS`, the store its own transfers read). A collateral that names none (a plain
    /// ERC-20 market) has no freezes.
    function _isFrozen(address collateralToken, address account) private view returns (bool) {
        (bool ok, bytes memory named) = collateralToken.staticcall(abi.encodeCall(IRegistryNamingToken.RECORDS, ()));
        if (!ok || named.length != 32) return false;
        return abi.decode(named, (IComplianceRecords)).isFrozen(account);
    }

    /// @inheritdoc IMorphoRepayCallback
    /// @dev Morpho only, and only inside `closeFrozenPosition`: pulls exactly `assets` from governance's caller
    /// (bounded by its maximum) and lets Morpho take them.
    function onMorphoRepay(uint256 assets, bytes calldata) external {
        if (msg.sender != address(MORPHO)) revert NotMorpho(msg.sender);
        address repayer = _repayer;
        if (repayer == address(0)) revert NoRepayInProgress();
        if (assets > _maxRepaid) revert RepaidAboveMaximum(assets, _maxRepaid);
        IERC20 loanToken = IERC20(_loanToken);
        loanToken.safeTransferFrom(repayer, address(this), assets);
        loanToken.forceApprove(address(MORPHO), assets);
    }
}
