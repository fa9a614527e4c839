// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {NoncesUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/NoncesUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {
    IComplianceRegistry,
    IComplianceRecords,
    TransferFacts,
    TransferStatus
} from "../interfaces/IComplianceRegistry.sol";
import {ComplianceRules} from "../compliance/ComplianceRules.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";
import {Isin} from "./Isin.sol";
import {MultiplierState, ShareMultiplier} from "./ShareMultiplier.sol";

/// @notice Static description of the equity a token represents, fixed at listing (legal terms may be amended).
struct AssetTerms {
    string name;
    string symbol; // ticker, e.g. "rAAPL"
    string isin; // ISO 6166, check digit validated
    string mic; // ISO 10383 market identifier of the primary exchange, e.g. "XNAS"
    string custodian;
    string legalTermsURI;
    bytes32 legalTermsHash;
}

/// @title RealAssetToken
/// @notice One token per equity; at listing 1e18 units = one share held in custody by the SPV, afterwards
/// `multiplier()` shares per token (splits scale it, the management fee shrinks it; ADR 0080). Balances are
/// never rebased, so pools and lending markets holding the token stay consistent. Every movement of tokens
/// (transfer, transferFrom, mint, forced transfer) is gated by the shared ComplianceRegistry; permits accept
/// EOA and ERC-1271 signatures and never bypass compliance because they only set allowances.
/// @dev Deployed as a BeaconProxy per equity; all equities share one beacon so one governance action upgrades
/// them all. Storage is ERC-7201 namespaced. The registry and its record store are immutables of the
/// implementation: every equity shares them, reading them costs nothing, and one beacon upgrade could repoint all.
contract RealAssetToken is
    Initializable,
    IRealAssetToken,
    IERC20Permit,
    ERC20Upgradeable,
    AccessControlUpgradeable,
    EIP712Upgradeable,
    NoncesUpgradeable
{
    /// @notice May mint to eligible investors and burn its own balance (the Minter contract).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May pause all movements of this asset.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May lift a pause. Separate from pausing so that an emergency key can stop but not restart.
    bytes32 public constant UNPAUSER_ROLE = keccak256("UNPAUSER_ROLE");
    /// @notice May move or burn tokens without the holder's consent, for court orders and lost-wallet recovery.
    bytes32 public constant FORCED_TRANSFER_ROLE = keccak256("FORCED_TRANSFER_ROLE");
    /// @notice May schedule and cancel splits and reverse splits (governance).
    bytes32 public constant CORPORATE_ACTIONS_ROLE = keccak256("CORPORATE_ACTIONS_ROLE");
    /// @notice May set the annual management fee (the FeeVault, on governance's instruction).
    bytes32 public constant MANAGEMENT_FEE_ROLE = keccak256("MANAGEMENT_FEE_ROLE");

    /// @notice A split takes effect at least this long after it is scheduled, so holders and integrators see it.
    uint256 public constant MIN_SPLIT_NOTICE = 1 days;
    /// @notice ... and at most this long after.
    uint256 public constant MAX_SPLIT_NOTICE = 365 days;
    /// @notice Largest numerator or denominator of a split ratio (1000-for-1 or 1-for-1000).
    uint32 public constant MAX_SPLIT_FACTOR = 1000;
    /// @notice Highest annual management fee: 2 %.
    uint16 public constant MAX_MANAGEMENT_FEE_BPS = 200;
    /// @notice Bounds of the multiplier a split may produce (1e18 = one share per token): below the minimum,
    /// conversions would lose precision; above the maximum, the packed slot would overflow.
    uint256 public constant MIN_MULTIPLIER = 1e12;
    uint256 public constant MAX_MULTIPLIER = type(uint96).max;

    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    string private constant EIP712_VERSION = "1";
    uint256 private constant MIC_LENGTH = 4;

    /// @notice The compliance registry shared by every equity (pause flags are written through it).
    IComplianceRegistry public immutable REGISTRY;
    /// @notice The registry's record store, read directly on every movement.
    IComplianceRecords public immutable RECORDS;

    /// @custom:storage-location erc7201:rat.storage.RealAssetToken
    struct TokenStorage {
        bytes12 isin;
        bytes4 mic;
        uint128 holderCount;
        string custodian;
        string legalTermsURI;
        bytes32 legalTermsHash;
        MultiplierState multiplier;
        uint32 multiplierVersion; // compare-and-swap guard: bumped by every scheduled or cancelled split
        // When the last split took effect, kept while another is scheduled (`multiplier.splitAt` then holds the
        // scheduled time): the reserve guard must not forget a split the custodian has not yet reported on.
        uint40 priorSplitAt;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.RealAssetToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa87fb425cbede5e6a084abbd1381545b3748a938d2ad499fe91c147e9815ef00;

    function _s() private pure returns (TokenStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @param registry The shared compliance registry (behind its own proxy, so its address never changes).
    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(IComplianceRegistry registry) {
        if (address(registry) == address(0)) revert ZeroAddress();
        REGISTRY = registry;
        RECORDS = registry.records();
        _disableInitializers();
    }

    /// @notice Sets up one equity behind its proxy; runs once, atomically with the proxy deployment.
    /// @param terms Name, ticker, ISIN, MIC, custodian and legal terms of the equity.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (handed to the timelock by governance).
    function initialize(AssetTerms calldata terms, address admin) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        if (bytes(terms.name).length == 0) revert EmptyField("name");
        if (bytes(terms.symbol).length == 0) revert EmptyField("symbol");
        if (bytes(terms.custodian).length == 0) revert EmptyField("custodian");
        if (!Isin.isValid(terms.isin)) revert InvalidIsin(terms.isin);
        if (!_isValidMic(terms.mic)) revert InvalidMic(terms.mic);
        __ERC20_init(terms.name, terms.symbol);
        __EIP712_init(terms.name, EIP712_VERSION);
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);

        TokenStorage storage $ = _s();
        $.isin = bytes12(bytes(terms.isin));
        $.mic = bytes4(bytes(terms.mic));
        $.custodian = terms.custodian;
        _setLegalTerms(terms.legalTermsURI, terms.legalTermsHash);
    }

    // ---------------------------------------------------------------- supply

    /// @notice Mints `amount` to an eligible investor.
    /// @param to Recipient; must pass the registry's recipient checks.
    /// @param amount Token units (1e18 = one share).
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of the caller's own balance (the Minter burns escrowed redemptions).
    /// @param amount Token units.
    function burn(uint256 amount) external onlyRole(MINTER_ROLE) {
        _burn(_msgSender(), amount);
    }

    // ---------------------------------------------------------------- enforcement

    /// @notice Moves tokens without the holder's consent (court order, lost-wallet recovery). The recipient must
    /// pass every compliance check; the sender may be frozen and stays frozen. The sender may be a venue in any
    /// standing (recovering what a suspended or removed venue holds); the recipient may be a venue only while it is
    /// ACTIVE for this asset (ADR 0101).
    /// @param from The holder whose tokens move.
    /// @param to An eligible recipient (or an active venue) other than `from`.
    /// @param amount Token units.
    /// @param legalRef Hash of the court order or recovery case file.
    function forcedTransfer(address from, address to, uint256 amount, bytes32 legalRef)
        external
        onlyRole(FORCED_TRANSFER_ROLE)
    {
        if (from == to) revert ForcedTransferToSelf(from);
        if (from == address(0) || to == address(0)) revert ZeroAddress();
        // Judged as a mint into `to`: every recipient rule applies, no sender rule does. The sender's record is
        // read only for its holder class (protocol holders and venues are never counted). The FORCED flag lets an
        // active venue receive, which a mint never may.
        TransferFacts memory f = RECORDS.transferFacts(address(this), address(0), from, to);
        f.flags |= ComplianceRules.FORCED;
        _require(ComplianceRules.evaluate(f, address(0), to));
        _move(from, to, amount, f);
        emit ForcedTransfer(from, to, amount, legalRef);
    }

    /// @notice Burns tokens of any holder, frozen ones included, under a legal order.
    /// @param from The holder.
    /// @param amount Token units.
    /// @param legalRef Hash of the legal order.
    function forcedBurn(address from, uint256 amount, bytes32 legalRef) external onlyRole(FORCED_TRANSFER_ROLE) {
        if (from == address(0)) revert ZeroAddress();
        TransferFacts memory f = RECORDS.transferFacts(address(this), address(0), from, address(0));
        _require(ComplianceRules.evaluate(f, address(0), address(0)));
        _move(from, address(0), amount, f);
        emit ForcedBurn(from, amount, legalRef);
    }

    /// @notice Stops every movement of this asset (transfers, mints, burns, forced transfers).
    function pause() external onlyRole(PAUSER_ROLE) {
        REGISTRY.setAssetPaused(true);
        emit Paused(_msgSender());
    }

    /// @notice Resumes movements.
    function unpause() external onlyRole(UNPAUSER_ROLE) {
        REGISTRY.setAssetPaused(false);
        emit Unpaused(_msgSender());
    }

    /// @notice Amends the legal terms document.
    /// @param uri Where the document is published.
    /// @param contentHash keccak256 of the document's bytes.
    function setLegalTerms(string calldata uri, bytes32 contentHash) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLegalTerms(uri, contentHash);
    }

    // ---------------------------------------------------------------- corporate actions

    /// @notice Schedules a split (numerator > denominator) or reverse split (numerator < denominator): from
    /// `activatesAt` every holder's shares are multiplied by numerator / denominator, with no balance written.
    /// @param numerator Shares after the split per `denominator` shares before (1..MAX_SPLIT_FACTOR).
    /// @param denominator Shares before (1..MAX_SPLIT_FACTOR), different from `numerator`.
    /// @param activatesAt When it takes effect: MIN_SPLIT_NOTICE to MAX_SPLIT_NOTICE from now.
    /// @param expectedVersion The `multiplierVersion` the proposal was prepared against; a stale proposal (another
    /// split scheduled or cancelled meanwhile) reverts instead of applying twice.
    /// @param actionRef Hash of the issuer's announcement (corporate action notice).
    function scheduleSplit(
        uint32 numerator,
        uint32 denominator,
        uint40 activatesAt,
        uint32 expectedVersion,
        bytes32 actionRef
    ) external onlyRole(CORPORATE_ACTIONS_ROLE) {
        if (numerator == 0 || denominator == 0 || numerator == denominator) {
            revert InvalidSplitRatio(numerator, denominator);
        }
        if (numerator > MAX_SPLIT_FACTOR || denominator > MAX_SPLIT_FACTOR) {
            revert InvalidSplitRatio(numerator, denominator);
        }
        if (activatesAt < block.timestamp + MIN_SPLIT_NOTICE || activatesAt > block.timestamp + MAX_SPLIT_NOTICE) {
            revert InvalidActivationTime(activatesAt, block.timestamp + MIN_SPLIT_NOTICE);
        }
        TokenStorage storage $ = _s();
        uint32 version = _checkVersion($, expectedVersion);
        (MultiplierState memory m,) = _checkpoint($);
        if (m.numerator != 0) revert SplitAlreadyScheduled(m.splitAt);
        $.priorSplitAt = m.splitAt; // when the last split took effect (0: never), which m.splitAt now replaces
        // The fee only shrinks the multiplier afterwards, so bounding today's result bounds the applied one
        // from above; the floor is checked on today's value too. Rounded up exactly as the split applies it, so a
        // result a hair above MAX_MULTIPLIER can never be folded into the uint96 anchor.
        uint256 current = ShareMultiplier.at(m, block.timestamp);
        uint256 projected = (current * numerator + denominator - 1) / denominator;
        if (projected > MAX_MULTIPLIER || projected < MIN_MULTIPLIER) revert MultiplierOutOfRange(projected);
        m.splitAt = activatesAt;
        m.numerator = numerator;
        m.denominator = denominator;
        $.multiplier = m;
        $.multiplierVersion = version + 1;
        emit SplitScheduled(version + 1, numerator, denominator, activatesAt, actionRef);
    }

    /// @notice Cancels the scheduled split before it takes effect (the issuer withdrew it).
    /// @param expectedVersion The current `multiplierVersion` (compare-and-swap).
    /// @param actionRef Hash of the withdrawal notice.
    function cancelSplit(uint32 expectedVersion, bytes32 actionRef) external onlyRole(CORPORATE_ACTIONS_ROLE) {
        TokenStorage storage $ = _s();
        uint32 version = _checkVersion($, expectedVersion);
        (MultiplierState memory m,) = _checkpoint($);
        if (m.numerator == 0) revert NoSplitScheduled();
        m.splitAt = $.priorSplitAt; // back to when the last split took effect (0: never)
        m.numerator = 0;
        m.denominator = 0;
        $.multiplier = m;
        $.multiplierVersion = version + 1;
        emit SplitCancelled(version + 1, actionRef);
    }

    /// @notice Sets the annual management fee, accrued continuously through the multiplier from now on; what
    /// accrued at the old rate is folded in first.
    /// @param bps Annual rate in basis points, at most MAX_MANAGEMENT_FEE_BPS.
    function setManagementFee(uint16 bps) external onlyRole(MANAGEMENT_FEE_ROLE) {
        if (bps > MAX_MANAGEMENT_FEE_BPS) revert ManagementFeeTooHigh(bps, MAX_MANAGEMENT_FEE_BPS);
        TokenStorage storage $ = _s();
        (MultiplierState memory m,) = _checkpoint($);
        m.feeBps = bps;
        $.multiplier = m;
        emit ManagementFeeUpdated(bps, ShareMultiplier.at(m, block.timestamp));
    }

    /// @notice Folds the fee accrued since the last checkpoint (and a split that took effect) into the anchor.
    /// Anyone may call it; reads never need it, it only bounds how far back the next fee report reaches.
    /// @return multiplierBefore The anchor before (shares per token at the last checkpoint).
    /// @return multiplierAfter The multiplier now.
    /// @return feeShares Shares the management fee took from all holders since the last checkpoint (in today's
    /// shares), which the custodian sells for the fee.
    /// @return since The last checkpoint's time.
    function checkpoint()
        external
        returns (uint256 multiplierBefore, uint256 multiplierAfter, uint256 feeShares, uint40 since)
    {
        TokenStorage storage $ = _s();
        MultiplierState memory m = $.multiplier;
        multiplierBefore = m.anchor == 0 ? ShareMultiplier.SCALE : m.anchor;
        since = m.anchorTime;
        (m, feeShares) = _checkpoint($);
        multiplierAfter = m.anchor;
    }

    // ---------------------------------------------------------------- permit (ERC-2612 + ERC-1271)

    /// @notice ERC-2612 permit with an ECDSA signature.
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        permit(owner, spender, value, deadline, abi.encodePacked(r, s, v));
    }

    /// @notice Permit with an arbitrary signature: 65-byte ECDSA for EOAs, or whatever an ERC-1271 wallet (Safe)
    /// accepts for contract owners.
    /// @param owner Token holder granting the allowance; must not be frozen.
    /// @param spender Receives the allowance; must not be frozen.
    /// @param value Allowance.
    /// @param deadline Last valid timestamp.
    /// @param signature Owner's signature over the EIP-712 Permit struct.
    function permit(address owner, address spender, uint256 value, uint256 deadline, bytes memory signature)
        public
    {
        if (block.timestamp > deadline) revert PermitExpired(deadline);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline)));
        if (!SignatureChecker.isValidSignatureNow(owner, digest, signature)) revert PermitInvalidSignature(owner);
        _approve(owner, spender, value);
    }

    /// @notice The EIP-712 domain separator, recomputed from the current chain id (safe across forks).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The next permit nonce of `owner`.
    function nonces(address owner) public view override(IERC20Permit, NoncesUpgradeable) returns (uint256) {
        return super.nonces(owner);
    }

    // ---------------------------------------------------------------- reads

    /// @notice Shares of the underlying equity per token, 1e18 fixed point (1e18 = one share per token). O(1)
    /// whatever the time since the last change: a scheduled split applies by itself at its activation time.
    function multiplier() public view returns (uint256) {
        return ShareMultiplier.at(_s().multiplier, block.timestamp);
    }

    /// @notice The multiplier at a time not before the last checkpoint (`multiplierState().anchorTime`), e.g. to
    /// preview a scheduled split; earlier values are read from archive state at the block of interest.
    /// @param timestamp A unix time at or after the last checkpoint.
    function multiplierAt(uint256 timestamp) external view returns (uint256) {
        MultiplierState memory m = _s().multiplier;
        if (timestamp < m.anchorTime) revert MultiplierHistoryUnavailable(timestamp, m.anchorTime);
        return ShareMultiplier.at(m, timestamp);
    }

    /// @notice When the last split or reverse split took effect (0 if none), also while another one is scheduled:
    /// the time before which a reserve round counts shares in another unit (ADR 0084).
    function lastSplitActivatedAt() external view returns (uint256) {
        return _lastSplitAt(_s(), _s().multiplier);
    }

    /// @notice The packed multiplier state and the compare-and-swap version scheduling proposals must name.
    function multiplierState() external view returns (MultiplierState memory state, uint32 version) {
        TokenStorage storage $ = _s();
        return ($.multiplier, $.multiplierVersion);
    }

    /// @notice Shares of the underlying `account` holds through its tokens, rounded down.
    function sharesOf(address account) external view returns (uint256) {
        return balanceOf(account) * multiplier() / ShareMultiplier.SCALE;
    }

    /// @notice Shares represented by the whole supply, rounded down.
    function totalShares() external view returns (uint256) {
        return totalSupply() * multiplier() / ShareMultiplier.SCALE;
    }

    /// @notice Shares that `tokens` token units represent now, rounded down.
    function toShares(uint256 tokens) external view returns (uint256) {
        return tokens * multiplier() / ShareMultiplier.SCALE;
    }

    /// @notice Token units that represent `shares` now, rounded down (never more tokens than the shares back).
    function toTokens(uint256 shares) external view returns (uint256) {
        return shares * ShareMultiplier.SCALE / multiplier();
    }

    /// @notice The supply after minting `tokens`, in token units and in shares rounded up, and when the last split
    /// took effect: the Minter's mint cap counts tokens, its reserve guard compares shares in custody with shares
    /// represented and refuses a reserve round as of before that split (ADR 0084).
    /// @return supplyAfter Token units after the mint.
    /// @return sharesAfter Shares they represent now, rounded up.
    /// @return splitActivatedAt When the last split or reverse split took effect (0 if none), as
    /// `lastSplitActivatedAt`.
    function supplyAfterMint(uint256 tokens)
        external
        view
        returns (uint256 supplyAfter, uint256 sharesAfter, uint256 splitActivatedAt)
    {
        supplyAfter = totalSupply() + tokens;
        MultiplierState memory state = _s().multiplier;
        uint256 m = ShareMultiplier.at(state, block.timestamp);
        sharesAfter = (supplyAfter * m + ShareMultiplier.SCALE - 1) / ShareMultiplier.SCALE;
        splitActivatedAt = _lastSplitAt(_s(), state);
    }

    /// @notice Number of investors holding a non-zero balance (protocol holders and venues are not counted).
    function holderCount() external view returns (uint256) {
        return _s().holderCount;
    }

    /// @notice Whether the asset is paused (kept in the registry beside the asset's policy).
    function paused() external view returns (bool) {
        return RECORDS.policy(address(this)).paused;
    }

    /// @notice ISIN of the underlying share.
    function isin() external view returns (string memory) {
        return string(abi.encodePacked(_s().isin));
    }

    /// @notice ISO 10383 MIC of the primary listing.
    function mic() external view returns (string memory) {
        return string(abi.encodePacked(_s().mic));
    }

    /// @notice Name of the custodian holding the shares for the SPV.
    function custodian() external view returns (string memory) {
        return _s().custodian;
    }

    /// @notice Where the legal terms are published and the keccak256 of their content.
    function legalTerms() external view returns (string memory uri, bytes32 contentHash) {
        TokenStorage storage $ = _s();
        return ($.legalTermsURI, $.legalTermsHash);
    }

    // ---------------------------------------------------------------- internals

    function _update(address from, address to, uint256 value) internal override {
        // Mint and burn come from role-gated callers; only third-party spenders are checked as operators.
        address operator = (from == address(0) || to == address(0)) ? from : _msgSender();
        TransferFacts memory f = RECORDS.transferFacts(address(this), operator, from, to);
        _require(ComplianceRules.evaluate(f, from, to));
        _move(from, to, value, f);
    }

    /// @dev Moves balances and keeps the holder count, enforcing the holder cap when a new holder appears.
    /// Protocol holders (ADR 0084) and venues (ADR 0101) are never counted, and a return from a protocol holder (an
    /// investor's own escrow) is never refused by the cap: the count may then exceed a cap that was reached
    /// meanwhile, as when a cap is lowered. A venue paying out to a new holder is capped like any transfer.
    function _move(address from, address to, uint256 value, TransferFacts memory f) private {
        bool joins = to != address(0) && value != 0 && balanceOf(to) == 0 && ComplianceRules.isCounted(f.recipient);
        super._update(from, to, value);
        bool leaves =
            from != address(0) && value != 0 && balanceOf(from) == 0 && ComplianceRules.isCounted(f.sender);
        if (joins == leaves) return;
        TokenStorage storage $ = _s();
        if (joins) {
            uint128 count = ++$.holderCount;
            uint32 maxHolders = ComplianceRules.maxHolders(f);
            if (maxHolders != 0 && count > maxHolders && !ComplianceRules.isProtocol(f.sender)) {
                revert TransferRestricted(TransferStatus.MAX_HOLDERS_REACHED);
            }
        } else {
            --$.holderCount;
        }
    }

    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        // Allowance consumption (emitEvent false) is already covered by the operator check in _update.
        if (emitEvent) {
            if (RECORDS.isFrozen(owner)) revert AccountFrozen(owner);
            if (RECORDS.isFrozen(spender)) revert AccountFrozen(spender);
        }
        super._approve(owner, spender, value, emitEvent);
    }

    function _checkVersion(TokenStorage storage $, uint32 expected) private view returns (uint32 version) {
        version = $.multiplierVersion;
        if (version != expected) revert MultiplierVersionMismatch(expected, version);
    }

    /// @dev The multiplier state keeps one split time: a scheduled split's, else the last activation. While a split is
    /// pending the last activation is in `priorSplitAt` (read only then, so the usual mint pays no extra SLOAD).
    function _lastSplitAt(TokenStorage storage $, MultiplierState memory m) private view returns (uint256 at) {
        at = ShareMultiplier.lastSplitAt(m, block.timestamp);
        if (at == 0 && m.numerator != 0) at = $.priorSplitAt;
    }

    /// @dev Every fold reports the fee it realises, so the MultiplierCheckpointed events alone account for every
    /// fee share the custodian must sell, whichever function folded.
    function _checkpoint(TokenStorage storage $) private returns (MultiplierState memory m, uint256 feeShares) {
        m = $.multiplier;
        uint40 since = m.anchorTime;
        uint256 gross = ShareMultiplier.withoutFee(m, block.timestamp);
        m = ShareMultiplier.fold(m, block.timestamp);
        feeShares = totalSupply() * (gross - m.anchor) / ShareMultiplier.SCALE;
        $.multiplier = m;
        emit MultiplierCheckpointed(m.anchor, feeShares, since);
    }

    function _require(TransferStatus status) private pure {
        if (status != TransferStatus.OK) revert TransferRestricted(status);
    }

    function _setLegalTerms(string calldata uri, bytes32 contentHash) private {
        if (bytes(uri).length == 0 || contentHash == bytes32(0)) revert InvalidLegalTerms();
        TokenStorage storage $ = _s();
        $.legalTermsURI = uri;
        $.legalTermsHash = contentHash;
        emit LegalTermsUpdated(uri, contentHash);
    }

    function _isValidMic(string calldata value) private pure returns (bool) {
        bytes calldata b = bytes(value);
        if (b.length != MIC_LENGTH) return false;
        for (uint256 i; i < MIC_LENGTH; ++i) {
            bytes1 c = b[i];
            if (!((c >= "A" && c <= "Z") || (c >= "0" && c <= "9"))) return false;
        }
        return true;
    }
}
