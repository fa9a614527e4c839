// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IComplianceRegistry, IComplianceRecords} from "../interfaces/IComplianceRegistry.sol";
import {Jurisdiction} from "../compliance/Jurisdiction.sol";

/// @notice What governance fixes when it creates a cash distribution (the input of `createDistribution`).
struct DistributionTerms {
    address asset; // the RAT equity token whose holders are paid
    address payoutToken; // the stablecoin paid out
    bytes32 merkleRoot; // OpenZeppelin StandardMerkleTree root over (address holder, uint256 grossAmount)
    uint64 recordBlock; // holders and multiplier are read at the end of this block
    uint256 amountPerShare; // payout-token units per whole share (1e18 shares), before withholding
    uint256 totalGross; // pulled from the caller; at least the sum of the leaves, the rest is rounding dust
    uint40 claimDeadline; // last second a claim is accepted; afterwards the remainder goes to the treasury
    string metadataURI; // the published distribution file (tree dump and per-holder proofs)
    bytes32 metadataHash; // keccak256 of that file's bytes
}

/// @notice A stored distribution, as `distribution(id)` returns it.
struct Distribution {
    address asset;
    uint64 recordBlock;
    uint40 claimDeadline;
    bool swept; // what was left went to the treasury: swept after the deadline, or returned by a cancellation
    address payoutToken;
    uint128 totalGross;
    uint128 claimedGross; // gross of every claim so far (net paid + withheld)
    bytes32 merkleRoot;
    uint256 amountPerShare;
    bytes32 metadataHash;
    string metadataURI;
}

