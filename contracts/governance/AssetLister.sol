// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {EquityProxy} from "../proxy/Proxies.sol";
import {ReserveFeed} from "../reserves/ReserveFeed.sol";
import {IReserveRegistry} from "../interfaces/IReserveRegistry.sol";
import {AssetStatus} from "../interfaces/IMinter.sol";
import {AssetTerms} from "../token/RealAssetToken.sol";
import {IEquityAdmin, IFeeAdmin, IMinterAdmin, IRegistryAdmin, IReserveAdmin} from "./ProtocolAdminInterfaces.sol";

/// @notice Everything one governance action fixes when it lists an equity.
struct Listing {
    AssetTerms terms; // name, ticker (the CREATE2 salt), ISIN, MIC, custodian, legal terms
    uint8 minTier; // lowest KYC tier that may hold the asset
    uint32 maxHolders; // holder cap, 0 for none
    address custodianSigner; // key (or ERC-1271 wallet) that signs the asset's reserve rounds
    uint32 reserveHeartbeat; // maximum age of a reserve round accepted by the Minter, seconds
    uint128 mintCap; // maximum totalSupply reachable by mints, token units
    uint128 mintRatePerDay; // token units mintable per rolling 24 h
    uint16 mintFeeBps; // FeeVault fee on mint fills
    uint16 burnFeeBps; // FeeVault fee on burn fills
}

