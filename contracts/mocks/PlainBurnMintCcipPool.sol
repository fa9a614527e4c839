// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pool} from "@chainlink/contracts-ccip/contracts/libraries/Pool.sol";
import {IRouter} from "@chainlink/contracts-ccip/contracts/interfaces/IRouter.sol";
import {IRMN} from "@chainlink/contracts-ccip/contracts/interfaces/IRMN.sol";
import {CcipLaneLimits} from "../bridge/libraries/CcipLaneLimits.sol";

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
/// @notice Gas baseline for bench/ccip.py: RatCcipPool's shape (IPoolV1 calls, the RMN curse check and the ramp checks
/// through the CCIP Router that Chainlink's BurnMintTokenPool makes too, remote-pool check, one outbound and one inbound token bucket per lane, all through the same library,
/// CcipLaneLimits) for a plain burn/mint ERC-20, without any compliance check; IPoolV1's ERC-165 and support views so
/// Chainlink's TokenAdminRegistry, OnRamp and OffRamp accept it on the full CCIP lane. Not for production: the lane
/// is set once, by anyone, at deployment.
contract PlainBurnMintCcipPool {
    using CcipLaneLimits for CcipLaneLimits.Lanes;
    using CcipLaneLimits for CcipLaneLimits.Lane;
    using CcipLaneLimits for CcipLaneLimits.Bucket;

    uint8 private constant TOKEN_DECIMALS = 18;

    /// @notice The plain token.
    PlainBurnMintToken public TOKEN;
    /// @notice The CCIP Router whose ramps may call the pool.
    IRouter public immutable ROUTER;
    /// @notice CCIP's RMN proxy, asked whether the lane is cursed on every call (as `TokenPool` does).
    IRMN public immutable RMN_PROXY;

    /// @notice Tokens sent to `remoteChainSelector` were burned here.
    event Burned(uint64 indexed remoteChainSelector, address indexed sender, address indexed recipient, uint256 amount);
    /// @notice Tokens received from `remoteChainSelector` were minted here.
    event Minted(uint64 indexed remoteChainSelector, bytes sender, address indexed recipient, uint256 amount);

    // The lane and bucket errors are CcipLaneLimits' (in this contract's ABI).
    error InvalidToken(address token);
    error CallerIsNotARamp(address caller);
    /// @notice CCIP's Risk Management Network curses the lane to or from `remoteChainSelector` (or every lane).
    error CursedByRMN(uint64 remoteChainSelector);
    error ZeroAmount();
    error TokenAlreadySet();

    /// @param router The CCIP Router of this chain.
    /// @param rmnProxy The RMN proxy of this chain (the Router's).
    constructor(IRouter router, IRMN rmnProxy) {
        ROUTER = router;
        RMN_PROXY = rmnProxy;
    }

    /// @notice Sets the token once (the token names the pool as its minter at construction).
    /// @param token The plain token.
    function setToken(PlainBurnMintToken token) external {
        if (address(TOKEN) != address(0)) revert TokenAlreadySet();
        TOKEN = token;
    }

    /// @notice Configures a lane with equal-shaped, enabled buckets that start full, checked as RatCcipPool checks its
    /// lanes (baseline only: no access control).
    /// @param remoteChainSelector The remote chain.
    /// @param remotePool abi.encode of the remote pool.
    /// @param remoteToken abi.encode of the remote token.
    /// @param capacity Bucket capacity, both directions.
    /// @param rate Refill per second, both directions.
    function setLane(uint64 remoteChainSelector, bytes calldata remotePool, bytes calldata remoteToken,
        uint128 capacity, uint128 rate) external {
        CcipLaneLimits.RateLimit memory limit =
            CcipLaneLimits.RateLimit({enabled: true, capacity: capacity, rate: rate});
        CcipLaneLimits.layout().configure(remoteChainSelector, remotePool, remoteToken, limit, limit);
    }

    /// @notice Burns tokens the ramp moved into this pool (OnRamp only), after the outbound rate limit.
    /// @param input CCIP's lock-or-burn input.
    /// @return out The remote token and `abi.encode(TOKEN_DECIMALS)`.
    function lockOrBurn(Pool.LockOrBurnInV1 calldata input) external returns (Pool.LockOrBurnOutV1 memory out) {
        CcipLaneLimits.Lane storage lane = CcipLaneLimits.layout().supported(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        if (RMN_PROXY.isCursed(bytes16(uint128(input.remoteChainSelector)))) {
            revert CursedByRMN(input.remoteChainSelector);
        }
        if (msg.sender != ROUTER.getOnRamp(input.remoteChainSelector)) revert CallerIsNotARamp(msg.sender);
        if (input.amount == 0) revert ZeroAmount();
        address recipient = CcipLaneLimits.decodeReceiver(input.receiver);
        lane.outbound.consume(input.amount, true);
        emit Burned(input.remoteChainSelector, input.originalSender, recipient, input.amount);
        TOKEN.burn(input.amount);
        out = Pool.LockOrBurnOutV1({destTokenAddress: lane.remoteToken, destPoolData: abi.encode(TOKEN_DECIMALS)});
    }

    /// @notice Mints tokens for a transfer from `remoteChainSelector` (OffRamp only), after the inbound rate limit.
    /// @param input CCIP's release-or-mint input.
    /// @return The amount minted.
    function releaseOrMint(Pool.ReleaseOrMintInV1 calldata input) external returns (Pool.ReleaseOrMintOutV1 memory) {
        CcipLaneLimits.Lane storage lane = CcipLaneLimits.layout().supported(input.remoteChainSelector);
        if (input.localToken != address(TOKEN)) revert InvalidToken(input.localToken);
        if (RMN_PROXY.isCursed(bytes16(uint128(input.remoteChainSelector)))) {
            revert CursedByRMN(input.remoteChainSelector);
        }
        if (!ROUTER.isOffRamp(input.remoteChainSelector, msg.sender)) revert CallerIsNotARamp(msg.sender);
        lane.checkSourcePool(input.sourcePoolAddress);
        uint256 amount = input.sourceDenominatedAmount;
        if (amount == 0) revert ZeroAmount();
        lane.inbound.consume(amount, false);
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
        return CcipLaneLimits.layout().lanes[remoteChainSelector].supported;
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
}