/// @title DividendDistributor
/// @notice Pays cash dividends of RAT equities in a stablecoin through Merkle claims (ADR 0081). Off-chain, a
/// snapshot of every holder's shares at a record block (token balance x multiplier, read from archive state) gives
/// each holder a gross amount; governance commits the tree's root here and funds the gross total in the same call.
/// Anyone may then claim for a holder with the holder's proof; the money only ever goes to the holder, less the
/// withholding tax of the holder's jurisdiction (from the compliance records, at the rate in force at claim time),
/// which goes to the tax account. Frozen holders are not paid until unfrozen. After the claim deadline anyone may
/// sweep what is left of a distribution to the treasury; before it, governance may cancel a wrong distribution
/// (bad root, wrong amount), which stops its claims and returns everything not yet paid to the treasury.
/// @dev Deployed behind a SingletonProxy (UUPS) like the other singletons; storage is ERC-7201 namespaced. Each
/// distribution's funds are accounted for separately (`claimedGross <= totalGross`), so a wrong root can never pay
/// out another distribution's money. The compliance record store is an immutable of the implementation.
contract DividendDistributor is Initializable, AccessControlUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May create and fund distributions (governance, or the paying agent it appoints).
    bytes32 public constant DISTRIBUTION_CREATOR_ROLE = keccak256("DISTRIBUTION_CREATOR_ROLE");
    /// @notice May cancel a distribution, stopping its claims (governance only: a paying agent that may create
    /// distributions must not be able to take one away from holders).
    bytes32 public constant DISTRIBUTION_CANCELLER_ROLE = keccak256("DISTRIBUTION_CANCELLER_ROLE");
    /// @notice May set the withholding-tax rate of each jurisdiction and the default rate.
    bytes32 public constant WITHHOLDING_MANAGER_ROLE = keccak256("WITHHOLDING_MANAGER_ROLE");
    /// @notice May change the treasury (receives swept funds) and the tax account (receives withholding).
    bytes32 public constant PAYOUT_ACCOUNTS_ROLE = keccak256("PAYOUT_ACCOUNTS_ROLE");
    /// @notice May upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Shortest claim period a distribution may have, counted from its creation.
    uint256 public constant MIN_CLAIM_PERIOD = 30 days;
    /// @notice Longest claim period (unclaimed dividends then return to the treasury, which answers for them).
    uint256 public constant MAX_CLAIM_PERIOD = 5 * 365 days;
    /// @notice Highest withholding rate governance can set: 50 %.
    uint16 public constant MAX_WITHHOLDING_BPS = 5_000;
    /// @notice Basis-point denominator.
    uint16 public constant BPS = 10_000;

    /// @dev A withholding table entry; `set` distinguishes an explicit 0 % from "use the default rate".
    struct Rate {
        bool set;
        uint16 bps;
    }

    /// @custom:storage-location erc7201:rat.storage.DividendDistributor
    struct DistributorStorage {
        uint256 nextId; // ids start at 1
        address treasury;
        address taxAccount;
        uint16 defaultWithholdingBps;
        mapping(uint256 id => Distribution) distributions;
        mapping(uint256 id => mapping(address holder => bool)) claimed;
        mapping(bytes2 jurisdiction => Rate) withholding;
        // Appended (upgrade-safe); kept out of `Distribution` so that `distribution(id)` keeps its ABI.
        mapping(uint256 id => bool) cancelled;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.DividendDistributor")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x280bc167032c5df969606f66af97eb2a91a9b440c2f35eb93f2a342a01f4c200;

    /// @notice The compliance record store read for freezes and jurisdictions (shared by every RAT contract).
    IComplianceRecords public immutable RECORDS;

    /// @notice A distribution was created and its gross total received.
    event DistributionCreated(
        uint256 indexed id,
        address indexed asset,
        address indexed payoutToken,
        bytes32 merkleRoot,
        uint64 recordBlock,
        uint256 amountPerShare,
        uint256 totalGross,
        uint40 claimDeadline,
        string metadataURI,
        bytes32 metadataHash,
        address funder
    );
    /// @notice A holder was paid: `net` to the holder, `withheld` to the tax account (`gross` = net + withheld).
    event Claimed(
        uint256 indexed id,
        address indexed holder,
        address indexed caller,
        uint256 gross,
        uint256 net,
        uint256 withheld,
        bytes2 jurisdiction,
        uint16 withholdingBps,
        address taxAccount
    );
    /// @notice What was left of an expired distribution went to the treasury.
    event Swept(uint256 indexed id, address indexed treasury, uint256 amount);
    /// @notice A distribution was cancelled: no more claims; `returned` (funded minus paid gross) went to the treasury.
    event DistributionCancelled(uint256 indexed id, address indexed treasury, uint256 returned);
    /// @notice A jurisdiction's withholding rate was set (an explicit entry, 0 % included).
    event WithholdingRateSet(bytes2 indexed jurisdiction, uint16 bps);
    /// @notice A jurisdiction's entry was removed: the default rate applies to it again.
    event WithholdingRateCleared(bytes2 indexed jurisdiction);
    /// @notice The rate for jurisdictions without an entry (and holders without a KYC record) changed.
    event DefaultWithholdingRateSet(uint16 bps);
    /// @notice The treasury changed.
    event TreasuryUpdated(address indexed previous, address indexed current);
    /// @notice The tax account changed.
    event TaxAccountUpdated(address indexed previous, address indexed current);

    error ZeroAddress();
    error AssetNotRegistered(address asset);
    error PayoutIsRatAsset(address payoutToken);
    error EmptyMerkleRoot();
    error RecordBlockNotPast(uint64 recordBlock, uint256 currentBlock);
    error ZeroAmount();
    error TotalTooLarge(uint256 totalGross);
    error InvalidClaimDeadline(uint40 claimDeadline, uint256 earliest, uint256 latest);
    error InvalidMetadata();
    error FundingMismatch(uint256 expected, uint256 received);
    error UnknownDistribution(uint256 id);
    error ClaimPeriodOver(uint256 id, uint40 claimDeadline);
    error ClaimPeriodNotOver(uint256 id, uint40 claimDeadline);
    error AlreadyClaimed(uint256 id, address holder);
    error AlreadySwept(uint256 id);
    error DistributionIsCancelled(uint256 id);
    error InvalidProof(uint256 id, address holder, uint256 grossAmount);
    error HolderFrozen(address holder);
    error ExceedsDistribution(uint256 id, uint256 grossAmount, uint256 remaining);
    error InvalidJurisdiction(bytes2 jurisdiction);
    error WithholdingTooHigh(uint16 bps, uint16 max);
    error NoWithholdingEntry(bytes2 jurisdiction);

    function _s() private pure returns (DistributorStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @param registry The shared compliance registry; its record store is read for freezes and jurisdictions.
    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(IComplianceRegistry registry) {
        if (address(registry) == address(0)) revert ZeroAddress();
        RECORDS = registry.records();
        _disableInitializers();
    }

    /// @notice Sets up the distributor behind its proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and UPGRADER_ROLE (handed to the timelock by governance).
    /// @param treasury_ Receives what is unclaimed at a distribution's deadline.
    /// @param taxAccount_ Receives the withheld tax of every claim.
    function initialize(address admin, address treasury_, address taxAccount_) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _setTreasury(treasury_);
        _setTaxAccount(taxAccount_);
        _s().nextId = 1;
    }

    // ---------------------------------------------------------------- distributions

    /// @notice Creates a distribution and pulls its gross total from the caller (who must have approved it).
    /// @param terms Asset, payout token, root, record block, amount per share, gross total, deadline, metadata.
    /// @return id The new distribution's id (1, 2, ...).
    function createDistribution(DistributionTerms calldata terms)
        external
        onlyRole(DISTRIBUTION_CREATOR_ROLE)
        nonReentrant
        returns (uint256 id)
    {
        if (terms.asset == address(0) || terms.payoutToken == address(0)) revert ZeroAddress();
        if (!RECORDS.policy(terms.asset).registered) revert AssetNotRegistered(terms.asset);
        // This contract is a PROTOCOL holder, whose outgoing RAT transfers bind only freezes: paying claims in a RAT
        // asset would deliver it to holders the token refuses. A stock dividend is a split (the multiplier).
        if (RECORDS.policy(terms.payoutToken).registered) revert PayoutIsRatAsset(terms.payoutToken);
        if (terms.merkleRoot == bytes32(0)) revert EmptyMerkleRoot();
        if (terms.recordBlock >= block.number) revert RecordBlockNotPast(terms.recordBlock, block.number);
        if (terms.amountPerShare == 0 || terms.totalGross == 0) revert ZeroAmount();
        if (terms.totalGross > type(uint128).max) revert TotalTooLarge(terms.totalGross);
        uint256 earliest = block.timestamp + MIN_CLAIM_PERIOD;
        uint256 latest = block.timestamp + MAX_CLAIM_PERIOD;
        if (terms.claimDeadline < earliest || terms.claimDeadline > latest) {
            revert InvalidClaimDeadline(terms.claimDeadline, earliest, latest);
        }
        if (bytes(terms.metadataURI).length == 0 || terms.metadataHash == bytes32(0)) revert InvalidMetadata();

        DistributorStorage storage $ = _s();
        id = $.nextId++;
        Distribution storage d = $.distributions[id];
        d.asset = terms.asset;
        d.recordBlock = terms.recordBlock;
        d.claimDeadline = terms.claimDeadline;
        d.payoutToken = terms.payoutToken;
        d.totalGross = uint128(terms.totalGross); // bounded above
        d.merkleRoot = terms.merkleRoot;
        d.amountPerShare = terms.amountPerShare;
        d.metadataHash = terms.metadataHash;
        d.metadataURI = terms.metadataURI;
        _emitCreated(id, terms);

        // Interaction last; a token that delivers less than asked (fee on transfer) is refused, so every
        // distribution's books equal the money actually here.
        IERC20 payout = IERC20(terms.payoutToken);
        uint256 before = payout.balanceOf(address(this));
        payout.safeTransferFrom(msg.sender, address(this), terms.totalGross);
        uint256 received = payout.balanceOf(address(this)) - before;
        if (received != terms.totalGross) revert FundingMismatch(terms.totalGross, received);
    }

    /// @notice Pays `holder` its dividend: net of withholding to the holder, the withheld part to the tax account.
    /// Anyone may call it (a holder, a wallet provider, the relayer); the money only goes to `holder`.
    /// @param id The distribution.
    /// @param holder The holder named in the leaf; must not be frozen.
    /// @param grossAmount The leaf's gross amount in payout-token units.
    /// @param proof The leaf's StandardMerkleTree proof (from the published distribution file).
    function claim(uint256 id, address holder, uint256 grossAmount, bytes32[] calldata proof) external nonReentrant {
        DistributorStorage storage $ = _s();
        Distribution storage d = _existing($, id);
        if ($.cancelled[id]) revert DistributionIsCancelled(id);
        if (block.timestamp > d.claimDeadline) revert ClaimPeriodOver(id, d.claimDeadline);
        if ($.claimed[id][holder]) revert AlreadyClaimed(id, holder);
        if (!MerkleProof.verifyCalldata(proof, d.merkleRoot, leaf(holder, grossAmount))) {
            revert InvalidProof(id, holder, grossAmount);
        }
        if (RECORDS.isFrozen(holder)) revert HolderFrozen(holder);
        uint256 remaining = uint256(d.totalGross) - d.claimedGross;
        if (grossAmount > remaining) revert ExceedsDistribution(id, grossAmount, remaining);

        bytes2 jurisdiction = RECORDS.investor(holder).jurisdiction;
        uint16 bps = _withholdingBps($, jurisdiction);
        // Rounded down: any fraction of a unit stays with the holder.
        uint256 withheld = grossAmount * bps / BPS;
        uint256 net = grossAmount - withheld;
        address tax = $.taxAccount;

        $.claimed[id][holder] = true;
        d.claimedGross += uint128(grossAmount); // grossAmount <= remaining <= type(uint128).max
        emit Claimed(id, holder, msg.sender, grossAmount, net, withheld, jurisdiction, bps, tax);

        IERC20 payout = IERC20(d.payoutToken);
        if (net != 0) payout.safeTransfer(holder, net);
        if (withheld != 0) payout.safeTransfer(tax, withheld);
    }

    /// @notice Cancels a distribution (a wrong root or amount): claims revert from now on, and everything not yet
    /// paid (the gross total less the gross of every claim, withholding included) goes to the treasury.
    /// @dev Also allowed after the deadline until swept, so that a cancellation voted just before the deadline
    /// does not fail on execution; the money goes to the same treasury either way.
    /// @param id A distribution neither cancelled nor swept.
    /// @return returned Payout-token units sent to the treasury.
    function cancelDistribution(uint256 id)
        external
        onlyRole(DISTRIBUTION_CANCELLER_ROLE)
        nonReentrant
        returns (uint256 returned)
    {
        DistributorStorage storage $ = _s();
        Distribution storage d = _existing($, id);
        if ($.cancelled[id]) revert DistributionIsCancelled(id);
        if (d.swept) revert AlreadySwept(id);
        returned = uint256(d.totalGross) - d.claimedGross;
        address to = $.treasury;
        $.cancelled[id] = true;
        // Marked swept too: the money has left, and readers that list open distributions by `swept` drop it.
        d.swept = true;
        emit DistributionCancelled(id, to, returned);
        if (returned != 0) IERC20(d.payoutToken).safeTransfer(to, returned);
    }

    /// @notice After the claim deadline, sends what is left of a distribution (unclaimed amounts and rounding dust)
    /// to the treasury. Anyone may call it: the money can only go to the treasury. Claims revert from then on.
    /// A cancelled distribution has nothing left to sweep, so sweeping it reverts.
    /// @param id The distribution.
    /// @return amount Payout-token units sent to the treasury.
    function sweep(uint256 id) external nonReentrant returns (uint256 amount) {
        DistributorStorage storage $ = _s();
        Distribution storage d = _existing($, id);
        if ($.cancelled[id]) revert DistributionIsCancelled(id);
        if (block.timestamp <= d.claimDeadline) revert ClaimPeriodNotOver(id, d.claimDeadline);
        if (d.swept) revert AlreadySwept(id);
        amount = uint256(d.totalGross) - d.claimedGross;
        address to = $.treasury;
        d.swept = true;
        emit Swept(id, to, amount);
        if (amount != 0) IERC20(d.payoutToken).safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- withholding table and accounts

    /// @notice Sets the withholding rate of one jurisdiction (an explicit entry; 0 % means no withholding).
    /// @param jurisdiction ISO 3166-1 alpha-2 code as stored in the compliance records, e.g. "US".
    /// @param bps Rate in basis points, at most MAX_WITHHOLDING_BPS.
    function setWithholdingRate(bytes2 jurisdiction, uint16 bps) external onlyRole(WITHHOLDING_MANAGER_ROLE) {
        if (!Jurisdiction.isValid(jurisdiction)) revert InvalidJurisdiction(jurisdiction);
        if (bps > MAX_WITHHOLDING_BPS) revert WithholdingTooHigh(bps, MAX_WITHHOLDING_BPS);
        _s().withholding[jurisdiction] = Rate(true, bps);
        emit WithholdingRateSet(jurisdiction, bps);
    }

    /// @notice Removes a jurisdiction's entry: the default rate applies to it again.
    /// @param jurisdiction A jurisdiction that has an entry.
    function clearWithholdingRate(bytes2 jurisdiction) external onlyRole(WITHHOLDING_MANAGER_ROLE) {
        DistributorStorage storage $ = _s();
        if (!$.withholding[jurisdiction].set) revert NoWithholdingEntry(jurisdiction);
        delete $.withholding[jurisdiction];
        emit WithholdingRateCleared(jurisdiction);
    }

    /// @notice Sets the rate for jurisdictions without an entry and for holders without a KYC record.
    /// @param bps Rate in basis points, at most MAX_WITHHOLDING_BPS.
    function setDefaultWithholdingRate(uint16 bps) external onlyRole(WITHHOLDING_MANAGER_ROLE) {
        if (bps > MAX_WITHHOLDING_BPS) revert WithholdingTooHigh(bps, MAX_WITHHOLDING_BPS);
        _s().defaultWithholdingBps = bps;
        emit DefaultWithholdingRateSet(bps);
    }

    /// @notice Changes the treasury, which receives swept funds from now on.
    /// @param newTreasury The new treasury (not zero).
    function setTreasury(address newTreasury) external onlyRole(PAYOUT_ACCOUNTS_ROLE) {
        _setTreasury(newTreasury);
    }

    /// @notice Changes the tax account, which receives withholding from now on.
    /// @param newTaxAccount The new tax account (not zero).
    function setTaxAccount(address newTaxAccount) external onlyRole(PAYOUT_ACCOUNTS_ROLE) {
        _setTaxAccount(newTaxAccount);
    }

    // ---------------------------------------------------------------- reads

    /// @notice A stored distribution (all fields zero for an unknown id).
    /// @param id The distribution.
    function distribution(uint256 id) external view returns (Distribution memory) {
        return _s().distributions[id];
    }

    /// @notice Whether distribution `id` was cancelled (its claims revert; what was unpaid went to the treasury).
    /// @param id The distribution.
    function cancelled(uint256 id) external view returns (bool) {
        return _s().cancelled[id];
    }

    /// @notice Whether `holder` has been paid from distribution `id`.
    /// @param id The distribution.
    /// @param holder The holder.
    function claimed(uint256 id, address holder) external view returns (bool) {
        return _s().claimed[id][holder];
    }

    /// @notice The withholding rate a holder of `jurisdiction` is paid at now: its entry, else the default rate.
    /// @param jurisdiction ISO 3166-1 alpha-2 code (0x0000 for a holder without a KYC record).
    function withholdingBps(bytes2 jurisdiction) external view returns (uint16) {
        return _withholdingBps(_s(), jurisdiction);
    }

    /// @notice A jurisdiction's table entry: whether it has one, and its rate.
    /// @param jurisdiction ISO 3166-1 alpha-2 code.
    function withholdingEntry(bytes2 jurisdiction) external view returns (bool set, uint16 bps) {
        Rate memory r = _s().withholding[jurisdiction];
        return (r.set, r.bps);
    }

    /// @notice The rate for jurisdictions without an entry.
    function defaultWithholdingBps() external view returns (uint16) {
        return _s().defaultWithholdingBps;
    }

    /// @notice Receives swept funds.
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @notice Receives withholding.
    function taxAccount() external view returns (address) {
        return _s().taxAccount;
    }

    /// @notice The id the next distribution will get.
    function nextDistributionId() external view returns (uint256) {
        return _s().nextId;
    }

    /// @notice The StandardMerkleTree leaf of a claim: keccak256(bytes.concat(keccak256(abi.encode(holder, gross)))).
    /// @param holder The holder.
    /// @param grossAmount Gross amount in payout-token units.
    function leaf(address holder, uint256 grossAmount) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(holder, grossAmount))));
    }

    // ---------------------------------------------------------------- internals

    /// @dev Separate frame: the event's eleven fields do not fit beside createDistribution's locals.
    function _emitCreated(uint256 id, DistributionTerms calldata terms) private {
        emit DistributionCreated(
            id,
            terms.asset,
            terms.payoutToken,
            terms.merkleRoot,
            terms.recordBlock,
            terms.amountPerShare,
            terms.totalGross,
            terms.claimDeadline,
            terms.metadataURI,
            terms.metadataHash,
            msg.sender
        );
    }

    function _existing(DistributorStorage storage $, uint256 id) private view returns (Distribution storage d) {
        d = $.distributions[id];
        if (d.asset == address(0)) revert UnknownDistribution(id);
    }

    function _withholdingBps(DistributorStorage storage $, bytes2 jurisdiction) private view returns (uint16) {
        Rate memory r = $.withholding[jurisdiction];
        return r.set ? r.bps : $.defaultWithholdingBps;
    }

    function _setTreasury(address newTreasury) private {
        if (newTreasury == address(0)) revert ZeroAddress();
        DistributorStorage storage $ = _s();
        emit TreasuryUpdated($.treasury, newTreasury);
        $.treasury = newTreasury;
    }

    function _setTaxAccount(address newTaxAccount) private {
        if (newTaxAccount == address(0)) revert ZeroAddress();
        DistributorStorage storage $ = _s();
        emit TaxAccountUpdated($.taxAccount, newTaxAccount);
        $.taxAccount = newTaxAccount;
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
