// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pool} from "@chainlink/contracts-ccip/contracts/libraries/Pool.sol";
import {IRouter} from "@chainlink/contracts-ccip/contracts/interfaces/IRouter.sol";
import {IRouterClient} from "@chainlink/contracts-ccip/contracts/interfaces/IRouterClient.sol";
import {IRMN} from "@chainlink/contracts-ccip/contracts/interfaces/IRMN.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {IComplianceRegistry, Investor, HolderClass} from "../interfaces/IComplianceRegistry.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";
import {TransferStatus} from "../interfaces/IComplianceRegistry.sol";
import {MultiplierState} from "../token/ShareMultiplier.sol";
import {CcipLaneLimits} from "./libraries/CcipLaneLimits.sol";

/// @notice The corporate-action state of a RAT asset (its multiplier's compare-and-swap version and split time).
interface IMultiplierStateReader {
    function multiplierState() external view returns (MultiplierState memory state, uint32 version);
}


/// @title RatCcipPool
/// @notice A CCIP burn/mint token pool (IPoolV1) for one RAT asset on one chain (ADR 0106). Written from the MIT
/// `Pool` structs only: Chainlink's `TokenPool` and `RateLimiter` are BUSL-1.1 and are not inherited. On the way
/// out the pool refuses, before anything is burned, a frozen sender and a recipient that is not eligible on the
/// destination as far as this chain's registry (mirrored by the same KYC writer) and the lane's destination policy
/// can tell; every lane has an outbound and an inbound token bucket set by governance as a matched pair.
/// On the way in the pool re-checks the recipient and the two chains' corporate actions: a delivery that fails is
/// minted into the pool's quarantine escrow (never reverted, never delivered to an ineligible holder) and leaves it
/// only for an address that passes the same check.
/// @dev Ramps are authorised by the CCIP Router exactly as `TokenPool` does: `getOnRamp(dest) == msg.sender` for
/// `lockOrBurn`, `isOffRamp(source, msg.sender)` for `releaseOrMint`; and, as `TokenPool` does, the pool asks the
/// Risk Management Network itself whether the remote lane is cursed before either, so a misbehaving or misconfigured
/// ramp meets the curse here too. The pool never writes the registry. Lanes
/// (remote pool and token) and their buckets are CcipLaneLimits' (ERC-7201 storage), the same code the plain
/// baseline pool of bench/ccip.py runs; what this pool adds per lane is its `LanePolicy`.
contract RatCcipPool is AccessControl {
    using CcipLaneLimits for CcipLaneLimits.Lanes;
    using CcipLaneLimits for CcipLaneLimits.Lane;
    using CcipLaneLimits for CcipLaneLimits.Bucket;

    /// @notice Configures lanes (remote pool, remote token, destination policy) and their rate limits.
    bytes32 public constant LANE_ADMIN_ROLE = keccak256("LANE_ADMIN_ROLE");
    /// @notice Suspends sends on a lane at once (the guardian's brake); resuming is LANE_ADMIN_ROLE's (governance).
    bytes32 public constant LANE_GUARDIAN_ROLE = keccak256("LANE_GUARDIAN_ROLE");
    /// @notice Releases a quarantined transfer to an eligible address other than its recipient (another address of
    /// the recipient's, on a reference), or returns it to its original sender on the source chain; delivering to
    /// the recipient once eligible needs no role.
    bytes32 public constant QUARANTINE_RELEASE_ROLE = keccak256("QUARANTINE_RELEASE_ROLE");
    /// @notice The token decimals every RAT asset uses; sent as `destPoolData` so the remote pool can check them.
    uint8 public constant TOKEN_DECIMALS = 18;
    /// @notice ABI length of the pool data a source pool sends: (decimals, multiplier version, split time).
    uint256 private constant SOURCE_POOL_DATA_LENGTH = 96;

    /// @notice What governance sets for one lane (remote chain).
    struct LaneConfig {
        bytes remotePool; // abi.encode(address) of the pool on the remote chain
        bytes remoteToken; // abi.encode(address) of the asset's token on the remote chain
        uint8 remoteMinTier; // the destination asset policy's minimum KYC tier (1 = retail)
        CcipLaneLimits.RateLimit outbound; // set slightly below the remote pool's inbound limit
        CcipLaneLimits.RateLimit inbound; // the remote pool's outbound limit is set slightly below this one
    }

    /// @notice The corporate-action state both chains must share: the multiplier's compare-and-swap version (bumped by
    /// every scheduled or cancelled split) and the split time (the scheduled one, else the last one; 0 if none).
    struct CorporateActions {
        uint32 multiplierVersion;
        uint40 splitAt;
    }

    /// @notice Why a delivery was quarantined.
    enum QuarantineReason {
        RECIPIENT_NOT_ELIGIBLE, // the registry refuses a mint to the recipient (status), or it is not an investor
        MULTIPLIER_OUT_OF_STEP // the source's corporate actions differ from this chain's
    }

    /// @notice A delivery held in the quarantine escrow (amount zero once released).
    struct QuarantinedTransfer {
        uint64 sourceChainSelector;
        address recipient;
        QuarantineReason reason;
        TransferStatus status; // the registry's verdict on the recipient (OK for a multiplier disagreement)
        uint256 amount;
        bytes originalSender; // abi.encode(address) on the source chain
    }

    /// @dev What this pool keeps per lane beside CcipLaneLimits' lane, in one slot (read by every send with the
    /// lane's first slot, as when both were one struct). Deleted with the lane.
    struct LanePolicy {
        bool outboundSuspended; // sends refused; deliveries of what was already burned continue
        uint8 remoteMinTier;
        // the remote token's corporate actions as governance last propagated them (CorporateActions, unpacked)
        uint32 remoteMultiplierVersion;
        uint40 remoteSplitAt;
    }

    /// @notice The asset this pool burns and mints (the pool holds its MINTER_ROLE).
    IRealAssetToken public immutable TOKEN;
    /// @notice The compliance registry of this chain (read only).
    IComplianceRegistry public immutable REGISTRY;
    /// @notice The CCIP Router whose ramps may call the pool.
    IRouter public immutable ROUTER;
    /// @notice CCIP's Risk Management Network proxy (RMNRemote on CCIP 1.6, the one the Router asks): while it curses
    /// a lane's subject (`bytes16(uint128(remoteChainSelector))`) or globally, nothing is burned or minted on it.
    /// Immutable like `TokenPool`'s `i_rmnProxy` (the proxy's own owner repoints it): no storage slot is used.
    IRMN public immutable RMN_PROXY;

    mapping(uint64 remoteChainSelector => LanePolicy) private _policies;
    mapping(uint256 quarantineId => QuarantinedTransfer) private _quarantine;
    /// @notice Quarantine ids are 1, 2, 3…; the last one assigned.
    uint256 public lastQuarantineId;
    /// @notice Tokens held in the quarantine escrow now.
    uint256 public quarantinedTotal;
    /// @notice Tokens burned here for other chains less tokens minted here from them: on the home chain, the supply
    /// that lives on other chains (CrossChainReserveFeed counts it against the reserves; ADR 0106).
    uint256 public netBridgedOut;
    /// @dev Set only while `returnQuarantined` sends through the Router: the one send whose original sender is the
    /// pool itself (a protocol holder, not an investor), whose recipient the source chain judges.
    bool private transient _returning;

    /// @notice A lane was added or reconfigured.
    event LaneConfigured(
        uint64 indexed remoteChainSelector, bytes remotePool, bytes remoteToken, uint8 remoteMinTier,
        CcipLaneLimits.RateLimit outbound, CcipLaneLimits.RateLimit inbound
    );
    /// @notice Sends on a lane were suspended (true) or resumed (false); `ref` is the reason's hash.
    event LaneSuspended(uint64 indexed remoteChainSelector, bool suspended, bytes32 ref);
    /// @notice A lane was removed; no transfer to or from it is possible until it is configured again.
    event LaneRemoved(uint64 indexed remoteChainSelector);
    /// @notice Tokens sent to `remoteChainSelector` were burned here.
    event Burned(
        uint64 indexed remoteChainSelector, address indexed sender, address indexed recipient, uint256 amount
    );
    /// @notice Tokens received from `remoteChainSelector` were minted here.
    event Minted(uint64 indexed remoteChainSelector, bytes sender, address indexed recipient, uint256 amount);
    /// @notice Governance recorded the remote token's corporate-action state (after propagating a split to it).
    event RemoteCorporateActionsSet(uint64 indexed remoteChainSelector, uint32 multiplierVersion, uint40 splitAt);
    /// @notice A delivery failed the destination re-check: `amount` was minted into the quarantine escrow.
    event Quarantined(
        uint256 indexed quarantineId,
        uint64 indexed remoteChainSelector,
        address indexed recipient,
        bytes sender,
        uint256 amount,
        QuarantineReason reason,
        TransferStatus status
    );
    /// @notice A quarantined transfer left the escrow to `to` (the recipient, or another eligible address on `ref`).
    event QuarantineReleased(uint256 indexed quarantineId, address indexed to, uint256 amount, bytes32 ref);
    /// @notice A quarantined transfer was burned here and sent back through CCIP to its original sender on the source
    /// chain (`messageId` is the Router's), on a governance reference.
    event QuarantineReturned(
        uint256 indexed quarantineId, uint64 indexed remoteChainSelector, bytes originalSender, uint256 amount,
        bytes32 messageId, bytes32 ref
    );

    // The lane and bucket errors (LaneNotSupported, InvalidLaneConfig, InvalidRateLimit, InvalidReceiver,
    // InvalidSourcePool, AmountAboveCapacity, RateLimitReached) are CcipLaneLimits' and in this contract's ABI.
    error ZeroAddress();
    error LaneSuspendedForSends(uint64 remoteChainSelector);
    error InvalidToken(address token);
    error CallerIsNotARamp(address caller);
    /// @notice CCIP's Risk Management Network curses the lane to or from `remoteChainSelector` (or every lane):
    /// nothing is burned or minted on it until the curse is lifted.
    error CursedByRMN(uint64 remoteChainSelector);
    error ZeroAmount();
    error SenderFrozen(address sender);
    error SenderNotInvestor(address sender);
    error SenderKycExpired(address sender);
    error RecipientFrozen(address recipient);
    error RecipientNotInvestor(address recipient);
    error RecipientNotEligible(address recipient, uint8 tier, uint8 requiredTier);
    error RecipientKycExpired(address recipient, uint40 expiry);
    error RecipientJurisdictionBlocked(address recipient, bytes2 jurisdiction);
    /// @notice This chain's corporate actions differ from what governance recorded for the remote token: no
    /// transfer on the lane until the split is propagated (or cancelled) on both.
    error MultiplierOutOfStep(uint64 remoteChainSelector, CorporateActions local, CorporateActions remote);
    error InvalidSourcePoolData(bytes sourcePoolData);
    error UnknownQuarantine(uint256 quarantineId);
    /// @notice The address a quarantined transfer would go to fails the registry's check (or is not an investor).
    error ReleaseRecipientNotEligible(address to, TransferStatus status);
    /// @notice A transfer quarantined for a multiplier disagreement waits until the chains are in step again.
    error QuarantineMultiplierOutOfStep(uint256 quarantineId, CorporateActions local, CorporateActions remote);
    error ZeroReference();
    /// @notice The transfer was itself a return (its original sender is the remote pool): release it here instead
    /// of sending it back and forth.
    error QuarantinedReturnCannotBeReturned(uint256 quarantineId);

    /// @param token The RAT asset on this chain.
    /// @param registry This chain's ComplianceRegistry.
    /// @param router The CCIP Router of this chain.
    /// @param rmnProxy The RMN proxy of this chain (the Router's `getArmProxy()`).
    /// @param admin Governance (timelock): DEFAULT_ADMIN_ROLE and LANE_ADMIN_ROLE.
    constructor(IRealAssetToken token, IComplianceRegistry registry, IRouter router, IRMN rmnProxy, address admin) {
        if (
            address(token) == address(0) || address(registry) == address(0) || address(router) == address(0)
                || address(rmnProxy) == address(0) || admin == address(0)
        ) revert ZeroAddress();
        TOKEN = token;
        REGISTRY = registry;
        ROUTER = router;
        RMN_PROXY = rmnProxy;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(LANE_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- CCIP pool interface

    /// @notice Burns tokens the Router moved into this pool for a transfer to `remoteChainSelector`, after the
    /// sender and recipient checks and the outbound rate limit. Called by the lane's OnRamp only.
    /// @param input CCIP's lock-or-burn input (receiver abi-encoded, original sender, amount, local token).
    /// @return out The remote token address and, as pool data, `abi.encode(TOKEN_DECIMALS, multiplierVersion,
    /// splitAt)`: this chain's corporate actions, which the destination compares with its own.
    function lockOrBurn(Pool.LockOrBurnInV1 calldata input) external returns (Pool.LockOrBurnOutV1 memory out) {
        CcipLaneLimits.Lane storage lane = CcipLaneLimits.layout().supported(input.remoteChainSelector);
        LanePolicy memory policy = _policies[input.remoteChainSelector]; // one slot, read once
        if (policy.outboundSuspended) revert LaneSuspendedForSends(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        _checkNotCursed(input.remoteChainSelector);
        if (msg.sender != ROUTER.getOnRamp(input.remoteChainSelector)) revert CallerIsNotARamp(msg.sender);
        if (input.amount == 0) revert ZeroAmount();
        address recipient = CcipLaneLimits.decodeReceiver(input.receiver);
        if (!(input.originalSender == address(this) && _returning)) {
            _checkSender(input.originalSender);
            _checkRecipient(policy.remoteMinTier, recipient);
        }
        CorporateActions memory local = localCorporateActions();
        CorporateActions memory remote =
            CorporateActions({multiplierVersion: policy.remoteMultiplierVersion, splitAt: policy.remoteSplitAt});
        if (!_same(local, remote)) revert MultiplierOutOfStep(input.remoteChainSelector, local, remote);
        lane.outbound.consume(input.amount, true);
        netBridgedOut += input.amount;
        emit Burned(input.remoteChainSelector, input.originalSender, recipient, input.amount);
        TOKEN.burn(input.amount);
        out = Pool.LockOrBurnOutV1({
            destTokenAddress: lane.remoteToken,
            destPoolData: abi.encode(TOKEN_DECIMALS, local.multiplierVersion, local.splitAt)
        });
    }

    /// @notice Mints tokens for a transfer from `remoteChainSelector` after the inbound rate limit. The recipient is
    /// re-checked here (freeze, KYC expiry, tier, jurisdiction: the registry's verdict on a mint to it, and it must
    /// be an investor) and the source's corporate actions compared with this chain's; if either fails the tokens
    /// are minted into the quarantine escrow instead, so the message never reverts after the source burned.
    /// Called by the lane's OffRamp only.
    /// @param input CCIP's release-or-mint input (`sourcePoolData` as the source pool's `lockOrBurn` returns it).
    /// @return What reached the receiver: the amount minted to it (RAT assets have the same decimals on every chain),
    /// or 0 when the delivery is quarantined, since CCIP's OffRamp requires the receiver's balance to move by exactly
    /// the returned amount (`ReleaseOrMintBalanceMismatch` would fail the message after the source burned).
    function releaseOrMint(Pool.ReleaseOrMintInV1 calldata input) external returns (Pool.ReleaseOrMintOutV1 memory) {
        CcipLaneLimits.Lane storage lane = CcipLaneLimits.layout().supported(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        _checkNotCursed(input.remoteChainSelector);
        if (!ROUTER.isOffRamp(input.remoteChainSelector, msg.sender)) revert CallerIsNotARamp(msg.sender);
        lane.checkSourcePool(input.sourcePoolAddress);
        uint256 amount = input.sourceDenominatedAmount;
        if (amount == 0) revert ZeroAmount();
        CorporateActions memory source = _decodeSourceActions(input.sourcePoolData);
        lane.inbound.consume(amount, false);
        // Saturating: a remote chain's own issuance (none today) must not make a delivery revert here. A quarantined
        // delivery is minted too (into the escrow), so it comes back on-chain here all the same.
        uint256 out_ = netBridgedOut;
        netBridgedOut = amount > out_ ? 0 : out_ - amount;
        if (!_same(source, localCorporateActions())) {
            _quarantineDelivery(input, amount, QuarantineReason.MULTIPLIER_OUT_OF_STEP, TransferStatus.OK);
            return Pool.ReleaseOrMintOutV1({destinationAmount: 0});
        }
        TransferStatus status = _recipientStatus(input.receiver, amount);
        if (status != TransferStatus.OK) {
            _quarantineDelivery(input, amount, QuarantineReason.RECIPIENT_NOT_ELIGIBLE, status);
            return Pool.ReleaseOrMintOutV1({destinationAmount: 0});
        }
        emit Minted(input.remoteChainSelector, input.originalSender, input.receiver, amount);
        TOKEN.mint(input.receiver, amount);
        return Pool.ReleaseOrMintOutV1({destinationAmount: amount});
    }

    /// @notice Whether a lane to `remoteChainSelector` is configured.
    /// @param remoteChainSelector CCIP chain selector.
    /// @return True when configured.
    function isSupportedChain(uint64 remoteChainSelector) external view returns (bool) {
        return CcipLaneLimits.layout().lanes[remoteChainSelector].supported;
    }

    /// @notice Whether `token` is this pool's asset.
    /// @param token Any address.
    /// @return True for TOKEN only.
    function isSupportedToken(address token) external view returns (bool) {
        return token == address(TOKEN);
    }

    /// @notice The asset of this pool (CCIP's TokenAdminRegistry reads it).
    /// @return The token address.
    function getToken() external view returns (address) {
        return address(TOKEN);
    }

    /// @notice ERC-165: IPoolV1 (`Pool.CCIP_POOL_V1`), IERC165 and AccessControl.
    /// @param interfaceId The interface id.
    /// @return True when supported.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == Pool.CCIP_POOL_V1 || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Adds or reconfigures the lane to `remoteChainSelector`. A new lane's buckets start full; a
    /// reconfigured bucket keeps what is available now, capped at its new capacity (a change never refills it).
    /// @param remoteChainSelector CCIP chain selector of the remote chain.
    /// @param config Remote pool and token (abi-encoded addresses), destination min tier, both rate limits.
    function setLane(uint64 remoteChainSelector, LaneConfig calldata config) external onlyRole(LANE_ADMIN_ROLE) {
        if (config.remoteMinTier == 0) revert CcipLaneLimits.InvalidLaneConfig(remoteChainSelector);
        CcipLaneLimits.layout().configure(
            remoteChainSelector, config.remotePool, config.remoteToken, config.outbound, config.inbound
        );
        _policies[remoteChainSelector].remoteMinTier = config.remoteMinTier;
        emit LaneConfigured(
            remoteChainSelector, config.remotePool, config.remoteToken, config.remoteMinTier, config.outbound,
            config.inbound
        );
    }

    /// @notice Removes the lane to `remoteChainSelector`: nothing can be sent to or received from it.
    /// @param remoteChainSelector A configured lane.
    function removeLane(uint64 remoteChainSelector) external onlyRole(LANE_ADMIN_ROLE) {
        CcipLaneLimits.layout().remove(remoteChainSelector);
        delete _policies[remoteChainSelector];
        emit LaneRemoved(remoteChainSelector);
    }

    /// @notice Suspends sends on a lane now (a compromised remote chain, a bridge incident). Deliveries of transfers
    /// already burned on the remote chain continue, each still re-checked, so nothing is stranded.
    /// @param remoteChainSelector A configured lane.
    /// @param ref Hash of the reason.
    function suspendLane(uint64 remoteChainSelector, bytes32 ref) external onlyRole(LANE_GUARDIAN_ROLE) {
        _supportedPolicy(remoteChainSelector).outboundSuspended = true;
        emit LaneSuspended(remoteChainSelector, true, ref);
    }

    /// @notice Resumes sends on a suspended lane (governance).
    /// @param remoteChainSelector A configured lane.
    /// @param ref Hash of the decision.
    function resumeLane(uint64 remoteChainSelector, bytes32 ref) external onlyRole(LANE_ADMIN_ROLE) {
        _supportedPolicy(remoteChainSelector).outboundSuspended = false;
        emit LaneSuspended(remoteChainSelector, false, ref);
    }

    /// @notice Whether sends on a lane are suspended.
    /// @param remoteChainSelector A configured lane.
    /// @return True when suspended.
    function isLaneSuspended(uint64 remoteChainSelector) external view returns (bool) {
        return _supportedPolicy(remoteChainSelector).outboundSuspended;
    }

    /// @notice Records the remote token's corporate-action state after governance propagated a split (or its
    /// cancellation) to it. While it differs from this chain's, `lockOrBurn` refuses every transfer on the lane.
    /// @param remoteChainSelector A configured lane.
    /// @param remote The remote token's `multiplierState()` version and split time.
    function setRemoteCorporateActions(uint64 remoteChainSelector, CorporateActions calldata remote)
        external
        onlyRole(LANE_ADMIN_ROLE)
    {
        LanePolicy storage policy = _supportedPolicy(remoteChainSelector);
        policy.remoteMultiplierVersion = remote.multiplierVersion;
        policy.remoteSplitAt = remote.splitAt;
        emit RemoteCorporateActionsSet(remoteChainSelector, remote.multiplierVersion, remote.splitAt);
    }

    // ---------------------------------------------------------------- quarantine

    /// @notice Delivers a quarantined transfer to its recipient once the registry accepts a mint to them again
    /// (and, for a multiplier disagreement, once the chains are in step). Anyone may call it: it can only pay the
    /// recipient the message named.
    /// @param quarantineId A pending quarantined transfer.
    function deliverQuarantined(uint256 quarantineId) external {
        QuarantinedTransfer storage q = _pending(quarantineId);
        _release(quarantineId, q, q.recipient, bytes32(0));
    }

    /// @notice Releases a quarantined transfer to `to`, another eligible address (e.g. the recipient's new wallet
    /// after a key loss, or a court-named successor), on a governance reference.
    /// @param quarantineId A pending quarantined transfer.
    /// @param to An address the registry accepts a mint to, of the INVESTOR class.
    /// @param ref Hash of the decision (non-zero).
    function releaseQuarantined(uint256 quarantineId, address to, bytes32 ref)
        external
        onlyRole(QUARANTINE_RELEASE_ROLE)
    {
        if (ref == bytes32(0)) revert ZeroReference();
        if (to == address(0)) revert ZeroAddress();
        _release(quarantineId, _pending(quarantineId), to, ref);
    }

    /// @notice Sends a quarantined transfer back to its original sender on the source chain: the escrowed tokens
    /// are burned here (the lane's outbound bucket, `netBridgedOut` and the corporate-action check as for any send)
    /// and a CCIP message through the Router credits the sender there, who is judged by that chain's pool like any
    /// recipient (quarantined there if now ineligible). The CCIP fee is paid in native coin from `msg.value`,
    /// all of it as the Router takes it (quote it with `ROUTER.getFee`): the pool holds no fee balance to fund or
    /// drain. A transfer that was itself a return is not returned again (release it here).
    /// @param quarantineId A pending quarantined transfer.
    /// @param ref Hash of the decision (non-zero).
    /// @return messageId The Router's message id.
    function returnQuarantined(uint256 quarantineId, bytes32 ref)
        external
        payable
        onlyRole(QUARANTINE_RELEASE_ROLE)
        returns (bytes32 messageId)
    {
        if (ref == bytes32(0)) revert ZeroReference();
        QuarantinedTransfer storage q = _pending(quarantineId);
        uint64 source = q.sourceChainSelector;
        if (keccak256(q.originalSender) == keccak256(CcipLaneLimits.layout().supported(source).remotePool)) {
            revert QuarantinedReturnCannotBeReturned(quarantineId);
        }
        uint256 amount = q.amount;
        bytes memory sender = q.originalSender;
        q.amount = 0;
        quarantinedTotal -= amount;
        Client.EVMTokenAmount[] memory tokens = new Client.EVMTokenAmount[](1);
        tokens[0] = Client.EVMTokenAmount({token: address(TOKEN), amount: amount});
        SafeERC20.forceApprove(TOKEN, address(ROUTER), amount);
        _returning = true;
        messageId = IRouterClient(address(ROUTER)).ccipSend{value: msg.value}(
            source,
            Client.EVM2AnyMessage({
                receiver: sender, data: "", tokenAmounts: tokens, feeToken: address(0), extraArgs: ""
            })
        );
        _returning = false;
        emit QuarantineReturned(quarantineId, source, sender, amount, messageId, ref);
    }

    /// @notice A quarantined transfer (amount zero once released or for an unknown id).
    /// @param quarantineId The id from `Quarantined`.
    /// @return The record.
    function quarantined(uint256 quarantineId) external view returns (QuarantinedTransfer memory) {
        return _quarantine[quarantineId];
    }

    // ---------------------------------------------------------------- views

    /// @notice This chain's corporate-action state as the pools compare it.
    /// @return local The token's multiplier version and split time.
    function localCorporateActions() public view returns (CorporateActions memory local) {
        (MultiplierState memory state, uint32 version) = IMultiplierStateReader(address(TOKEN)).multiplierState();
        return CorporateActions({multiplierVersion: version, splitAt: state.splitAt});
    }

    /// @notice The remote token's corporate-action state as governance last recorded it.
    /// @param remoteChainSelector A configured lane.
    /// @return The recorded state.
    function remoteCorporateActions(uint64 remoteChainSelector) external view returns (CorporateActions memory) {
        return _remoteActions(_supportedPolicy(remoteChainSelector));
    }

    /// @notice The configured remote chain selectors.
    /// @return selectors Every supported lane.
    function lanes() external view returns (uint64[] memory selectors) {
        return CcipLaneLimits.layout().selectors;
    }

    /// @notice A lane's configuration.
    /// @param remoteChainSelector A configured lane.
    /// @return remotePool abi.encode(address) of the remote pool.
    /// @return remoteToken abi.encode(address) of the remote token.
    /// @return remoteMinTier The destination's minimum KYC tier.
    function laneConfig(uint64 remoteChainSelector)
        external
        view
        returns (bytes memory remotePool, bytes memory remoteToken, uint8 remoteMinTier)
    {
        CcipLaneLimits.Lane storage entry = CcipLaneLimits.layout().supported(remoteChainSelector);
        return (entry.remotePool, entry.remoteToken, _policies[remoteChainSelector].remoteMinTier);
    }

    /// @notice Tokens that may leave (outbound) or arrive (inbound) on a lane right now.
    /// @param remoteChainSelector A configured lane.
    /// @param outbound True for the outbound bucket.
    /// @return available Tokens available now (type(uint256).max when the bucket is disabled).
    /// @return capacity The bucket's capacity.
    /// @return rate Refill per second.
    function rateLimit(uint64 remoteChainSelector, bool outbound)
        external
        view
        returns (uint256 available, uint256 capacity, uint256 rate)
    {
        CcipLaneLimits.Lane storage entry = CcipLaneLimits.layout().supported(remoteChainSelector);
        return (outbound ? entry.outbound : entry.inbound).state();
    }

    // ---------------------------------------------------------------- internals

    /// @dev `TokenPool`'s curse check: the lane's subject, or a global curse (RMNRemote answers both in one call).
    function _checkNotCursed(uint64 remoteChainSelector) private view {
        if (RMN_PROXY.isCursed(bytes16(uint128(remoteChainSelector)))) revert CursedByRMN(remoteChainSelector);
    }

    /// @dev The pool's part of a configured lane (`LaneNotSupported` otherwise).
    function _supportedPolicy(uint64 remoteChainSelector) private view returns (LanePolicy storage) {
        CcipLaneLimits.layout().supported(remoteChainSelector);
        return _policies[remoteChainSelector];
    }

    function _remoteActions(LanePolicy storage policy) private view returns (CorporateActions memory) {
        return CorporateActions({multiplierVersion: policy.remoteMultiplierVersion, splitAt: policy.remoteSplitAt});
    }

    /// @dev The sender moved the tokens into the pool already (the token judged that transfer); the pool adds the
    /// rules a transfer into a protocol holder does not apply: a frozen or expired investor cannot bridge out.
    function _checkSender(address sender) private view {
        Investor memory s = REGISTRY.investor(sender);
        if (s.frozen) revert SenderFrozen(sender);
        if (s.holderClass != HolderClass.INVESTOR) revert SenderNotInvestor(sender);
        if (s.expiry <= block.timestamp) revert SenderKycExpired(sender);
    }

    /// @dev This chain's record of the recipient is the destination's record (one KYC writer fans out to every
    /// chain and a drift check compares them); the lane carries the destination asset's minimum tier.
    function _checkRecipient(uint8 remoteMinTier, address recipient) private view {
        Investor memory r = REGISTRY.investor(recipient);
        if (r.frozen) revert RecipientFrozen(recipient);
        if (r.holderClass != HolderClass.INVESTOR) revert RecipientNotInvestor(recipient);
        if (r.tier < remoteMinTier) revert RecipientNotEligible(recipient, r.tier, remoteMinTier);
        if (r.expiry <= block.timestamp) revert RecipientKycExpired(recipient, r.expiry);
        if (REGISTRY.isJurisdictionBlocked(address(TOKEN), r.jurisdiction)) {
            revert RecipientJurisdictionBlocked(recipient, r.jurisdiction);
        }
    }

    /// @dev The registry's verdict on a mint to `recipient` (the full recipient check: freeze, tier, expiry,
    /// jurisdiction, pause), and the pool's own rule that bridged tokens go to investors only.
    function _recipientStatus(address recipient, uint256 amount) private view returns (TransferStatus status) {
        status = REGISTRY.canTransfer(address(TOKEN), address(0), recipient, amount);
        if (status == TransferStatus.OK && REGISTRY.investor(recipient).holderClass != HolderClass.INVESTOR) {
            status = TransferStatus.RECIPIENT_NOT_ELIGIBLE;
        }
    }

    function _quarantineDelivery(
        Pool.ReleaseOrMintInV1 calldata input,
        uint256 amount,
        QuarantineReason reason,
        TransferStatus status
    ) private {
        uint256 id = ++lastQuarantineId;
        _quarantine[id] = QuarantinedTransfer({
            sourceChainSelector: input.remoteChainSelector,
            recipient: input.receiver,
            reason: reason,
            status: status,
            amount: amount,
            originalSender: input.originalSender
        });
        quarantinedTotal += amount;
        emit Quarantined(id, input.remoteChainSelector, input.receiver, input.originalSender, amount, reason, status);
        TOKEN.mint(address(this), amount);
    }

    function _pending(uint256 quarantineId) private view returns (QuarantinedTransfer storage q) {
        q = _quarantine[quarantineId];
        if (q.amount == 0) revert UnknownQuarantine(quarantineId);
    }

    /// @dev Every way out of the escrow: the destination's own mint check on `to`, and for a multiplier
    /// disagreement the chains back in step; effects before the transfer.
    function _release(uint256 quarantineId, QuarantinedTransfer storage q, address to, bytes32 ref) private {
        uint256 amount = q.amount;
        if (q.reason == QuarantineReason.MULTIPLIER_OUT_OF_STEP) {
            CorporateActions memory local = localCorporateActions();
            CorporateActions memory remote = _remoteActions(_supportedPolicy(q.sourceChainSelector));
            if (!_same(local, remote)) revert QuarantineMultiplierOutOfStep(quarantineId, local, remote);
        }
        TransferStatus status = _recipientStatus(to, amount);
        if (status != TransferStatus.OK) revert ReleaseRecipientNotEligible(to, status);
        q.amount = 0;
        quarantinedTotal -= amount;
        emit QuarantineReleased(quarantineId, to, amount, ref);
        if (!TOKEN.transfer(to, amount)) revert ReleaseRecipientNotEligible(to, status);
    }

    function _decodeSourceActions(bytes calldata data) private pure returns (CorporateActions memory) {
        if (data.length != SOURCE_POOL_DATA_LENGTH) revert InvalidSourcePoolData(data);
        (uint8 decimals, uint32 version, uint40 splitAt) = abi.decode(data, (uint8, uint32, uint40));
        if (decimals != TOKEN_DECIMALS) revert InvalidSourcePoolData(data);
        return CorporateActions({multiplierVersion: version, splitAt: splitAt});
    }

    function _same(CorporateActions memory a, CorporateActions memory b) private pure returns (bool) {
        return a.multiplierVersion == b.multiplierVersion && a.splitAt == b.splitAt;
    }
}