/// @title AssetLister
/// @notice Lists an equity in one governance action: deploys its EquityProxy at an address fixed by its ticker
/// (CREATE2), initialises it in the same transaction, wires its roles (timelock admin, Minter minter, guardian
/// pauser), registers it with the ComplianceRegistry, the ReserveRegistry (custodian + ReserveFeed), the Minter
/// and the FeeVault. Also the governance path for halting or delisting an asset with a corporate-action reference.
/// @dev Holds ASSET_POLICY (registry), CUSTODIAN_MANAGER (reserves), ASSET_MANAGER (Minter) and FEE_GOVERNOR
/// (vault) and exposes them only through `list` and `setAssetStatus`, both restricted to LISTING_ROLE (the
/// timelock). The proxy is deployed with empty init data so that its address depends on the ticker alone.
/// Release channels make a staged (canary) token upgrade possible: a beacon proxy follows the beacon it was
/// deployed with for life, so each channel is its own EquityBeacon. `list` uses the stable channel (`BEACON`);
/// `listOn` lists on a channel governance registered with `setChannel` (e.g. "canary"). An implementation is
/// rolled out by upgrading the canary channel's beacon first, watching its assets, then `BEACON`
/// (docs/release/playbook.md).
contract AssetLister is AccessControl {
    /// @notice May list assets and change their status (the timelock).
    bytes32 public constant LISTING_ROLE = keccak256("LISTING_ROLE");

    bytes32 private constant TOKEN_DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant TOKEN_MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 private constant TOKEN_PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 private constant TOKEN_UNPAUSER_ROLE = keccak256("UNPAUSER_ROLE");
    bytes32 private constant TOKEN_CORPORATE_ACTIONS_ROLE = keccak256("CORPORATE_ACTIONS_ROLE");
    bytes32 private constant TOKEN_MANAGEMENT_FEE_ROLE = keccak256("MANAGEMENT_FEE_ROLE");
    string private constant FEED_SUFFIX = " / shares in custody";
    /// @notice The channel `list` uses: its beacon is `BEACON`.
    bytes32 public constant STABLE_CHANNEL = bytes32(0);

    /// @custom:storage-location erc7201:rat.storage.AssetLister
    struct ListerStorage {
        mapping(bytes32 channel => address beacon) channelBeacon; // STABLE_CHANNEL is BEACON, never stored
        mapping(bytes32 tickerHash => address asset) assetOfTicker; // one asset per ticker across all channels
        mapping(address asset => bytes32 channel) channelOf;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.AssetLister")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xf9ee433587efea450bc4c4b93d0a0daac6ff9f3c08639c7167ac8840de3e2f00;

    /// @notice The beacon every equity proxy follows.
    address public immutable BEACON;
    /// @notice Receives DEFAULT_ADMIN_ROLE and UNPAUSER_ROLE of every listed token (the timelock).
    address public immutable GOVERNANCE;
    /// @notice Receives PAUSER_ROLE and UNPAUSER_ROLE of every listed token (the EmergencyGuardian).
    address public immutable GUARDIAN;
    IRegistryAdmin public immutable COMPLIANCE;
    IMinterAdmin public immutable MINTER;
    IReserveAdmin public immutable RESERVES;
    IFeeAdmin public immutable FEE_VAULT;

    /// @notice An equity was deployed and listed everywhere.
    event EquityListed(
        address indexed asset, bytes32 indexed tickerHash, string symbol, string isin, address reserveFeed
    );
    /// @notice Governance moved an asset to `status` for the corporate action or legal decision `corporateActionRef`.
    event AssetStatusChanged(address indexed asset, AssetStatus status, bytes32 indexed corporateActionRef);
    /// @notice Governance registered release channel `channel`, whose assets follow `beacon`.
    event ChannelSet(bytes32 indexed channel, address indexed beacon);
    /// @notice `asset` was listed on release channel `channel` (also emitted, as STABLE_CHANNEL, by `list`).
    event ListedOnChannel(address indexed asset, bytes32 indexed channel);

    error ZeroAddress();
    error UnknownChannel(bytes32 channel);
    error ChannelTaken(bytes32 channel, address beacon);
    error AlreadyListed(string symbol, address asset);
    error MissingCorporateActionRef();

    /// @param governance The timelock: admin of this contract, LISTING_ROLE, and admin of every listed token.
    /// @param beacon The EquityBeacon.
    /// @param guardian The EmergencyGuardian contract.
    /// @param compliance The ComplianceRegistry proxy.
    /// @param minter The Minter proxy.
    /// @param reserves The ReserveRegistry proxy.
    /// @param feeVault The FeeVault proxy.
    constructor(
        address governance,
        address beacon,
        address guardian,
        address compliance,
        address minter,
        address reserves,
        address feeVault
    ) {
        if (
            governance == address(0) || beacon == address(0) || guardian == address(0) || compliance == address(0)
                || minter == address(0) || reserves == address(0) || feeVault == address(0)
        ) revert ZeroAddress();
        BEACON = beacon;
        GOVERNANCE = governance;
        GUARDIAN = guardian;
        COMPLIANCE = IRegistryAdmin(compliance);
        MINTER = IMinterAdmin(minter);
        RESERVES = IReserveAdmin(reserves);
        FEE_VAULT = IFeeAdmin(feeVault);
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(LISTING_ROLE, governance);
    }

    /// @notice Deploys, initialises and lists one equity.
    /// @param listing Terms, policy, custodian signer, mint limits and fees.
    /// @return asset The equity token proxy (equal to `predictAddress(listing.terms.symbol)`).
    function list(Listing calldata listing) external onlyRole(LISTING_ROLE) returns (address asset) {
        return _list(listing, STABLE_CHANNEL, BEACON);
    }

    /// @notice Deploys, initialises and lists one equity on a release channel: its proxy follows that channel's
    /// beacon for life.
    /// @param channel STABLE_CHANNEL or a channel registered with `setChannel`.
    /// @param listing Terms, policy, custodian signer, mint limits and fees.
    /// @return asset The equity token proxy (equal to `predictAddressOn(channel, listing.terms.symbol)`).
    function listOn(bytes32 channel, Listing calldata listing) external onlyRole(LISTING_ROLE) returns (address asset) {
        return _list(listing, channel, channelBeacon(channel));
    }

    /// @notice Registers release channel `channel` with its own EquityBeacon (owned by the timelock). A channel is
    /// bound once: its assets can never be moved to another beacon, so rebinding would only mislead.
    /// @param channel A non-zero name, e.g. keccak256("canary").
    /// @param beacon The channel's EquityBeacon.
    function setChannel(bytes32 channel, address beacon) external onlyRole(LISTING_ROLE) {
        if (beacon == address(0)) revert ZeroAddress();
        address bound = channel == STABLE_CHANNEL ? BEACON : _s().channelBeacon[channel];
        if (bound != address(0)) revert ChannelTaken(channel, bound);
        _s().channelBeacon[channel] = beacon;
        emit ChannelSet(channel, beacon);
    }

    function _list(Listing calldata listing, bytes32 channel, address beacon) private returns (address asset) {
        if (listing.custodianSigner == address(0)) revert ZeroAddress();
        bytes32 salt = _salt(listing.terms.symbol);
        // One asset per ticker across channels (CREATE2 alone would allow one per beacon).
        address existing = _s().assetOfTicker[salt];
        if (existing != address(0)) revert AlreadyListed(listing.terms.symbol, existing);

        // Deploy and initialise in one transaction: nobody can observe (or initialise) the bare proxy.
        asset = address(new EquityProxy{salt: salt}(beacon, ""));
        _s().assetOfTicker[salt] = asset;
        _s().channelOf[asset] = channel;
        IEquityAdmin token = IEquityAdmin(asset);
        token.initialize(listing.terms, address(this));
        token.grantRole(TOKEN_DEFAULT_ADMIN_ROLE, GOVERNANCE);
        token.grantRole(TOKEN_UNPAUSER_ROLE, GOVERNANCE);
        token.grantRole(TOKEN_CORPORATE_ACTIONS_ROLE, GOVERNANCE);
        token.grantRole(TOKEN_MANAGEMENT_FEE_ROLE, address(FEE_VAULT));
        token.grantRole(TOKEN_MINTER_ROLE, address(MINTER));
        token.grantRole(TOKEN_PAUSER_ROLE, GUARDIAN);
        token.grantRole(TOKEN_UNPAUSER_ROLE, GUARDIAN);
        token.renounceRole(TOKEN_DEFAULT_ADMIN_ROLE, address(this));

        COMPLIANCE.registerAsset(asset, listing.minTier, listing.maxHolders);
        RESERVES.setCustodian(asset, listing.custodianSigner);
        ReserveFeed feed = new ReserveFeed(
            IReserveRegistry(address(RESERVES)), asset, string.concat(listing.terms.symbol, FEED_SUFFIX)
        );
        MINTER.listAsset(asset, address(feed), listing.reserveHeartbeat, listing.mintCap, listing.mintRatePerDay);
        FEE_VAULT.setFees(asset, listing.mintFeeBps, listing.burnFeeBps);
        emit EquityListed(asset, salt, listing.terms.symbol, listing.terms.isin, address(feed));
        emit ListedOnChannel(asset, channel);
    }

    /// @notice Halts an asset (no new requests, no fills), makes it redeem-only (burns only: delisting, merger,
    /// tender offer) or reactivates it.
    /// @param asset A listed equity.
    /// @param status ACTIVE, REDEEM_ONLY or HALTED.
    /// @param corporateActionRef Hash of the corporate action or legal decision; must not be zero.
    function setAssetStatus(address asset, AssetStatus status, bytes32 corporateActionRef)
        external
        onlyRole(LISTING_ROLE)
    {
        if (corporateActionRef == bytes32(0)) revert MissingCorporateActionRef();
        emit AssetStatusChanged(asset, status, corporateActionRef);
        MINTER.setAssetStatus(asset, status);
    }

    /// @notice Where `list` deploys (or deployed) the equity with ticker `symbol`.
    /// @param symbol The ticker, e.g. "rAAPL" (case-sensitive).
    function predictAddress(string calldata symbol) external view returns (address) {
        return _predict(_salt(symbol), BEACON);
    }

    /// @notice Where `listOn(channel, ...)` deploys the equity with ticker `symbol`.
    /// @param channel STABLE_CHANNEL or a registered channel.
    /// @param symbol The ticker (case-sensitive).
    function predictAddressOn(bytes32 channel, string calldata symbol) external view returns (address) {
        return _predict(_salt(symbol), channelBeacon(channel));
    }

    /// @notice The beacon the assets of `channel` follow; reverts for a channel never registered.
    /// @param channel STABLE_CHANNEL or a registered channel.
    function channelBeacon(bytes32 channel) public view returns (address beacon) {
        beacon = channel == STABLE_CHANNEL ? BEACON : _s().channelBeacon[channel];
        if (beacon == address(0)) revert UnknownChannel(channel);
    }

    /// @notice The release channel `asset` was listed on (STABLE_CHANNEL also for an address never listed).
    /// @param asset An equity token.
    function channelOf(address asset) external view returns (bytes32) {
        return _s().channelOf[asset];
    }

    function _salt(string calldata symbol) private pure returns (bytes32) {
        return keccak256(bytes(symbol));
    }

    function _predict(bytes32 salt, address beacon) private view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(EquityProxy).creationCode, abi.encode(beacon, "")));
        return Create2.computeAddress(salt, initCodeHash);
    }

    function _s() private pure returns (ListerStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
