// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {
    IComplianceRegistry,
    IComplianceRecords,
    Investor,
    HolderClass,
    TransferFacts,
    TransferStatus
} from "../interfaces/IComplianceRegistry.sol";
import {AssetConfigView, AssetStatus} from "../interfaces/IMinter.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";
import {ComplianceRules} from "../compliance/ComplianceRules.sol";
import {SecureMint} from "../reserves/SecureMint.sol";

/// @notice The Minter's reads the vault relies on: an asset's lifecycle status and its proof-of-reserve source.
interface IConversionMinter {
    function assetConfig(address asset) external view returns (AssetConfigView memory);
    // solhint-disable-next-line func-name-mixedcase
    function RESERVES() external view returns (address);
}

/// @notice The token functions the vault calls beyond IRealAssetToken.
interface IConvertibleToken {
    function forcedBurn(address from, uint256 amount, bytes32 legalRef) external;
}

/// @notice What a holder receives for the shares of the source asset.
enum ConversionKind {
    NONE,
    CASH, // `rate` payment-token units per share, paid from funds deposited into the vault
    TOKEN // `rate` target shares per source share (1e18 fixed point), minted by the vault under the reserve guard
}

/// @notice Lifecycle of an asset's conversion: NONE -> OPEN -> CLOSED (a new one may be opened after a close).
enum ConversionState {
    NONE,
    OPEN,
    CLOSED
}

/// @notice What governance fixes when it opens a conversion (the issuer's notice, on-chain).
struct ConversionTerms {
    ConversionKind kind;
    address payout; // the stablecoin (CASH) or the target RAT equity (TOKEN)
    uint256 rate; // CASH: payment-token units per share; TOKEN: target shares per source share, 1e18 fixed point
    bool mandatory; // true: shares are cancelled for everyone (cash merger, delisting), anyone may convertAll
    uint40 effectiveAt; // holders may convert from this time
    uint40 expiresAt; // after it, conversions stop and the conversion may be closed
    bytes32 actionRef; // hash of the issuer's notice; also the legalRef of every forced burn
}

/// @notice A conversion as stored and returned by `conversion(asset)`.
struct Conversion {
    uint64 id;
    ConversionState state;
    ConversionKind kind;
    bool mandatory;
    uint40 effectiveAt;
    uint40 expiresAt;
    address payout;
    uint256 rate;
    bytes32 actionRef;
    uint256 funded; // CASH: payment-token units deposited (net of defunding)
    uint256 paid; // payment-token units paid (CASH) or target token units minted (TOKEN)
    uint256 tokensConverted; // source token units burned
    uint256 sharesConverted; // source shares they represented at conversion time
}

