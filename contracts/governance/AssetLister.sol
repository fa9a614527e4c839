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

    error ZeroAddress();
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
        if (listing.custodianSigner == address(0)) revert ZeroAddress();
        bytes32 salt = _salt(listing.terms.symbol);
        address predicted = _predict(salt);
        if (predicted.code.length != 0) revert AlreadyListed(listing.terms.symbol, predicted);

        // Deploy and initialise in one transaction: nobody can observe (or initialise) the bare proxy.
        asset = address(new EquityProxy{salt: salt}(BEACON, ""));
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
        return _predict(_salt(symbol));
    }

    function _salt(string calldata symbol) private pure returns (bytes32) {
        return keccak256(bytes(symbol));
    }

    function _predict(bytes32 salt) private view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(EquityProxy).creationCode, abi.encode(BEACON, "")));
        return Create2.computeAddress(salt, initCodeHash);
    }
}
