// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Direction of a request: a mint buys shares with escrowed stablecoin, a burn redeems escrowed tokens.
enum RequestKind {
    MINT,
    BURN
}

/// @notice Request state machine: Pending -> Fulfilled | Cancelled | Rejected. NONE means "no such request".
enum RequestStatus {
    NONE,
    PENDING,
    FULFILLED,
    CANCELLED,
    REJECTED
}

/// @notice Lifecycle of an asset in the Minter. UNLISTED assets accept nothing; REDEEM_ONLY accepts burns only;
/// HALTED accepts no new request and no fulfilment (cancels and rejects still return escrow).
enum AssetStatus {
    UNLISTED,
    ACTIVE,
    REDEEM_ONLY,
    HALTED
}

/// @notice What an attestor vouches for. Every fulfilment needs at least one signature of each role.
enum AttestorRole {
    NONE,
    BROKERAGE, // the order was executed at the broker
    CUSTODY // the shares arrived in (mint) or left (burn) the SPV's custody account
}

/// @notice A request as stored (two storage slots). Amounts are bounded by the Minter's input checks.
struct Request {
    address account; // investor: pays (mint) or redeems (burn); receives tokens, proceeds and refunds
    uint40 deadline; // after it, the request cannot be fulfilled and anyone may cancel it
    RequestKind kind;
    RequestStatus status;
    uint16 assetId; // Minter-assigned index of the equity token
    uint8 paymentTokenId; // Minter-assigned index of the stablecoin
    uint128 amount; // escrow: payment-token units (mint) or token units, 1e18 = one share (burn)
    uint128 limitPrice; // payment-token units per share: maximum (mint) or minimum (burn)
}

/// @notice The fill a relayer submits and the attestors sign (EIP-712 type `Fill`, with the request's asset and
/// account added from storage so a signature can never be moved to another investor or equity).
struct Fill {
    bytes32 requestId;
    uint256 shares; // token units executed, 1e18 = one share; at most what the escrow covers
    uint256 price; // average execution price, payment-token units per share (per 1e18 token units)
    uint256 fees; // protocol fee in payment-token units; must equal the FeeVault's quote for this fill
    bytes32 brokerOrderRef; // hash of the broker's order id (the request id is the broker's idempotency key)
    bytes32 custodyRef; // hash of the custodian's settlement/transfer reference
    uint256 deadline; // last timestamp at which the attestation may be used
}

/// @notice Per-tier notional limits, in 18-decimal USD (stablecoins are counted at par).
struct TierLimits {
    uint128 perRequest;
    uint128 perDay; // leaky bucket: capacity `perDay`, drains linearly over 24 h
}

/// @notice Read-only view of an asset's configuration, as returned by `assetConfig`.
struct AssetConfigView {
    uint16 id;
    AssetStatus status;
    address reserveFeed; // AggregatorV3Interface reporting shares in custody (the ReserveFeed or Chainlink PoR)
    uint32 reserveHeartbeat; // seconds; must be > 0 (a zero heartbeat never disables the check)
    address priceFeed; // optional AggregatorV3Interface USD price per share; address(0) for none
    uint32 priceHeartbeat;
    uint16 priceBandBps;
    uint128 mintCap; // maximum totalSupply reachable by mints, token units
    uint128 mintRatePerDay; // leaky-bucket capacity of minted token units per 24 h
}

/// @title IMinter: escrowed mint/burn requests settled with K-of-N attestations and a proof-of-reserve guard.
interface IMinter {
    // ------------------------------------------------------------ request lifecycle (indexer-complete)

