// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {
    IMinter, AssetStatus, AttestorRole, TierLimits, Request, RequestStatus, RequestKind
} from "../interfaces/IMinter.sol";
import {IComplianceRecords} from "../interfaces/IComplianceRegistry.sol";
import {IFeeVault} from "../interfaces/IFeeVault.sol";
import {IReserveRegistry} from "../interfaces/IReserveRegistry.sol";
import {MinterState} from "./MinterState.sol";

/// @notice What a reserve feed of ours says about itself (our ReserveFeed adapter has it; Chainlink PoR feeds
/// do not, and are accepted as the asset manager names them).
interface IAssetFeed {
    function ASSET() external view returns (address);
}

/// @title MinterConfig
/// @notice The Minter's cold surface: listings, feeds, limits, payment tokens, attestors, quorum, settlement
/// account and the legal hold of a frozen investor's escrow. The Minter keeps each function's ABI, checks the
/// caller's role and forwards the call here by delegatecall, so this code runs on the Minter's own storage
/// (`MinterState`) and emits the Minter's events; the fill and request paths never enter it (ADR 0084).
/// @dev Created by the Minter implementation's constructor and bound to it as an immutable, so every Minter
/// implementation carries the configuration code it was reviewed with. Called directly (not through a Minter) it
/// refuses everything: it has no state of its own and no roles.
contract MinterConfig is MinterState {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_IDS_ASSET = type(uint16).max;
    uint256 private constant MAX_IDS_PAYMENT = type(uint8).max;
    uint8 private constant NOTIONAL_DECIMALS = 18;
    uint8 private constant RESERVE_REGISTRY_DECIMALS = 18;
    uint8 private constant MIN_QUORUM = 2;
    uint256 private constant ESCROW_KEEPALIVE = 1;

    IFeeVault private immutable FEE_VAULT;
    IReserveRegistry private immutable RESERVES;
    IComplianceRecords private immutable RECORDS;
    address private immutable SELF;

    /// @param feeVault The Minter's fee vault (told about new payment tokens).
    /// @param reserves The ReserveRegistry the Minter reads directly when it is an asset's reserve feed.
    /// @param records The compliance record store (freeze state for the legal hold).
    constructor(IFeeVault feeVault, IReserveRegistry reserves, IComplianceRecords records) {
        FEE_VAULT = feeVault;
        RESERVES = reserves;
        RECORDS = records;
        SELF = address(this);
    }

    modifier delegated() {
        if (address(this) == SELF) revert IMinter.NotDelegated();
        _;
    }

    // ================================================================ assets

    /// @notice See `Minter.listAsset`.
    function listAsset(
        address asset,
        address reserveFeed,
        uint32 reserveHeartbeat,
        uint128 mintCap,
        uint128 mintRatePerDay
    ) external delegated {
        if (asset == address(0)) revert IMinter.ZeroAddress();
        MinterStorage storage $ = _s();
        AssetConfig storage a = $.assets[asset];
        if (a.status != AssetStatus.UNLISTED) revert IMinter.AssetAlreadyListed(asset);
        if ($.assetCount == MAX_IDS_ASSET) revert IMinter.TooManyListings();
        uint16 id = ++$.assetCount;
        $.assetById[id] = asset;
        a.id = id;
        a.tokenDecimals = IERC20Metadata(asset).decimals();
        emit IMinter.AssetListed(asset, id);
        _setReserveFeed(a, asset, reserveFeed, reserveHeartbeat);
        _setMintLimits(a, asset, mintCap, mintRatePerDay);
        _setStatus(a, asset, AssetStatus.ACTIVE);
    }

    /// @notice See `Minter.setAssetStatus`.
    function setAssetStatus(address asset, AssetStatus status) external delegated {
        if (status == AssetStatus.UNLISTED) revert IMinter.AssetNotAccepting(asset, status);
        _setStatus(_listed(asset), asset, status);
    }

    /// @notice See `Minter.setReserveFeed`.
    function setReserveFeed(address asset, address feed, uint32 heartbeat) external delegated {
        _setReserveFeed(_listed(asset), asset, feed, heartbeat);
    }

    /// @notice See `Minter.setPriceFeed`.
    function setPriceFeed(address asset, address feed, uint32 heartbeat, uint16 bandBps) external delegated {
        AssetConfig storage a = _listed(asset);
        if (feed != address(0)) {
            if (heartbeat == 0) revert IMinter.InvalidHeartbeat();
            if (bandBps == 0 || bandBps > BPS) revert IMinter.InvalidBand(bandBps);
        }
        a.priceFeed = feed;
        a.priceHeartbeat = heartbeat;
        a.priceBandBps = bandBps;
        a.flags = feed == address(0) ? a.flags & ~FLAG_PRICE_BAND : a.flags | FLAG_PRICE_BAND;
        emit IMinter.PriceFeedUpdated(asset, feed, heartbeat, bandBps);
    }

    /// @notice See `Minter.setPriceBandFailOpen`.
    function setPriceBandFailOpen(address asset, bool failOpen) external delegated {
        AssetConfig storage a = _listed(asset);
        a.flags = failOpen ? a.flags | FLAG_PRICE_BAND_FAIL_OPEN : a.flags & ~FLAG_PRICE_BAND_FAIL_OPEN;
        emit IMinter.PriceBandStaleRuleUpdated(asset, failOpen);
    }

    /// @notice See `Minter.setMintLimits`.
    function setMintLimits(address asset, uint128 mintCap, uint128 mintRatePerDay) external delegated {
        _setMintLimits(_listed(asset), asset, mintCap, mintRatePerDay);
    }

    // ================================================================ payment tokens, tiers, attestors

    /// @notice See `Minter.listPaymentToken`.
    function listPaymentToken(address token) external delegated {
        if (token == address(0)) revert IMinter.ZeroAddress();
        MinterStorage storage $ = _s();
        PaymentToken storage p = $.paymentTokens[token];
        if (p.id != 0) revert IMinter.PaymentTokenAlreadyListed(token);
        if ($.paymentTokenCount == MAX_IDS_PAYMENT) revert IMinter.TooManyListings();
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > NOTIONAL_DECIMALS) revert IMinter.PaymentTokenNotAllowed(token);
        uint8 id = ++$.paymentTokenCount;
        $.paymentTokenById[id] = token;
        p.id = id;
        p.decimals = decimals;
        p.allowed = true;
        emit IMinter.PaymentTokenListed(token, id, decimals);
        emit IMinter.PaymentTokenAllowed(token, true);
        FEE_VAULT.trackToken(token);
        IERC20(token).safeTransferFrom(msg.sender, address(this), ESCROW_KEEPALIVE);
    }

    /// @notice See `Minter.setPaymentTokenAllowed`.
    function setPaymentTokenAllowed(address token, bool allowed) external delegated {
        PaymentToken storage p = _s().paymentTokens[token];
        if (p.id == 0) revert IMinter.PaymentTokenNotAllowed(token);
        p.allowed = allowed;
        emit IMinter.PaymentTokenAllowed(token, allowed);
    }

    /// @notice See `Minter.setTierLimits`.
    function setTierLimits(uint8 tier, uint128 perRequest, uint128 perDay) external delegated {
        if (tier == 0 || tier > 3) revert IMinter.InvalidTier(tier);
        if (perDay > type(uint96).max) revert IMinter.AmountTooLarge(perDay);
        _s().tierLimits[tier] = TierLimits(perRequest, perDay);
        emit IMinter.TierLimitsUpdated(tier, perRequest, perDay);
    }

    /// @notice See `Minter.setAttestor`.
    function setAttestor(address attestor, AttestorRole role) external delegated {
        if (attestor == address(0)) revert IMinter.ZeroAddress();
        _s().attestors[attestor] = role;
        emit IMinter.AttestorUpdated(attestor, role);
    }

    /// @notice See `Minter.setQuorum`.
    function setQuorum(uint8 quorum_) external delegated {
        if (quorum_ < MIN_QUORUM) revert IMinter.InvalidQuorum(quorum_);
        _s().quorum = quorum_;
        emit IMinter.QuorumUpdated(quorum_);
    }

    /// @notice See `Minter.setSettlementAccount`.
    function setSettlementAccount(address account) external delegated {
        if (account == address(0)) revert IMinter.ZeroAddress();
        _s().settlement = account;
        emit IMinter.SettlementAccountUpdated(account);
    }

    // ================================================================ legal hold

    /// @notice See `Minter.seizeEscrow`.
    function seizeEscrow(bytes32 requestId, address to, bytes32 legalRef) external delegated {
        if (to == address(0)) revert IMinter.ZeroAddress();
        MinterStorage storage $ = _s();
        Request storage r = $.requests[requestId];
        Request memory req = r;
        if (req.status != RequestStatus.PENDING) {
            if (req.status == RequestStatus.NONE) revert IMinter.UnknownRequest(requestId);
            revert IMinter.RequestNotPending(requestId, req.status);
        }
        if (!RECORDS.isFrozen(req.account)) revert IMinter.InvestorNotFrozen(req.account);
        r.status = RequestStatus.REJECTED;
        address asset = $.assetById[req.assetId];
        address token = req.kind == RequestKind.MINT ? $.paymentTokenById[req.paymentTokenId] : asset;
        emit IMinter.EscrowSeized(requestId, req.account, token, req.amount, to, legalRef);
        IERC20(token).safeTransfer(to, req.amount);
    }

    // ================================================================ internals

    function _listed(address asset) private view returns (AssetConfig storage a) {
        a = _s().assets[asset];
        if (a.status == AssetStatus.UNLISTED) revert IMinter.AssetNotListed(asset);
    }

    function _setStatus(AssetConfig storage a, address asset, AssetStatus status) private {
        a.status = status;
        emit IMinter.AssetStatusUpdated(asset, status);
    }

    /// @dev Caches the feed's decimals; the ReserveRegistry itself (RESERVES) is read directly, in 18 decimals.
    /// A feed that names its asset (our ReserveFeed) must name this one.
    function _setReserveFeed(AssetConfig storage a, address asset, address feed, uint32 heartbeat) private {
        if (feed == address(0)) revert IMinter.ZeroAddress();
        if (heartbeat == 0) revert IMinter.InvalidHeartbeat();
        bool direct = feed == address(RESERVES);
        if (!direct) {
            try IAssetFeed(feed).ASSET() returns (address feedAsset) {
                if (feedAsset != asset) revert IMinter.ReserveFeedAssetMismatch(asset, feedAsset);
            } catch {} // a Chainlink PoR feed has no ASSET(): the asset manager vouches for it
        }
        a.reserveSource = feed;
        a.flags = direct ? a.flags | FLAG_RESERVE_FROM_REGISTRY : a.flags & ~FLAG_RESERVE_FROM_REGISTRY;
        a.reserveHeartbeat = heartbeat;
        a.reserveDecimals = direct ? RESERVE_REGISTRY_DECIMALS : AggregatorV3Interface(feed).decimals();
        emit IMinter.ReserveFeedUpdated(asset, feed, heartbeat);
    }

    function _setMintLimits(AssetConfig storage a, address asset, uint128 mintCap, uint128 mintRatePerDay) private {
        if (mintRatePerDay > type(uint96).max) revert IMinter.AmountTooLarge(mintRatePerDay);
        a.mintCap = mintCap;
        a.mintRatePerDay = uint96(mintRatePerDay);
        emit IMinter.MintLimitsUpdated(asset, mintCap, mintRatePerDay);
    }
}
