// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {
    IMinter,
    RequestKind,
    RequestStatus,
    AssetStatus,
    AttestorRole,
    Request,
    Fill,
    TierLimits,
    AssetConfigView
} from "../interfaces/IMinter.sol";
import {IComplianceRegistry, IComplianceRecords, Investor} from "../interfaces/IComplianceRegistry.sol";
import {IFeeVault} from "../interfaces/IFeeVault.sol";
import {IReserveRegistry, IReserveRecords} from "../interfaces/IReserveRegistry.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";
import {LeakyBucket} from "./LeakyBucket.sol";
import {MinterConfig} from "./MinterConfig.sol";
import {MinterState} from "./MinterState.sol";
import {SecureMint} from "../reserves/SecureMint.sol";

interface IMintBurn {
    function mint(address to, uint256 amount) external;
    function burn(uint256 amount) external;
}

/// @title Minter
/// @notice The one mint/burn engine for every RAT equity. Investors escrow stablecoin (mint) or tokens (burn);
/// a relayer executes at the broker and submits the fill signed by K-of-N attestors covering both the brokerage
/// (the order executed) and the custody (the shares moved) roles. The signed amounts are the executed amounts;
/// the relayer's own key moves nothing. A mint also passes the proof-of-reserve guard. Escrow that is not
/// settled by its deadline can be reclaimed by anyone on the investor's behalf.
/// @dev Gas layout (ADR 0010): a request is two slots; everything a fill needs about its asset (reserve source
/// and decimals, status, fees) is one slot, the mint limits two more; an account's daily bucket and nonce share a
/// slot. KYC is read from the plain ComplianceRecords store, reserves from the ReserveRegistry directly when the
/// configured feed is our ReserveFeed, fees from the copy the FeeVault pushes here; the fee itself is transferred
/// straight to the vault. No proxy is entered on a fill except the token's and, for reserves, the registry's.
contract Minter is IMinter, MinterState, Initializable, AccessControlUpgradeable, EIP712Upgradeable, UUPSUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice May list assets and payment tokens, set their status, feeds, limits and the settlement account.
    bytes32 public constant ASSET_MANAGER_ROLE = keccak256("ASSET_MANAGER_ROLE");
    /// @notice May add, re-role and remove attestors and set the quorum.
    bytes32 public constant ATTESTOR_MANAGER_ROLE = keccak256("ATTESTOR_MANAGER_ROLE");
    /// @notice May submit attested fills (the relayer). Cannot mint or pay anything without the attestors.
    bytes32 public constant SUBMITTER_ROLE = keccak256("SUBMITTER_ROLE");
    /// @notice May reject pending requests with a reason code, returning the escrow.
    bytes32 public constant REJECTER_ROLE = keccak256("REJECTER_ROLE");
    /// @notice May upgrade the Minter implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice May move a frozen investor's escrow to a legal-hold account under a legal order (governance).
    bytes32 public constant LEGAL_HOLD_ROLE = keccak256("LEGAL_HOLD_ROLE");

    bytes32 public constant FILL_TYPEHASH = keccak256(
        "Fill(bytes32 requestId,address asset,address account,uint256 shares,uint256 price,uint256 fees,"
        "bytes32 brokerOrderRef,bytes32 custodyRef,uint256 deadline)"
    );

    /// @notice Every fulfilment needs a brokerage and a custody signature.
    uint256 public constant REQUIRED_ROLES = (1 << uint8(AttestorRole.BROKERAGE)) | (1 << uint8(AttestorRole.CUSTODY));
    /// @notice The smallest quorum: one signature per required role.
    uint8 public constant MIN_QUORUM = 2;
    /// @notice Requests may not lock escrow for longer than this.
    uint256 public constant MAX_REQUEST_DURATION = 30 days;
    /// @notice Notional limits are in 18-decimal USD, stablecoins counted at par.
    uint8 public constant NOTIONAL_DECIMALS = 18;
    /// @notice Base units of each payment token the Minter holds for good, pulled from the lister at listing, so
    /// its escrow balance never returns to zero and no request pays for re-creating the balance slot (17,100 gas).
    uint256 public constant ESCROW_KEEPALIVE = 1;
    uint256 private constant SHARE = 1e18;
    uint256 private constant BPS = 10_000;

    string private constant EIP712_NAME = "RAT Minter";
    string private constant EIP712_VERSION = "1";
    bytes32 private constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant EIP712_NAME_HASH = keccak256(bytes(EIP712_NAME));
    bytes32 private constant EIP712_VERSION_HASH = keccak256(bytes(EIP712_VERSION));

    /// @notice The compliance registry (KYC tier, expiry, freeze of investors).
    IComplianceRegistry public immutable REGISTRY;
    /// @notice The registry's record store, read directly on every mint request (no proxy hop).
    IComplianceRecords public immutable RECORDS;
    /// @notice Where fees go, and the authority over their rates.
    IFeeVault public immutable FEE_VAULT;
    /// @notice The proof-of-reserve registry; configured as an asset's reserve feed, its rounds are read directly.
    IReserveRegistry public immutable RESERVES;
    /// @notice The registry's latest-round store, where those reads go (no proxy hop).
    IReserveRecords public immutable RESERVE_RECORDS;
    /// @notice The configuration module this implementation created; the cold configuration functions run its code
    /// on the Minter's storage by delegatecall (ADR 0084).
    address public immutable CONFIG_MODULE;

    /// @param registry The compliance registry proxy (its record store is read once, here).
    /// @param feeVault The fee vault proxy.
    /// @param reserves The ReserveRegistry proxy.
    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(IComplianceRegistry registry, IFeeVault feeVault, IReserveRegistry reserves) {
        if (address(registry) == address(0) || address(feeVault) == address(0) || address(reserves) == address(0)) {
            revert ZeroAddress();
        }
        REGISTRY = registry;
        FEE_VAULT = feeVault;
        RESERVES = reserves;
        RESERVE_RECORDS = reserves.records();
        IComplianceRecords records = registry.records();
        RECORDS = records;
        CONFIG_MODULE = address(new MinterConfig(feeVault, reserves, records));
        _disableInitializers();
    }

    /// @notice Sets up the Minter behind its proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and UPGRADER_ROLE (handed to the timelock by governance).
    /// @param settlement Account that receives mint payments and funds burn proceeds (the relayer's treasury).
    function initialize(address admin, address settlement) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        if (settlement == address(0)) revert ZeroAddress();
        MinterStorage storage $ = _s();
        $.settlement = settlement;
        emit SettlementAccountUpdated(settlement);
        $.quorum = MIN_QUORUM;
        emit QuorumUpdated(MIN_QUORUM);
    }

    // ================================================================ investor entry points

    /// @notice Escrows `paymentAmount` of an allow-listed stablecoin to buy shares of `asset`.
    /// @param asset An ACTIVE equity.
    /// @param paymentToken An allow-listed stablecoin, approved to the Minter for `paymentAmount`.
    /// @param paymentAmount Escrow in stablecoin units; covers cost and fee, the rest is refunded at the fill.
    /// @param maxPricePerShare Highest average price the investor accepts, stablecoin units per share.
    /// @param deadline After it the request cannot be filled and anyone may cancel it (at most 30 days ahead).
    /// @return requestId Unique id, also the broker's idempotency key.
    function requestMint(
        address asset,
        address paymentToken,
        uint256 paymentAmount,
        uint256 maxPricePerShare,
        uint256 deadline
    ) external returns (bytes32 requestId) {
        return _requestMint(asset, paymentToken, paymentAmount, maxPricePerShare, deadline);
    }

    /// @notice `requestMint` with an EIP-2612 permit of the stablecoin. A permit that was front-run (already
    /// used) is tolerated as long as the allowance is in place.
    /// @param asset An ACTIVE equity.
    /// @param paymentToken An allow-listed stablecoin supporting EIP-2612.
    /// @param paymentAmount Escrow in stablecoin units (also the permit value).
    /// @param maxPricePerShare Highest average price, stablecoin units per share.
    /// @param deadline Request deadline.
    /// @param permitDeadline Permit deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    /// @return requestId Unique id, also the broker's idempotency key.
    function requestMintWithPermit(
        address asset,
        address paymentToken,
        uint256 paymentAmount,
        uint256 maxPricePerShare,
        uint256 deadline,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 requestId) {
        try IERC20Permit(paymentToken).permit(msg.sender, address(this), paymentAmount, permitDeadline, v, r, s) {}
            catch {}
        return _requestMint(asset, paymentToken, paymentAmount, maxPricePerShare, deadline);
    }

    /// @notice Escrows `shares` of `asset` (approved to the Minter) to redeem them for `paymentToken`.
    /// @param asset An ACTIVE or REDEEM_ONLY equity.
    /// @param paymentToken An allow-listed stablecoin the proceeds are paid in.
    /// @param shares Token units to redeem (1e18 = one share).
    /// @param minPricePerShare Lowest average price the investor accepts, stablecoin units per share.
    /// @param deadline After it the request cannot be filled and anyone may cancel it.
    /// @return requestId Unique id, also the broker's idempotency key.
    function requestBurn(
        address asset,
        address paymentToken,
        uint256 shares,
        uint256 minPricePerShare,
        uint256 deadline
    ) external returns (bytes32 requestId) {
        MinterStorage storage $ = _s();
        AssetConfig storage a = $.assets[asset];
        AssetStatus status = a.status;
        if (status != AssetStatus.ACTIVE && status != AssetStatus.REDEEM_ONLY) _revertNotAccepting(asset, status);
        PaymentToken memory p = _allowedPayment($, paymentToken);
        if (shares == 0) revert ZeroAmount();
        _checkRequestBounds(shares, minPricePerShare, deadline);

        requestId = _requestId(msg.sender, $.accounts[msg.sender].nonce++);
        $.requests[requestId] = Request({
            account: msg.sender,
            deadline: uint40(deadline),
            kind: RequestKind.BURN,
            status: RequestStatus.PENDING,
            assetId: a.id,
            paymentTokenId: p.id,
            amount: uint128(shares),
            limitPrice: uint128(minPricePerShare)
        });
        emit BurnRequested(requestId, msg.sender, asset, paymentToken, shares, minPricePerShare, deadline);
        IERC20(asset).safeTransferFrom(msg.sender, address(this), shares);
    }

    /// @notice Returns the full escrow of a pending request whose deadline has passed, to the investor. Anyone may
    /// call it, so escrow never depends on the off-chain side being alive.
    /// @param requestId The request.
    function cancel(bytes32 requestId) external {
        Request storage r = _s().requests[requestId];
        Request memory req = _pending(r, requestId);
        if (block.timestamp <= req.deadline) revert RequestNotExpired(requestId, req.deadline);
        r.status = RequestStatus.CANCELLED;
        (address asset, address refundToken) = _refund(req);
        emit RequestCancelled(requestId, req.account, asset, refundToken, req.amount, msg.sender);
    }

    // ================================================================ relayer / operator entry points

    /// @notice Settles a mint: mints `fill.shares` to the investor, pays the cost to the settlement account and
    /// the fee to the vault, and refunds the rest of the escrow, all in this transaction.
    /// @param fill The fill; `shares`, `price` and `fees` are exactly what is executed.
    /// @param attestations Quorum of attestor signatures over the fill, sorted by signer ascending, covering the
    /// brokerage and custody roles.
    function fulfillMint(Fill calldata fill, bytes[] calldata attestations) external onlyRole(SUBMITTER_ROLE) {
        MinterStorage storage $ = _s();
        (Request memory req, address asset, AssetConfig storage a) = _prepareFill($, fill, RequestKind.MINT);
        _verifyAttestations($, fill, asset, req.account, attestations);
        _requireNotFrozen(req.account);
        if (fill.price > req.limitPrice) revert PriceAboveLimit(fill.price, req.limitPrice);
        address paymentToken_ = $.paymentTokenById[req.paymentTokenId];
        _checkPriceBand($, a, asset, fill, paymentToken_);
        // Checked product: anything near 2^256 could never fit the uint128 escrow, so overflow just reverts.
        uint256 cost = Math.ceilDiv(fill.shares * fill.price, SHARE);
        if (cost + fill.fees > req.amount) revert FillExceedsEscrow(cost + fill.fees, req.amount);
        _checkSupply(a, asset, fill.shares);
        _checkFee(a.mintFeeBps, cost, fill.fees);

        $.requests[fill.requestId].status = RequestStatus.FULFILLED;
        uint256 refund = req.amount - cost - fill.fees;
        _emitMintFulfilled(fill, Settled(req.account, asset, paymentToken_, cost, refund));

        if (fill.fees != 0) IERC20(paymentToken_).safeTransfer(address(FEE_VAULT), fill.fees);
        IERC20(paymentToken_).safeTransfer($.settlement, cost);
        IMintBurn(asset).mint(req.account, fill.shares);
        if (refund != 0) IERC20(paymentToken_).safeTransfer(req.account, refund);
    }

    /// @notice Settles a burn: pulls the proceeds from the settlement account (and checks they arrived), burns
    /// `fill.shares`, pays the proceeds less the fee to the investor and returns the unfilled shares.
    /// @param fill The fill; `shares`, `price` and `fees` are exactly what is executed.
    /// @param attestations Quorum of attestor signatures, sorted by signer ascending, brokerage and custody.
    function fulfillBurn(Fill calldata fill, bytes[] calldata attestations) external onlyRole(SUBMITTER_ROLE) {
        MinterStorage storage $ = _s();
        (Request memory req, address asset, AssetConfig storage a) = _prepareFill($, fill, RequestKind.BURN);
        _verifyAttestations($, fill, asset, req.account, attestations);
        _requireNotFrozen(req.account);
        if (fill.shares > req.amount) revert FillExceedsEscrow(fill.shares, req.amount);
        if (fill.price < req.limitPrice) revert PriceBelowLimit(fill.price, req.limitPrice);
        address paymentToken_ = $.paymentTokenById[req.paymentTokenId];
        _checkPriceBand($, a, asset, fill, paymentToken_);
        uint256 proceeds = fill.shares * fill.price / SHARE; // shares <= uint128 escrow; checked product
        _checkFee(a.burnFeeBps, proceeds, fill.fees);

        $.requests[fill.requestId].status = RequestStatus.FULFILLED;
        uint256 sharesReturned = req.amount - fill.shares;
        _emitBurnFulfilled(fill, Settled(req.account, asset, paymentToken_, proceeds, sharesReturned));

        _pullProceeds($, IERC20(paymentToken_), proceeds);
        if (fill.fees != 0) IERC20(paymentToken_).safeTransfer(address(FEE_VAULT), fill.fees);
        IMintBurn(asset).burn(fill.shares);
        if (proceeds != fill.fees) IERC20(paymentToken_).safeTransfer(req.account, proceeds - fill.fees);
        if (sharesReturned != 0) IERC20(asset).safeTransfer(req.account, sharesReturned);
    }

    /// @notice Refuses a pending request and returns its escrow.
    /// @param requestId The request.
    /// @param reasonCode Operator's reason (see rat.minting.RejectReason).
    function reject(bytes32 requestId, uint8 reasonCode) external onlyRole(REJECTER_ROLE) {
        Request storage r = _s().requests[requestId];
        Request memory req = _pending(r, requestId);
        r.status = RequestStatus.REJECTED;
        (address asset, address refundToken) = _refund(req);
        emit RequestRejected(requestId, req.account, asset, refundToken, req.amount, reasonCode);
    }

    // ================================================================ configuration (forwarded to MinterConfig)

    /// @notice Lists an equity as ACTIVE with its proof-of-reserve feed and mint limits.
    /// @dev Arguments: `asset` The equity token (the Minter must hold its MINTER_ROLE and be a protocol holder in the
    /// registry).
    /// `reserveFeed` Chainlink-shaped feed of the shares in custody, or RESERVES to read the ReserveRegistry
    /// directly (same rounds as our ReserveFeed adapter, one call fewer on every mint). A feed naming its asset
    /// (`ASSET()`, our ReserveFeed) must name this one.
    /// `reserveHeartbeat` Maximum age of a reserve round, seconds (non-zero).
    /// `mintCap` Maximum totalSupply reachable by mints, token units.
    /// `mintRatePerDay` Token units mintable per rolling 24 h.
    function listAsset(address, address, uint32, uint128, uint128) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Moves a listed asset between ACTIVE, REDEEM_ONLY and HALTED.
    /// @dev Arguments: `asset` A listed equity.
    /// `status` The new status (not UNLISTED).
    function setAssetStatus(address, AssetStatus) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Points the secure-mint guard at a reserve feed (RESERVES itself, our ReserveFeed or a Chainlink PoR
    /// feed). The feed's decimals are read once, here; a feed naming its asset must name this one.
    /// @dev Arguments: `asset` A listed equity.
    /// `feed` AggregatorV3Interface reporting shares in custody, or RESERVES.
    /// `heartbeat` Maximum age of a round, seconds; zero is refused rather than meaning "unchecked".
    function setReserveFeed(address, address, uint32) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Sets or clears the optional price band of an asset: a fill's price per token must lie within
    /// `bandBps` of the feed's price per share times the token's multiplier.
    /// @dev Arguments: `asset` A listed equity.
    /// `feed` AggregatorV3Interface of the USD price per share; address(0) disables the band.
    /// `heartbeat` Maximum age of a price, seconds (non-zero when a feed is set).
    /// `bandBps` Largest accepted deviation of the fill price from the feed, basis points (1..10,000).
    function setPriceFeed(address, address, uint32, uint16) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Chooses what a fill does when the band's feed is stale or invalid: refused with PriceFeedStale
    /// (fail-closed, the default) or let through with a PriceBandNotChecked event (fail-open).
    /// @dev Arguments: `asset` A listed equity.
    /// `failOpen` True to let fills through a stale feed.
    function setPriceBandFailOpen(address, bool) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Sets an asset's mint cap and rolling 24 h mint rate.
    /// @dev Arguments: `asset` A listed equity.
    /// `mintCap` Maximum totalSupply reachable by mints, token units.
    /// `mintRatePerDay` Token units mintable per rolling 24 h.
    function setMintLimits(address, uint128, uint128) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Allow-lists a stablecoin for payments, registers it with the fee vault, and pulls ESCROW_KEEPALIVE
    /// base units of it from the caller (approve them first) that stay in the Minter for good.
    /// @dev Arguments: `token` An ERC-20 with at most 18 decimals.
    function listPaymentToken(address) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Suspends or resumes a listed stablecoin for new requests; pending ones settle or refund as usual.
    /// @dev Arguments: `token` A listed stablecoin.
    /// `allowed` Whether new requests may use it.
    function setPaymentTokenAllowed(address, bool) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Sets the notional limits of a KYC tier (18-decimal USD).
    /// @dev Arguments: `tier` 1 retail, 2 professional, 3 institutional.
    /// `perRequest` Largest single mint request.
    /// `perDay` Leaky-bucket capacity per address per rolling 24 h.
    function setTierLimits(uint8, uint128, uint128) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Adds, re-roles or (with NONE) removes an attestor.
    /// @dev Arguments: `attestor` The signing key.
    /// `role` BROKERAGE, CUSTODY or NONE.
    function setAttestor(address, AttestorRole) external onlyRole(ATTESTOR_MANAGER_ROLE) {
        _config();
    }

    /// @notice Sets K, the number of distinct attestor signatures every fill needs.
    /// @dev Arguments: `quorum_` At least MIN_QUORUM.
    function setQuorum(uint8) external onlyRole(ATTESTOR_MANAGER_ROLE) {
        _config();
    }

    /// @notice Sets the account that receives mint payments and funds burn proceeds.
    /// @dev Arguments: `account` The settlement account (it approves the Minter for burn proceeds).
    function setSettlementAccount(address) external onlyRole(ASSET_MANAGER_ROLE) {
        _config();
    }

    /// @notice Closes a frozen investor's pending request (as REJECTED) and moves its whole escrow to a
    /// legal-hold account under a legal order; a frozen investor's escrow can be neither filled, cancelled to
    /// them, nor rejected to them while the freeze lasts.
    /// @dev Arguments: `requestId` A pending request of a frozen investor.
    /// `to` The legal-hold account (for a burn's tokens it must pass the token's recipient rules).
    /// `legalRef` Hash of the court order or sanctions decision.
    function seizeEscrow(bytes32, address, bytes32) external onlyRole(LEGAL_HOLD_ROLE) {
        _config();
    }

    /// @notice The FeeVault's copy of an asset's fee rates, kept beside the asset's hot configuration so a fill
    /// checks the attested fee without calling the vault. Only the vault calls it, whenever governance sets fees.
    /// @param asset The equity (listed or not yet listed).
    /// @param mintBps Fee on the cost of a mint fill, basis points (the vault bounds it to MAX_FEE_BPS).
    /// @param burnBps Fee on the proceeds of a burn fill, basis points.
    function applyFees(address asset, uint16 mintBps, uint16 burnBps) external {
        if (msg.sender != address(FEE_VAULT)) revert OnlyFeeVault(msg.sender);
        AssetConfig storage a = _s().assets[asset];
        // The vault bounds both rates to its MAX_FEE_BPS (100), so they fit the uint8 copies.
        a.mintFeeBps = uint8(mintBps);
        a.burnFeeBps = uint8(burnBps);
    }

    /// @dev Runs the current call (same selector and arguments) in CONFIG_MODULE on this contract's storage and
    /// returns or reverts with exactly what it did. Only the role-checked configuration functions above use it.
    function _config() private {
        address module = CONFIG_MODULE;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
    // ================================================================ reads

    /// @notice The stored request (all zero for an unknown id).
    function getRequest(bytes32 requestId) external view returns (Request memory) {
        return _s().requests[requestId];
    }

    /// @notice The id the next request of `account` will get.
    function nextRequestId(address account) external view returns (bytes32) {
        return _requestId(account, _s().accounts[account].nonce);
    }

    /// @notice The EIP-712 digest attestors sign for `fill` (reverts for an unknown request).
    function fillDigest(Fill calldata fill) external view returns (bytes32) {
        MinterStorage storage $ = _s();
        Request storage r = $.requests[fill.requestId];
        if (r.status == RequestStatus.NONE) revert UnknownRequest(fill.requestId);
        return _fillDigest(fill, $.assetById[r.assetId], r.account);
    }

    /// @notice The equity with Minter id `assetId` (as stored in requests).
    function assetById(uint16 assetId) external view returns (address) {
        return _s().assetById[assetId];
    }

    /// @notice The stablecoin with Minter id `paymentTokenId` (as stored in requests).
    function paymentTokenById(uint8 paymentTokenId) external view returns (address) {
        return _s().paymentTokenById[paymentTokenId];
    }

    /// @notice An asset's configuration.
    function assetConfig(address asset) external view returns (AssetConfigView memory) {
        AssetConfig storage a = _s().assets[asset];
        return AssetConfigView({
            id: a.id,
            status: a.status,
            reserveFeed: a.reserveSource,
            reserveHeartbeat: a.reserveHeartbeat,
            priceFeed: a.priceFeed,
            priceHeartbeat: a.priceHeartbeat,
            priceBandBps: a.priceBandBps,
            mintCap: a.mintCap,
            mintRatePerDay: a.mintRatePerDay
        });
    }

    /// @notice An asset's status alone: reads only the slot holding it (ADR 0100, the venue hook's halt check).
    function assetStatus(address asset) external view returns (AssetStatus) {
        return _s().assets[asset].status;
    }

    /// @notice Token units of `asset` that can still be minted in the current rolling window.
    function mintRateAvailable(address asset) external view returns (uint256) {
        AssetConfig storage a = _s().assets[asset];
        uint256 rate = a.mintRatePerDay;
        return LeakyBucket.room(LeakyBucket.drained(a.mintedUsed, a.mintedUpdatedAt, rate), rate);
    }

    /// @notice Notional (18-decimal USD) `account` can still request today under its tier's limit.
    function dailyAvailable(address account) external view returns (uint256) {
        MinterStorage storage $ = _s();
        uint256 perDay = $.tierLimits[RECORDS.investor(account).tier].perDay;
        AccountState memory acct = $.accounts[account];
        return LeakyBucket.room(LeakyBucket.drained(acct.dailyUsed, acct.dailyUpdatedAt, perDay), perDay);
    }

    /// @notice A payment token's id, decimals and whether new requests may use it.
    function paymentToken(address token) external view returns (uint8 id, uint8 decimals, bool allowed) {
        PaymentToken memory p = _s().paymentTokens[token];
        return (p.id, p.decimals, p.allowed);
    }

    /// @notice Limits of a KYC tier.
    function tierLimits(uint8 tier) external view returns (TierLimits memory) {
        return _s().tierLimits[tier];
    }

    /// @notice Role of an attestor key (NONE when not an attestor).
    function attestorRole(address attestor) external view returns (AttestorRole) {
        return _s().attestors[attestor];
    }

    /// @notice K: signatures every fill needs.
    function quorum() external view returns (uint8) {
        return _s().quorum;
    }

    /// @notice Account receiving mint payments and funding burn proceeds.
    function settlementAccount() external view returns (address) {
        return _s().settlement;
    }

    /// @notice The EIP-712 domain separator (recomputed from the current chain id).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    // ================================================================ internals: requests

    function _requestMint(
        address asset,
        address paymentToken_,
        uint256 paymentAmount,
        uint256 maxPricePerShare,
        uint256 deadline
    ) private returns (bytes32 requestId) {
        MinterStorage storage $ = _s();
        AssetConfig storage a = $.assets[asset];
        if (a.status != AssetStatus.ACTIVE) _revertNotAccepting(asset, a.status);
        PaymentToken memory p = _allowedPayment($, paymentToken_);
        if (paymentAmount == 0) revert ZeroAmount();
        _checkRequestBounds(paymentAmount, maxPricePerShare, deadline);

        uint64 nonce = _consumeInvestorLimits($, paymentAmount * 10 ** (NOTIONAL_DECIMALS - p.decimals));
        requestId = _requestId(msg.sender, nonce);
        $.requests[requestId] = Request({
            account: msg.sender,
            deadline: uint40(deadline),
            kind: RequestKind.MINT,
            status: RequestStatus.PENDING,
            assetId: a.id,
            paymentTokenId: p.id,
            amount: uint128(paymentAmount),
            limitPrice: uint128(maxPricePerShare)
        });
        emit MintRequested(requestId, msg.sender, asset, paymentToken_, paymentAmount, maxPricePerShare, deadline);
        IERC20(paymentToken_).safeTransferFrom(msg.sender, address(this), paymentAmount);
    }

    /// @dev KYC state and the tier's per-request and rolling daily notional limits of the caller; consumes the
    /// daily room and the caller's nonce in one write and returns the nonce.
    function _consumeInvestorLimits(MinterStorage storage $, uint256 notional) private returns (uint64 nonce) {
        Investor memory inv = RECORDS.investor(msg.sender);
        if (inv.frozen) revert InvestorFrozen(msg.sender);
        if (inv.tier == 0 || inv.expiry <= block.timestamp) revert InvestorNotEligible(msg.sender);
        TierLimits memory limits = $.tierLimits[inv.tier];
        if (notional > limits.perRequest) revert OverRequestLimit(notional, limits.perRequest);
        AccountState memory acct = $.accounts[msg.sender];
        uint256 used = LeakyBucket.drained(acct.dailyUsed, acct.dailyUpdatedAt, limits.perDay);
        uint256 available = LeakyBucket.room(used, limits.perDay);
        if (notional > available) revert OverDailyLimit(notional, available);
        nonce = acct.nonce;
        // used + notional <= perDay, which setTierLimits bounds to uint96.
        $.accounts[msg.sender] = AccountState(uint96(used + notional), uint40(block.timestamp), nonce + 1);
    }

    function _checkRequestBounds(uint256 amount, uint256 limitPrice, uint256 deadline) private view {
        if (amount > type(uint128).max) revert AmountTooLarge(amount);
        if (limitPrice > type(uint128).max) revert AmountTooLarge(limitPrice);
        if (deadline <= block.timestamp) revert DeadlineInPast(deadline);
        uint256 latest = block.timestamp + MAX_REQUEST_DURATION;
        if (deadline > latest) revert DeadlineTooFar(deadline, latest);
    }

    function _requestId(address account, uint64 nonce) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), account, uint256(nonce)));
    }

    function _pending(Request storage r, bytes32 requestId) private view returns (Request memory req) {
        req = r;
        if (req.status != RequestStatus.PENDING) {
            if (req.status == RequestStatus.NONE) revert UnknownRequest(requestId);
            revert RequestNotPending(requestId, req.status);
        }
    }

    /// @dev Loads a request that can be filled now by a fill of `kind`, and its asset in a state accepting it.
    function _prepareFill(MinterStorage storage $, Fill calldata fill, RequestKind kind)
        private
        view
        returns (Request memory req, address asset, AssetConfig storage a)
    {
        req = _pending($.requests[fill.requestId], fill.requestId);
        if (req.kind != kind) revert WrongRequestKind(fill.requestId, req.kind);
        if (block.timestamp > req.deadline) revert RequestExpired(fill.requestId, req.deadline);
        if (block.timestamp > fill.deadline) revert AttestationExpired(fill.deadline);
        if (fill.shares == 0) revert ZeroFill();
        asset = $.assetById[req.assetId];
        a = $.assets[asset];
        AssetStatus status = a.status;
        if (status != AssetStatus.ACTIVE && !(kind == RequestKind.BURN && status == AssetStatus.REDEEM_ONLY)) {
            _revertNotAccepting(asset, status);
        }
    }

    /// @dev The attested fee must be exactly the vault's rate applied to the fill's value (the vault's `quote`).
    function _checkFee(uint256 bps, uint256 notional, uint256 attested) private pure {
        uint256 fee = notional * bps / BPS;
        if (fee != attested) revert FeeMismatch(attested, fee);
    }

    /// @dev Sends a closed request's escrow back; the caller has already marked it closed. A frozen investor gets
    /// nothing while the freeze lasts: the escrow stays for the legal process (`seizeEscrow`) or the unfreeze.
    function _refund(Request memory req) private returns (address asset, address refundToken) {
        _requireNotFrozen(req.account);
        MinterStorage storage $ = _s();
        asset = $.assetById[req.assetId];
        refundToken = req.kind == RequestKind.MINT ? $.paymentTokenById[req.paymentTokenId] : asset;
        IERC20(refundToken).safeTransfer(req.account, req.amount);
    }

    /// @dev No fill pays, and no refund returns anything to, a frozen investor (T40, ADR 0084).
    function _requireNotFrozen(address account) private view {
        if (RECORDS.isFrozen(account)) revert InvestorFrozen(account);
    }

    function _pullProceeds(MinterStorage storage $, IERC20 token, uint256 proceeds) private {
        if (proceeds == 0) return;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom($.settlement, address(this), proceeds);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != proceeds) revert ProceedsNotReceived(received, proceeds);
    }

    /// @dev What a settlement moved, grouped in memory to keep the emitting frames shallow.
    struct Settled {
        address account;
        address asset;
        address paymentToken;
        uint256 value; // cost (mint) or gross proceeds (burn)
        uint256 returned; // stablecoin refunded (mint) or token units returned (burn)
    }

    function _emitMintFulfilled(Fill calldata fill, Settled memory x) private {
        emit MintFulfilled(
            fill.requestId,
            x.account,
            x.asset,
            x.paymentToken,
            fill.shares,
            fill.price,
            x.value,
            fill.fees,
            x.returned,
            fill.brokerOrderRef,
            fill.custodyRef
        );
    }

    function _emitBurnFulfilled(Fill calldata fill, Settled memory x) private {
        emit BurnFulfilled(
            fill.requestId,
            x.account,
            x.asset,
            x.paymentToken,
            fill.shares,
            fill.price,
            x.value,
            fill.fees,
            x.returned,
            fill.brokerOrderRef,
            fill.custodyRef
        );
    }

    // ================================================================ internals: checks

    /// @dev Signatures must come sorted by signer, strictly ascending: one comparison rejects duplicates.
    function _verifyAttestations(
        MinterStorage storage $,
        Fill calldata fill,
        address asset,
        address account,
        bytes[] calldata attestations
    ) private view {
        uint256 count = attestations.length;
        uint8 k = $.quorum;
        if (count < k) revert TooFewAttestations(count, k);
        bytes32 digest = _fillDigest(fill, asset, account);
        address previous;
        uint256 roles;
        for (uint256 i; i < count; ++i) {
            address signer = ECDSA.recoverCalldata(digest, attestations[i]);
            if (signer <= previous) revert AttestorsNotSorted(signer, previous);
            AttestorRole role = $.attestors[signer];
            if (role == AttestorRole.NONE) revert UnknownAttestor(signer);
            roles |= 1 << uint8(role);
            previous = signer;
        }
        if (roles != REQUIRED_ROLES) revert AttestorRolesIncomplete(roles);
    }

    function _fillDigest(Fill calldata fill, address asset, address account) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    FILL_TYPEHASH,
                    fill.requestId,
                    asset,
                    account,
                    fill.shares,
                    fill.price,
                    fill.fees,
                    fill.brokerOrderRef,
                    fill.custodyRef,
                    fill.deadline
                )
            )
        );
    }

    /// @dev Mint cap, rolling mint rate and the secure-mint reserve guard.
    function _checkSupply(AssetConfig storage a, address asset, uint256 shares) private {
        // The cap counts token units; the reserve guard compares shares in custody with the shares the supply
        // represents after the multiplier (splits, management fee), rounded up.
        (uint256 supplyAfter, uint256 sharesAfter, uint256 splitAt) = IRealAssetToken(asset).supplyAfterMint(shares);
        uint256 cap = a.mintCap;
        if (supplyAfter > cap) revert OverMintCap(supplyAfter, cap);
        uint256 rate = a.mintRatePerDay;
        uint256 used = LeakyBucket.drained(a.mintedUsed, a.mintedUpdatedAt, rate);
        uint256 available = LeakyBucket.room(used, rate);
        if (shares > available) revert OverMintRate(shares, available);
        // used + shares <= rate, which _setMintLimits bounds to uint96.
        a.mintedUsed = uint96(used + shares);
        a.mintedUpdatedAt = uint40(block.timestamp);
        SecureMint.Round memory round = _latestReserves(a, asset);
        // A round as of before the last split took effect counts shares before it (a reverse split shrinks the
        // shares the supply represents): the guard stays closed until the custodian's post-split round.
        if (round.updatedAt < splitAt) revert ReservesPredateSplit(round.updatedAt, splitAt);
        SecureMint.checkRound(round, a.reserveHeartbeat, a.reserveDecimals, a.tokenDecimals, sharesAfter);
    }

    /// @dev The latest reserve round of `asset`: from the registry's ReserveRecords store when the configured feed is
    /// RESERVES (the same round its ReserveFeed serves), otherwise from the feed.
    function _latestReserves(AssetConfig storage a, address asset) private view returns (SecureMint.Round memory r) {
        address source = a.reserveSource;
        if (source == address(0)) revert ReserveFeedNotSet(asset);
        (r.roundId, r.answer,, r.updatedAt, r.answeredInRound) = a.flags & FLAG_RESERVE_FROM_REGISTRY != 0
            ? RESERVE_RECORDS.latestRoundData(asset)
            : AggregatorV3Interface(source).latestRoundData();
    }

    /// @dev Bounds the fill price (per token, ADR 0080) to the band around the feed's price per share times the
    /// token's multiplier now (shares per token), so splits and the management fee move the reference with the
    /// token: reference = answer (scaled to the payment token's decimals) * multiplier / 1e18, rounded down. A stale
    /// or invalid feed refuses the fill (fail-closed) unless the asset was set fail-open, which says so in an event.
    function _checkPriceBand(
        MinterStorage storage $,
        AssetConfig storage a,
        address asset,
        Fill calldata fill,
        address paymentToken_
    ) private {
        uint8 flags = a.flags;
        if (flags & FLAG_PRICE_BAND == 0) return;
        address feed = a.priceFeed;
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) =
            AggregatorV3Interface(feed).latestRoundData();
        if (
            answer <= 0 || answeredInRound < roundId || updatedAt == 0 || updatedAt > block.timestamp
                || updatedAt + a.priceHeartbeat < block.timestamp
        ) {
            if (flags & FLAG_PRICE_BAND_FAIL_OPEN == 0) revert PriceFeedStale(asset, updatedAt);
            emit PriceBandNotChecked(fill.requestId, asset, updatedAt);
            return;
        }
        uint8 feedDecimals = AggregatorV3Interface(feed).decimals();
        uint256 perShare = SecureMint.scale(uint256(answer), feedDecimals, $.paymentTokens[paymentToken_].decimals);
        uint256 reference_ = perShare * IRealAssetToken(asset).multiplier() / SHARE;
        uint256 deviation = fill.price > reference_ ? fill.price - reference_ : reference_ - fill.price;
        uint16 band = a.priceBandBps;
        if (deviation * BPS > reference_ * band) revert PriceOutsideBand(fill.price, reference_, band);
    }

    function _allowedPayment(MinterStorage storage $, address token) private view returns (PaymentToken memory p) {
        p = $.paymentTokens[token];
        if (!p.allowed) revert PaymentTokenNotAllowed(token);
    }

    function _revertNotAccepting(address asset, AssetStatus status) private pure {
        if (status == AssetStatus.UNLISTED) revert AssetNotListed(asset);
        revert AssetNotAccepting(asset, status);
    }

    // ================================================================ internals: EIP-712 with constant name/version

    /// @dev The domain from constants: no storage read of the name and version strings on every fill.
    function _domainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(EIP712_DOMAIN_TYPEHASH, EIP712_NAME_HASH, EIP712_VERSION_HASH, block.chainid, address(this))
        );
    }

    function _hashTypedDataV4(bytes32 structHash) internal view override returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
    }

    function _EIP712Name() internal pure override returns (string memory) {
        return EIP712_NAME;
    }

    function _EIP712Version() internal pure override returns (string memory) {
        return EIP712_VERSION;
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