/// @title ConversionVault
/// @notice Mergers, tender offers and delistings of RAT equities (ADR 0082). Governance opens a conversion of an
/// asset the Minter no longer mints (REDEEM_ONLY or HALTED): cash per share paid from funds the SPV deposits, or a
/// ratio into another listed RAT equity minted by the vault under that equity's proof-of-reserve guard. Holders
/// convert voluntarily; a mandatory conversion may be pushed to every holder by anyone with `convertAll`. Payouts
/// are computed on shares after the source's multiplier at conversion time. Frozen holders are deferred, not paid,
/// and convert once unfrozen. A close after every token is converted, or after the expiry, returns unused cash to
/// the treasury.
/// @dev The vault needs FORCED_TRANSFER_ROLE on every source token (it burns holders' tokens with the conversion's
/// actionRef as legal reference) and MINTER_ROLE on every TOKEN target. Rounding (ADR 0082): shares are the
/// token's own `toShares` (down, as `sharesOf` shows them); cash is rounded down to the payment token's base unit;
/// target shares are rounded down to 1e-18 share and turned into target tokens with the target's `toTokens`
/// (down). Each rounding loses the holder less than one base unit of what is paid; nothing is rounded up, so the
/// funds owed never exceed what `fundingRequired` reports.
contract ConversionVault is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice May open and close conversions and return excess funding to the treasury (the timelock).
    bytes32 public constant CONVERSION_MANAGER_ROLE = keccak256("CONVERSION_MANAGER_ROLE");
    /// @notice The source-token role the vault needs to cancel holders' tokens.
    bytes32 public constant TOKEN_FORCED_TRANSFER_ROLE = keccak256("FORCED_TRANSFER_ROLE");
    /// @notice The target-token role the vault needs to pay a TOKEN conversion.
    bytes32 public constant TOKEN_MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice One share per token, and the fixed point of TOKEN rates.
    uint256 public constant SHARE = 1e18;
    /// @notice Shortest time holders get between the effective time and the expiry.
    uint256 public constant MIN_CONVERSION_WINDOW = 7 days;
    /// @notice Longest conversion window (escheatment periods are counted in years, not decades).
    uint256 public constant MAX_CONVERSION_WINDOW = 10 * 365 days;
    /// @notice Latest effective time, counted from opening.
    uint256 public constant MAX_EFFECTIVE_DELAY = 365 days;
    /// @notice Largest rate: 1e18 payment units or 1e18 target shares per share. Keeps every product in range.
    uint256 public constant MAX_RATE = 1e36;
    /// @notice Most holders one `convertAll` call processes.
    uint256 public constant MAX_BATCH = 200;
    uint8 private constant RESERVE_REGISTRY_DECIMALS = 18;

    /// @notice The Minter: asset statuses and reserve feeds.
    IConversionMinter public immutable MINTER;
    /// @notice The proof-of-reserve registry (the Minter's RESERVES).
    address public immutable RESERVES;
    /// @notice The compliance record store (freeze flags and eligibility of TOKEN recipients).
    IComplianceRecords public immutable RECORDS;

    /// @notice Receives unused cash when a conversion closes or is defunded.
    address public treasury;

    uint64 private _conversionCount;
    mapping(address asset => Conversion) private _conversions;

    /// @notice A conversion of `asset` opened (the issuer's notice, `actionRef`, on-chain).
    event ConversionOpened(
        address indexed asset,
        uint64 indexed id,
        ConversionKind kind,
        address payout,
        uint256 rate,
        bool mandatory,
        uint40 effectiveAt,
        uint40 expiresAt,
        bytes32 indexed actionRef
    );
    /// @notice `amount` payment-token units were deposited by `from` for the cash conversion of `asset`.
    event ConversionFunded(address indexed asset, uint64 indexed id, address indexed from, uint256 amount);
    /// @notice `amount` payment-token units in excess of what holders are owed went back to `to` (the treasury).
    event ConversionDefunded(address indexed asset, uint64 indexed id, address indexed to, uint256 amount);
    /// @notice `holder`'s `tokens` (`shares` shares) of `asset` were burned and `payout` units paid; `forced` when
    /// pushed by `convertAll` rather than asked for by the holder.
    event Converted(
        address indexed asset,
        uint64 indexed id,
        address indexed holder,
        uint256 tokens,
        uint256 shares,
        uint256 payout,
        bool forced
    );
    /// @notice `holder` could not be paid (`reason`: RECIPIENT_FROZEN, or why the target refuses them); their
    /// `tokens` stay and may be converted once the reason is lifted.
    event ConversionDeferred(
        address indexed asset, uint64 indexed id, address indexed holder, uint256 tokens, TransferStatus reason
    );
    /// @notice The conversion closed; `returned` cash went to `to`. Totals are final.
    event ConversionClosed(
        address indexed asset,
        uint64 indexed id,
        address to,
        uint256 returned,
        uint256 tokensConverted,
        uint256 sharesConverted,
        uint256 paid
    );
    /// @notice The treasury changed.
    event TreasuryUpdated(address indexed treasury);

    /// @notice The target's latest reserve round is as of before its last split took effect (pre-split shares).
    error ReservesPredateSplit(uint256 roundAsOf, uint256 splitActivatedAt);
    error ZeroAddress();
    error ZeroAmount();
    error InvalidKind();
    error InvalidRate(uint256 rate);
    error InvalidActionRef();
    error InvalidPayout(address payout);
    error InvalidEffectiveTime(uint40 effectiveAt);
    error InvalidExpiry(uint40 expiresAt);
    error AssetStillActive(address asset, AssetStatus status);
    error TargetNotListed(address target);
    error TargetNotAccepting(address target, AssetStatus status);
    error MissingTokenRole(address token, bytes32 role);
    error ConversionAlreadyOpen(address asset);
    error ConversionNotOpen(address asset);
    error NotCashConversion(address asset);
    error NotMandatory(address asset);
    error NotYetEffective(address asset, uint40 effectiveAt);
    error ConversionExpired(address asset, uint40 expiresAt);
    error ConversionNotFinished(address asset, uint256 remainingSupply, uint40 expiresAt);
    error HolderNotEligible(address holder, TransferStatus reason);
    error InsufficientBalance(address holder, uint256 balance, uint256 amount);
    error InsufficientFunding(address asset, uint256 required, uint256 available);
    error ExceedsExcess(uint256 amount, uint256 excess);
    error EmptyBatch();
    error BatchTooLarge(uint256 size, uint256 max);

    /// @dev What a TOKEN conversion's mints are checked against, read once per call.
    struct Guard {
        address target;
        uint256 heartbeat;
        uint8 feedDecimals;
        uint8 tokenDecimals;
        SecureMint.Round round;
    }

    /// @param admin Receives DEFAULT_ADMIN_ROLE (handed to the timelock).
    /// @param minter The Minter proxy (statuses and reserve feeds).
    /// @param registry The ComplianceRegistry proxy (its record store is read once, here).
    /// @param treasury_ Receives unused cash.
    constructor(address admin, IConversionMinter minter, IComplianceRegistry registry, address treasury_) {
        if (
            admin == address(0) || address(minter) == address(0) || address(registry) == address(0)
                || treasury_ == address(0)
        ) revert ZeroAddress();
        MINTER = minter;
        RESERVES = minter.RESERVES();
        RECORDS = registry.records();
        treasury = treasury_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit TreasuryUpdated(treasury_);
    }

    // ================================================================ governance

    /// @notice Opens a conversion of `asset`. The Minter must already refuse new mints of it (REDEEM_ONLY or
    /// HALTED), and the vault must hold the token roles the conversion needs.
    /// @param asset The source equity.
    /// @param terms Kind, payout token, rate, mandatory flag, effective time, expiry and the notice's hash.
    /// @return id The conversion's id (unique across assets).
    function openConversion(address asset, ConversionTerms calldata terms)
        external
        onlyRole(CONVERSION_MANAGER_ROLE)
        returns (uint64 id)
    {
        _checkTerms(asset, terms);
        id = ++_conversionCount;
        _conversions[asset] = Conversion({
            id: id,
            state: ConversionState.OPEN,
            kind: terms.kind,
            mandatory: terms.mandatory,
            effectiveAt: terms.effectiveAt,
            expiresAt: terms.expiresAt,
            payout: terms.payout,
            rate: terms.rate,
            actionRef: terms.actionRef,
            funded: 0,
            paid: 0,
            tokensConverted: 0,
            sharesConverted: 0
        });
        emit ConversionOpened(
            asset,
            id,
            terms.kind,
            terms.payout,
            terms.rate,
            terms.mandatory,
            terms.effectiveAt,
            terms.expiresAt,
            terms.actionRef
        );
    }

    /// @notice Closes the conversion of `asset` once every token is converted, after its expiry, or before it took
    /// effect (the issuer withdrew it); unused cash goes to the treasury. Unconverted (e.g. frozen) holders keep
    /// their tokens; governance may open a new conversion for them.
    /// @param asset The source equity.
    function closeConversion(address asset) external onlyRole(CONVERSION_MANAGER_ROLE) nonReentrant {
        Conversion storage c = _open(asset);
        uint256 remaining = IERC20(asset).totalSupply();
        if (remaining != 0 && block.timestamp < c.expiresAt && block.timestamp >= c.effectiveAt) {
            revert ConversionNotFinished(asset, remaining, c.expiresAt);
        }
        uint256 returned = c.kind == ConversionKind.CASH ? c.funded - c.paid : 0;
        c.state = ConversionState.CLOSED;
        c.funded -= returned;
        address to = treasury;
        emit ConversionClosed(asset, c.id, to, returned, c.tokensConverted, c.sharesConverted, c.paid);
        if (returned != 0) IERC20(c.payout).safeTransfer(to, returned);
    }

    /// @notice Returns cash beyond what the remaining holders are owed at today's multiplier to the treasury.
    /// @param asset The source equity of an open CASH conversion.
    /// @param amount Payment-token units, at most `excessFunding(asset)`.
    function defund(address asset, uint256 amount) external onlyRole(CONVERSION_MANAGER_ROLE) nonReentrant {
        Conversion storage c = _open(asset);
        if (c.kind != ConversionKind.CASH) revert NotCashConversion(asset);
        if (amount == 0) revert ZeroAmount();
        uint256 excess = _excess(asset, c);
        if (amount > excess) revert ExceedsExcess(amount, excess);
        c.funded -= amount;
        address to = treasury;
        emit ConversionDefunded(asset, c.id, to, amount);
        IERC20(c.payout).safeTransfer(to, amount);
    }

    /// @notice Sets the account that receives unused cash.
    /// @param treasury_ The new treasury.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }

    // ================================================================ funding

    /// @notice Deposits payment tokens for the cash conversion of `asset` (the SPV's settlement account, after
    /// the custodian sold or tendered the shares). Anyone may fund; only the amount received is credited.
    /// @param asset The source equity of an open CASH conversion.
    /// @param amount Payment-token units, approved to the vault.
    function fund(address asset, uint256 amount) external nonReentrant {
        Conversion storage c = _open(asset);
        if (c.kind != ConversionKind.CASH) revert NotCashConversion(asset);
        if (amount == 0) revert ZeroAmount();
        IERC20 token = IERC20(c.payout);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        c.funded += received;
        emit ConversionFunded(asset, c.id, msg.sender, received);
    }

    // ================================================================ holders

    /// @notice Converts `amount` of the caller's tokens of `asset`: they are burned and the payout is sent to the
    /// caller. The call is the holder's consent, so no allowance is needed (ADR 0082).
    /// @param asset The source equity of an open, effective conversion.
    /// @param amount Token units to convert.
    /// @return payout Payment-token units (CASH) or target token units (TOKEN) paid.
    function convert(address asset, uint256 amount) external nonReentrant returns (uint256 payout) {
        Conversion storage c = _effective(asset);
        if (amount == 0) revert ZeroAmount();
        uint256 balance = IERC20(asset).balanceOf(msg.sender);
        if (amount > balance) revert InsufficientBalance(msg.sender, balance, amount);
        TransferStatus reason = _eligibility(c, msg.sender);
        if (reason != TransferStatus.OK) revert HolderNotEligible(msg.sender, reason);
        Guard memory guard = _guard(c);
        payout = _convert(asset, c, guard, msg.sender, amount, false);
    }

    /// @notice Converts the whole balance of each of `holders` under a mandatory conversion (cash merger,
    /// delisting): anyone may push it. Frozen holders, venues (ADR 0101), and holders the TOKEN target would refuse
    /// (its holder cap included), are skipped with a ConversionDeferred event; zero balances and the Minter's
    /// escrow are skipped silently (so a repeated address is harmless).
    /// @param asset The source equity of an open, effective, mandatory conversion.
    /// @param holders At most MAX_BATCH addresses.
    /// @return converted Number of holders converted.
    function convertAll(address asset, address[] calldata holders) external nonReentrant returns (uint256 converted) {
        Conversion storage c = _effective(asset);
        if (!c.mandatory) revert NotMandatory(asset);
        uint256 n = holders.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        Guard memory guard = _guard(c);
        for (uint256 i; i < n; ++i) {
            address holder = holders[i];
            // The Minter's balance is escrow of pending burn requests: they settle or are cancelled back to their
            // holders, who are converted then. Converting the escrow would pay the Minter for others' tokens.
            if (holder == address(MINTER)) continue;
            uint256 balance = IERC20(asset).balanceOf(holder);
            if (balance == 0) continue;
            TransferStatus reason = _eligibility(c, holder);
            if (reason != TransferStatus.OK) {
                emit ConversionDeferred(asset, c.id, holder, balance, reason);
                continue;
            }
            _convert(asset, c, guard, holder, balance, true);
            ++converted;
        }
    }

    // ================================================================ reads

    /// @notice The current (or last) conversion of `asset`.
    function conversion(address asset) external view returns (Conversion memory) {
        return _conversions[asset];
    }

    /// @notice What converting `tokens` of `asset` pays now.
    /// @param asset A source equity with a conversion.
    /// @param tokens Token units of `asset`.
    /// @return shares Shares the tokens represent now (the token's `toShares`, rounded down).
    /// @return payout Payment-token units (CASH) or target token units (TOKEN).
    function quote(address asset, uint256 tokens) external view returns (uint256 shares, uint256 payout) {
        Conversion storage c = _conversions[asset];
        if (c.kind == ConversionKind.NONE) revert ConversionNotOpen(asset);
        return _quote(asset, c, tokens);
    }

    /// @notice Cash still to deposit so that every remaining token of `asset` can be converted at today's
    /// multiplier (zero for TOKEN conversions and when funded enough).
    function fundingRequired(address asset) external view returns (uint256) {
        Conversion storage c = _conversions[asset];
        if (c.state != ConversionState.OPEN || c.kind != ConversionKind.CASH) return 0;
        (, uint256 owed) = _quote(asset, c, IERC20(asset).totalSupply());
        uint256 available = c.funded - c.paid;
        return owed > available ? owed - available : 0;
    }

    /// @notice Cash deposited beyond what the remaining holders are owed at today's multiplier.
    function excessFunding(address asset) external view returns (uint256) {
        Conversion storage c = _conversions[asset];
        if (c.state != ConversionState.OPEN || c.kind != ConversionKind.CASH) return 0;
        return _excess(asset, c);
    }

    // ================================================================ internals

    /// @dev Every input check of `openConversion`, and the Minter status and token roles it relies on.
    function _checkTerms(address asset, ConversionTerms calldata terms) private view {
        if (asset == address(0) || terms.payout == address(0)) revert ZeroAddress();
        if (terms.kind == ConversionKind.NONE) revert InvalidKind();
        if (terms.payout == asset) revert InvalidPayout(terms.payout);
        if (terms.rate == 0 || terms.rate > MAX_RATE) revert InvalidRate(terms.rate);
        if (terms.actionRef == bytes32(0)) revert InvalidActionRef();
        if (terms.effectiveAt < block.timestamp || terms.effectiveAt > block.timestamp + MAX_EFFECTIVE_DELAY) {
            revert InvalidEffectiveTime(terms.effectiveAt);
        }
        if (
            terms.expiresAt < uint256(terms.effectiveAt) + MIN_CONVERSION_WINDOW
                || terms.expiresAt > uint256(terms.effectiveAt) + MAX_CONVERSION_WINDOW
        ) revert InvalidExpiry(terms.expiresAt);
        if (_conversions[asset].state == ConversionState.OPEN) revert ConversionAlreadyOpen(asset);
        AssetStatus status = MINTER.assetConfig(asset).status;
        if (status != AssetStatus.REDEEM_ONLY && status != AssetStatus.HALTED) revert AssetStillActive(asset, status);
        _requireRole(asset, TOKEN_FORCED_TRANSFER_ROLE);
        if (terms.kind == ConversionKind.TOKEN) {
            _requireActiveTarget(terms.payout, MINTER.assetConfig(terms.payout).status);
            _requireRole(terms.payout, TOKEN_MINTER_ROLE);
        }
    }

    /// @dev Effects, then the burn, then the payment. Reentrancy is also closed by the guard on every entry point.
    function _convert(
        address asset,
        Conversion storage c,
        Guard memory guard,
        address holder,
        uint256 tokens,
        bool forced
    ) private returns (uint256 payout) {
        uint256 shares;
        (shares, payout) = _quote(asset, c, tokens);
        bool cash = c.kind == ConversionKind.CASH;
        if (cash) {
            uint256 available = c.funded - c.paid;
            if (payout > available) revert InsufficientFunding(asset, payout, available);
        }
        c.paid += payout;
        c.tokensConverted += tokens;
        c.sharesConverted += shares;
        uint64 id = c.id;
        emit Converted(asset, id, holder, tokens, shares, payout, forced);
        IConvertibleToken(asset).forcedBurn(holder, tokens, c.actionRef);
        if (payout == 0) return payout;
        if (cash) {
            IERC20(c.payout).safeTransfer(holder, payout);
        } else {
            _checkReserves(guard, payout);
            IRealAssetToken(guard.target).mint(holder, payout);
        }
    }

    function _quote(address asset, Conversion storage c, uint256 tokens)
        private
        view
        returns (uint256 shares, uint256 payout)
    {
        shares = IRealAssetToken(asset).toShares(tokens);
        uint256 units = shares * c.rate / SHARE;
        payout = c.kind == ConversionKind.CASH ? units : IRealAssetToken(c.payout).toTokens(units);
    }

    function _excess(address asset, Conversion storage c) private view returns (uint256) {
        (, uint256 owed) = _quote(asset, c, IERC20(asset).totalSupply());
        uint256 available = c.funded - c.paid;
        return available > owed ? available - owed : 0;
    }

    /// @dev A frozen holder is never paid; a TOKEN payout must also pass every rule a mint of the target would,
    /// the target's holder cap included: the token enforces the cap after the mint, by reverting, which in
    /// convertAll would undo the whole batch instead of deferring one holder. Read per holder, so the holders a
    /// batch has already added to the target count.
    function _eligibility(Conversion storage c, address holder) private view returns (TransferStatus) {
        Investor memory record = RECORDS.investor(holder);
        if (record.frozen) return TransferStatus.RECIPIENT_FROZEN;
        // A venue holds for its users, who are converted once they withdraw: paying the venue (cash or target
        // tokens) would pay none of them (ADR 0101).
        if (record.holderClass == HolderClass.VENUE) return TransferStatus.VENUE_MINT_OR_BURN_REFUSED;
        if (c.kind != ConversionKind.TOKEN) return TransferStatus.OK;
        address target = c.payout;
        TransferFacts memory f = RECORDS.transferFacts(target, address(0), address(0), holder);
        TransferStatus status = ComplianceRules.evaluate(f, address(0), holder);
        if (status != TransferStatus.OK) return status;
        uint32 maxHolders = ComplianceRules.maxHolders(f);
        if (
            maxHolders != 0 && IERC20(target).balanceOf(holder) == 0
                && IRealAssetToken(target).holderCount() >= maxHolders
        ) return TransferStatus.MAX_HOLDERS_REACHED;
        return TransferStatus.OK;
    }

    /// @dev The target's reserve source as the Minter has it configured (one source of truth for both mint paths);
    /// an empty guard for a CASH conversion, which mints nothing.
    function _guard(Conversion storage c) private view returns (Guard memory g) {
        if (c.kind != ConversionKind.TOKEN) return g;
        address target = c.payout;
        AssetConfigView memory cfg = MINTER.assetConfig(target);
        _requireActiveTarget(target, cfg.status);
        g.target = target;
        g.heartbeat = cfg.reserveHeartbeat;
        g.tokenDecimals = IERC20Metadata(target).decimals();
        AggregatorV3Interface feed = AggregatorV3Interface(cfg.reserveFeed == RESERVES ? address(0) : cfg.reserveFeed);
        if (address(feed) == address(0)) {
            g.feedDecimals = RESERVE_REGISTRY_DECIMALS;
            (g.round.roundId, g.round.answer,, g.round.updatedAt, g.round.answeredInRound) =
                IReserveRounds(RESERVES).latestRoundData(target);
        } else {
            g.feedDecimals = feed.decimals();
            (g.round.roundId, g.round.answer,, g.round.updatedAt, g.round.answeredInRound) = feed.latestRoundData();
        }
    }

    /// @dev The Minter's secure-mint guard: shares represented by the target's supply after this mint (rounded up,
    /// after its multiplier) may not exceed the shares the latest fresh reserve round attests.
    function _checkReserves(Guard memory g, uint256 tokens) private view {
        (, uint256 sharesAfter, uint256 splitAt) = IRealAssetToken(g.target).supplyAfterMint(tokens);
        // As the Minter: a round as of before the target's last split counts pre-split shares (ADR 0084).
        if (g.round.updatedAt < splitAt) revert ReservesPredateSplit(g.round.updatedAt, splitAt);
        SecureMint.checkRound(g.round, g.heartbeat, g.feedDecimals, g.tokenDecimals, sharesAfter);
    }

    /// @dev A TOKEN target must be listed and ACTIVE in the Minter: the vault mints nothing the Minter would not.
    function _requireActiveTarget(address target, AssetStatus status) private pure {
        if (status == AssetStatus.UNLISTED) revert TargetNotListed(target);
        if (status != AssetStatus.ACTIVE) revert TargetNotAccepting(target, status);
    }

    function _requireRole(address token, bytes32 role) private view {
        if (!IAccessControl(token).hasRole(role, address(this))) revert MissingTokenRole(token, role);
    }

    function _open(address asset) private view returns (Conversion storage c) {
        c = _conversions[asset];
        if (c.state != ConversionState.OPEN) revert ConversionNotOpen(asset);
    }

    function _effective(address asset) private view returns (Conversion storage c) {
        c = _open(asset);
        if (block.timestamp < c.effectiveAt) revert NotYetEffective(asset, c.effectiveAt);
        if (block.timestamp >= c.expiresAt) revert ConversionExpired(asset, c.expiresAt);
    }
}

/// @notice The ReserveRegistry's Chainlink-shaped read of an asset's latest round (18 decimals).
interface IReserveRounds {
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