    /// @notice A mint request escrowed `paymentAmount` of `paymentToken` from `account`.
    event MintRequested(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address paymentToken,
        uint256 paymentAmount,
        uint256 maxPricePerShare,
        uint256 deadline
    );
    /// @notice A burn request escrowed `shares` token units from `account`.
    event BurnRequested(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address paymentToken,
        uint256 shares,
        uint256 minPricePerShare,
        uint256 deadline
    );
    /// @notice A mint settled: `shares` minted, `cost` paid to settlement, `fees` to the vault, `refund` back.
    event MintFulfilled(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address paymentToken,
        uint256 shares,
        uint256 price,
        uint256 cost,
        uint256 fees,
        uint256 refund,
        bytes32 brokerOrderRef,
        bytes32 custodyRef
    );
    /// @notice A burn settled: `shares` burned, `proceeds` received from settlement, `proceeds - fees` paid to the
    /// account, `sharesReturned` (the unfilled part) given back.
    event BurnFulfilled(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address paymentToken,
        uint256 shares,
        uint256 price,
        uint256 proceeds,
        uint256 fees,
        uint256 sharesReturned,
        bytes32 brokerOrderRef,
        bytes32 custodyRef
    );
    /// @notice A pending request was cancelled after its deadline by `caller`; the escrow went back to `account`.
    event RequestCancelled(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address refundToken,
        uint256 refund,
        address caller
    );
    /// @notice An operator rejected a pending request; the escrow went back to `account`.
    event RequestRejected(
        bytes32 indexed requestId,
        address indexed account,
        address indexed asset,
        address refundToken,
        uint256 refund,
        uint8 reasonCode
    );
    /// @notice The price feed could not be used (stale, incomplete or non-positive): only the investor's limit
    /// bounded the fill price.
    event PriceBandNotChecked(bytes32 indexed requestId, address indexed asset, uint256 feedUpdatedAt);

    // ------------------------------------------------------------ configuration

    event AssetListed(address indexed asset, uint16 indexed assetId);
    event AssetStatusUpdated(address indexed asset, AssetStatus status);
    event ReserveFeedUpdated(address indexed asset, address feed, uint32 heartbeat);
    event PriceFeedUpdated(address indexed asset, address feed, uint32 heartbeat, uint16 bandBps);
    event MintLimitsUpdated(address indexed asset, uint128 mintCap, uint128 mintRatePerDay);
    event PaymentTokenListed(address indexed token, uint8 indexed paymentTokenId, uint8 decimals);
    event PaymentTokenAllowed(address indexed token, bool allowed);
    event TierLimitsUpdated(uint8 indexed tier, uint128 perRequest, uint128 perDay);
    event AttestorUpdated(address indexed attestor, AttestorRole role);
    event QuorumUpdated(uint8 quorum);
    event SettlementAccountUpdated(address indexed account);
    /// @notice Whether a stale or invalid price feed lets fills through (fail-open) or refuses them (fail-closed).
    event PriceBandStaleRuleUpdated(address indexed asset, bool failOpen);
    /// @notice The escrow of a frozen investor's pending request moved to a legal-hold account (request closed as
    /// REJECTED).
    event EscrowSeized(
        bytes32 indexed requestId, address indexed account, address token, uint256 amount, address to, bytes32 legalRef
    );

    // ------------------------------------------------------------ errors

