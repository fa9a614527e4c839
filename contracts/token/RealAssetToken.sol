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
/// @notice One token per equity, 1e18 units = one share held in custody by the SPV. Every movement of tokens
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
    /// pass every compliance check; the sender may be frozen and stays frozen.
    /// @param from The holder whose tokens move.
    /// @param to An eligible recipient other than `from`.
    /// @param amount Token units.
    /// @param legalRef Hash of the court order or recovery case file.
    function forcedTransfer(address from, address to, uint256 amount, bytes32 legalRef)
        external
        onlyRole(FORCED_TRANSFER_ROLE)
    {
        if (from == to) revert ForcedTransferToSelf(from);
        if (from == address(0) || to == address(0)) revert ZeroAddress();
        // Judged as a mint into `to`: every recipient rule applies, no sender rule does.
        TransferFacts memory f = RECORDS.transferFacts(address(this), address(0), address(0), to);
        _require(ComplianceRules.evaluate(f, address(0), to));
        _move(from, to, amount, ComplianceRules.maxHolders(f));
        emit ForcedTransfer(from, to, amount, legalRef);
    }

    /// @notice Burns tokens of any holder, frozen ones included, under a legal order.
    /// @param from The holder.
    /// @param amount Token units.
    /// @param legalRef Hash of the legal order.
    function forcedBurn(address from, uint256 amount, bytes32 legalRef) external onlyRole(FORCED_TRANSFER_ROLE) {
        if (from == address(0)) revert ZeroAddress();
        TransferFacts memory f = RECORDS.transferFacts(address(this), address(0), address(0), address(0));
        _require(ComplianceRules.evaluate(f, address(0), address(0)));
        _move(from, address(0), amount, 0);
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

    /// @notice Number of addresses holding a non-zero balance.
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
        _move(from, to, value, ComplianceRules.maxHolders(f));
    }

    /// @dev Moves balances and keeps the holder count, enforcing the holder cap when a new holder appears.
    function _move(address from, address to, uint256 value, uint32 maxHolders) private {
        bool joins = to != address(0) && value != 0 && balanceOf(to) == 0;
        super._update(from, to, value);
        bool leaves = from != address(0) && value != 0 && balanceOf(from) == 0;
        if (joins == leaves) return;
        TokenStorage storage $ = _s();
        if (joins) {
            uint128 count = ++$.holderCount;
            if (maxHolders != 0 && count > maxHolders) revert TransferRestricted(TransferStatus.MAX_HOLDERS_REACHED);
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
