// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pool} from "@chainlink/contracts-ccip/contracts/libraries/Pool.sol";
import {IRouter} from "@chainlink/contracts-ccip/contracts/interfaces/IRouter.sol";

/// @title PlainBurnMintToken
/// @notice Gas baseline for bench/ccip.py: an unmodified OpenZeppelin ERC-20 whose pool may mint and burn.
contract PlainBurnMintToken is ERC20 {
    /// @notice The pool allowed to mint and burn.
    address public immutable MINTER;

    /// @notice The caller is not the minter.
    error NotMinter(address caller);

    /// @param minter The pool.
    /// @param holder Receives `supply`.
    /// @param supply Initial supply.
    constructor(address minter, address holder, uint256 supply) ERC20("Plain", "PLN") {
        MINTER = minter;
        _mint(holder, supply);
    }

    /// @notice Mints `amount` to `to` (minter only).
    /// @param to Recipient.
    /// @param amount Token units.
    function mint(address to, uint256 amount) external {
        if (msg.sender != MINTER) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` from the minter's balance (minter only).
    /// @param amount Token units.
    function burn(uint256 amount) external {
        if (msg.sender != MINTER) revert NotMinter(msg.sender);
        _burn(msg.sender, amount);
    }
}

/// @title PlainBurnMintCcipPool
/// @notice Gas baseline for bench/ccip.py: RatCcipPool's shape (IPoolV1 calls, ramp checks through the CCIP Router,
/// remote-pool check, one outbound and one inbound token bucket per lane, same arithmetic) for a plain burn/mint
/// ERC-20, without any compliance check; IPoolV1's ERC-165 and support views so Chainlink's TokenAdminRegistry, OnRamp
/// and OffRamp accept it on the full CCIP lane. Not for production: the lane is set once, by anyone, at deployment.
contract PlainBurnMintCcipPool {
    struct Bucket {
        uint128 tokens;
        uint40 updatedAt;
        bool enabled;
        uint128 capacity;
        uint128 rate;
    }

    struct Lane {
        bool supported;
        bytes remotePool;
        bytes remoteToken;
        Bucket outbound;
        Bucket inbound;
    }

    uint8 private constant TOKEN_DECIMALS = 18;
    uint256 private constant EVM_ADDRESS_LENGTH = 32;

    /// @notice The plain token.
    PlainBurnMintToken public TOKEN;
    /// @notice The CCIP Router whose ramps may call the pool.
    IRouter public immutable ROUTER;
    mapping(uint64 remoteChainSelector => Lane) private _lanes;

    /// @notice Tokens sent to `remoteChainSelector` were burned here.
    event Burned(uint64 indexed remoteChainSelector, address indexed sender, address indexed recipient, uint256 amount);
    /// @notice Tokens received from `remoteChainSelector` were minted here.
    event Minted(uint64 indexed remoteChainSelector, bytes sender, address indexed recipient, uint256 amount);

    error LaneNotSupported(uint64 remoteChainSelector);
    error InvalidToken(address token);
    error CallerIsNotARamp(address caller);
    error InvalidReceiver(bytes receiver);
    error InvalidSourcePool(bytes sourcePool);
    error ZeroAmount();
    error TokenAlreadySet();
    error AmountAboveCapacity(bool outbound, uint256 amount, uint256 capacity);
    error RateLimitReached(bool outbound, uint256 amount, uint256 available, uint256 waitSeconds);

    /// @param router The CCIP Router of this chain.
    constructor(IRouter router) {
        ROUTER = router;
    }

    /// @notice Sets the token once (the token names the pool as its minter at construction).
    /// @param token The plain token.
    function setToken(PlainBurnMintToken token) external {
        if (address(TOKEN) != address(0)) revert TokenAlreadySet();
        TOKEN = token;
    }

    /// @notice Configures a lane with equal-shaped buckets (baseline only: no access control).
    /// @param remoteChainSelector The remote chain.
    /// @param remotePool abi.encode of the remote pool.
    /// @param remoteToken abi.encode of the remote token.
    /// @param capacity Bucket capacity, both directions.
    /// @param rate Refill per second, both directions.
    function setLane(uint64 remoteChainSelector, bytes calldata remotePool, bytes calldata remoteToken,
        uint128 capacity, uint128 rate) external {
        Lane storage lane = _lanes[remoteChainSelector];
        lane.supported = true;
        lane.remotePool = remotePool;
        lane.remoteToken = remoteToken;
        lane.outbound = Bucket(capacity, uint40(block.timestamp), true, capacity, rate);
        lane.inbound = Bucket(capacity, uint40(block.timestamp), true, capacity, rate);
    }

    /// @notice Burns tokens the ramp moved into this pool (OnRamp only), after the outbound rate limit.
    /// @param input CCIP's lock-or-burn input.
    /// @return out The remote token and `abi.encode(TOKEN_DECIMALS)`.
    function lockOrBurn(Pool.LockOrBurnInV1 calldata input) external returns (Pool.LockOrBurnOutV1 memory out) {
        Lane storage lane = _supportedLane(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        if (msg.sender != ROUTER.getOnRamp(input.remoteChainSelector)) revert CallerIsNotARamp(msg.sender);
        if (input.amount == 0) revert ZeroAmount();
        address recipient = _decodeReceiver(input.receiver);
        _consume(lane.outbound, input.amount, true);
        emit Burned(input.remoteChainSelector, input.originalSender, recipient, input.amount);
        TOKEN.burn(input.amount);
        out = Pool.LockOrBurnOutV1({destTokenAddress: lane.remoteToken, destPoolData: abi.encode(TOKEN_DECIMALS)});
    }

    /// @notice Mints tokens for a transfer from `remoteChainSelector` (OffRamp only), after the inbound rate limit.
    /// @param input CCIP's release-or-mint input.
    /// @return The amount minted.
    function releaseOrMint(Pool.ReleaseOrMintInV1 calldata input) external returns (Pool.ReleaseOrMintOutV1 memory) {
        Lane storage lane = _supportedLane(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        if (!ROUTER.isOffRamp(input.remoteChainSelector, msg.sender)) revert CallerIsNotARamp(msg.sender);
        if (keccak256(input.sourcePoolAddress) != keccak256(lane.remotePool)) {
            revert InvalidSourcePool(input.sourcePoolAddress);
        }
        uint256 amount = input.sourceDenominatedAmount;
        if (amount == 0) revert ZeroAmount();
        _consume(lane.inbound, amount, false);
        emit Minted(input.remoteChainSelector, input.originalSender, input.receiver, amount);
        TOKEN.mint(input.receiver, amount);
        return Pool.ReleaseOrMintOutV1({destinationAmount: amount});
    }

    /// @notice The token this pool burns and mints.
    /// @return The token address.
    function getToken() external view returns (address) {
        return address(TOKEN);
    }

    /// @notice Whether a lane to `remoteChainSelector` is set (IPoolV1).
    /// @param remoteChainSelector The remote chain.
    /// @return True when the lane is set.
    function isSupportedChain(uint64 remoteChainSelector) external view returns (bool) {
        return _lanes[remoteChainSelector].supported;
    }

    /// @notice Whether `token` is this pool's token (IPoolV1; the TokenAdminRegistry checks it in `setPool`).
    /// @param token A token address.
    /// @return True for the plain token.
    function isSupportedToken(address token) external view returns (bool) {
        return token == address(TOKEN);
    }

    /// @notice ERC-165: IERC165 and CCIP's IPoolV1 (the OffRamp checks the latter before `releaseOrMint`).
    /// @param interfaceId The interface id.
    /// @return True for the two supported interfaces.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == Pool.CCIP_POOL_V1 || interfaceId == 0x01ffc9a7;
    }

    function _supportedLane(uint64 remoteChainSelector) private view returns (Lane storage entry) {
        entry = _lanes[remoteChainSelector];
        if (!entry.supported) revert LaneNotSupported(remoteChainSelector);
    }

    function _decodeReceiver(bytes calldata receiver) private pure returns (address) {
        if (receiver.length != EVM_ADDRESS_LENGTH) revert InvalidReceiver(receiver);
        uint256 word = abi.decode(receiver, (uint256));
        if (word > type(uint160).max || word == 0) revert InvalidReceiver(receiver);
        return address(uint160(word));
    }

    function _available(Bucket storage b) private view returns (uint256) {
        uint256 refilled = uint256(b.tokens) + (block.timestamp - b.updatedAt) * uint256(b.rate);
        return refilled < b.capacity ? refilled : b.capacity;
    }

    function _consume(Bucket storage b, uint256 amount, bool outbound) private {
        if (!b.enabled) return;
        if (amount > b.capacity) revert AmountAboveCapacity(outbound, amount, b.capacity);
        uint256 available = _available(b);
        if (amount > available) {
            revert RateLimitReached(outbound, amount, available, (amount - available + b.rate - 1) / b.rate);
        }
        b.tokens = uint128(available - amount);
        b.updatedAt = uint40(block.timestamp);
    }
}