    error ZeroAddress();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error AssetNotListed(address asset);
    error AssetAlreadyListed(address asset);
    error AssetNotAccepting(address asset, AssetStatus status);
    error PaymentTokenNotAllowed(address token);
    error PaymentTokenAlreadyListed(address token);
    error TooManyListings();
    error DeadlineInPast(uint256 deadline);
    error DeadlineTooFar(uint256 deadline, uint256 latest);
    error InvestorNotEligible(address account);
    error InvestorFrozen(address account);
    error OverRequestLimit(uint256 notional, uint256 limit);
    error OverDailyLimit(uint256 notional, uint256 available);
    error UnknownRequest(bytes32 requestId);
    error RequestNotPending(bytes32 requestId, RequestStatus status);
    error WrongRequestKind(bytes32 requestId, RequestKind kind);
    error RequestExpired(bytes32 requestId, uint256 deadline);
    error RequestNotExpired(bytes32 requestId, uint256 deadline);
    error AttestationExpired(uint256 deadline);
    error AttestorsNotSorted(address signer, address previous);
    error UnknownAttestor(address signer);
    error TooFewAttestations(uint256 given, uint256 quorum);
    error AttestorRolesIncomplete(uint256 rolesMask);
    error ZeroFill();
    error FillExceedsEscrow(uint256 required, uint256 escrow);
    error PriceAboveLimit(uint256 price, uint256 limit);
    error PriceBelowLimit(uint256 price, uint256 limit);
    error PriceOutsideBand(uint256 price, uint256 referencePrice, uint16 bandBps);
    error FeeMismatch(uint256 attested, uint256 expected);
    error OverMintCap(uint256 supplyAfter, uint256 cap);
    error OverMintRate(uint256 shares, uint256 available);
    error ReserveFeedNotSet(address asset);
    // ReserveInvalid, ReserveRoundIncomplete, ReserveStale and OverReserves come from reserves/SecureMint.sol.
    error InvalidHeartbeat();
    error InvalidBand(uint16 bandBps);
    error InvalidQuorum(uint8 quorum);
    error InvalidTier(uint8 tier);
    error ProceedsNotReceived(uint256 received, uint256 expected);
    error SettlementAccountNotSet();
    error OnlyFeeVault(address caller);
    /// @notice The price band is set, fail-closed, and its feed is stale or invalid.
    error PriceFeedStale(address asset, uint256 updatedAt);
    /// @notice The reserve feed reports another asset's reserves.
    error ReserveFeedAssetMismatch(address asset, address feedAsset);
    /// @notice Only the escrow of a frozen investor can be put under legal hold.
    error InvestorNotFrozen(address account);
    /// @notice The latest reserve round is as of a time before the asset's last split took effect (its shares are
    /// counted before the split), so the guard cannot judge the supply until the custodian's post-split round.
    error ReservesPredateSplit(uint256 roundAsOf, uint256 splitActivatedAt);
    /// @notice The configuration module was called directly instead of by delegatecall from its Minter.
    error NotDelegated();

    // ------------------------------------------------------------ investor entry points

    /// @notice Escrows `paymentAmount` of an allow-listed stablecoin to buy shares of `asset`.
    function requestMint(
        address asset,
        address paymentToken,
        uint256 paymentAmount,
        uint256 maxPricePerShare,
        uint256 deadline
    ) external returns (bytes32 requestId);

    /// @notice `requestMint` preceded by an EIP-2612 permit of the stablecoin in the same transaction.
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
    ) external returns (bytes32 requestId);

    /// @notice Escrows `shares` token units of `asset` to redeem them for `paymentToken`.
    function requestBurn(
        address asset,
        address paymentToken,
        uint256 shares,
        uint256 minPricePerShare,
        uint256 deadline
    ) external returns (bytes32 requestId);

    /// @notice Returns the full escrow of a pending request whose deadline has passed. Callable by anyone.
    function cancel(bytes32 requestId) external;

    // ------------------------------------------------------------ relayer / operator entry points

    /// @notice Settles a mint request with the fill the attestors signed.
    function fulfillMint(Fill calldata fill, bytes[] calldata attestations) external;

    /// @notice Settles a burn request with the fill the attestors signed; pulls proceeds from settlement.
    function fulfillBurn(Fill calldata fill, bytes[] calldata attestations) external;

    /// @notice Refuses a pending request before its deadline with a reason code; returns the escrow.
    function reject(bytes32 requestId, uint8 reasonCode) external;

    /// @notice The FeeVault's push of an asset's fee rates (only the vault may call it).
    function applyFees(address asset, uint16 mintBps, uint16 burnBps) external;

    // ------------------------------------------------------------ reads

    /// @notice The stored request.
    function getRequest(bytes32 requestId) external view returns (Request memory);

    /// @notice The id the next request of `account` will get (deterministic: chain id, Minter, account, nonce).
    function nextRequestId(address account) external view returns (bytes32);

    /// @notice The EIP-712 digest the attestors sign for `fill` of request `fill.requestId`.
    function fillDigest(Fill calldata fill) external view returns (bytes32);

    /// @notice An asset's configuration (status UNLISTED for an unknown asset).
    function assetConfig(address asset) external view returns (AssetConfigView memory);

    /// @notice An asset's lifecycle status alone (UNLISTED for an unknown asset): one storage slot, for contracts
    /// that gate on it on a hot path (the Uniswap v4 venue's hook stops trading while the asset is HALTED).
    function assetStatus(address asset) external view returns (AssetStatus);
}
