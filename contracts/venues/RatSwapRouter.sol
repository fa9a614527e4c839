// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {SafeCallback} from "@uniswap/v4-periphery/src/base/SafeCallback.sol";
import {ReentrancyLock} from "@uniswap/v4-periphery/src/base/ReentrancyLock.sol";
import {IMsgSender} from "@uniswap/v4-periphery/src/interfaces/IMsgSender.sol";
import {IV4Router} from "@uniswap/v4-periphery/src/interfaces/IV4Router.sol";
import {IRatPoolAdapter} from "./IRatPoolAdapter.sol";

/// @title RatSwapRouter
/// @notice A small Uniswap v4 router for exact-input single-pool swaps that exposes the real trader through
/// `IMsgSender.msgSender()`, so a pool hook can apply per-person rules to whoever started the swap (never
/// `tx.origin`).
/// @dev Only MIT-licensed Uniswap sources are compiled in (tests/venues checks every imported file's SPDX
/// header): periphery's `DeltaResolver` is not used because it pulls v4-core's BUSL-1.1 transient-slot libraries,
/// and periphery's `V4Router` pins `pragma solidity 0.8.26`, which our toolchain (solc 0.8.28) cannot compile.
/// The swap's own BalanceDelta gives both amounts, so no transient delta reads are needed. Payment is a plain
/// ERC-20 `transferFrom` from the trader (an allowance to this router), not Permit2, so a compliance-checked
/// token sees the trader and the PoolManager as the two parties of the transfer. ERC-20 pairs only. In a compliant RAT
/// pool (ADR 0100) the currency equal to the pool's hook is the hook's adapter: the trader's RAT is wrapped into it
/// (allowance to the hook) and RAT bought is unwrapped to the trader.
contract RatSwapRouter is IMsgSender, SafeCallback, ReentrancyLock {
    using SafeERC20 for IERC20;

    /// @notice The transaction was mined after the trader's deadline.
    error DeadlinePassed(uint256 deadline, uint256 timestamp);
    /// @notice Native currency was offered; this router trades ERC-20s only.
    error NativeCurrencyNotSupported();
    /// @notice The amount in is zero.
    error ZeroAmountIn();
    /// @notice The PoolManager received less than the swap's input (a fee-on-transfer or rebasing token).
    error PaymentShortfall(uint256 owed, uint256 received);

    /// @notice A swap settled through this router.
    /// @param trader The account that called `swapExactInputSingle`.
    /// @param poolId The v4 pool id (keccak of the PoolKey).
    /// @param zeroForOne Direction: currency0 in, currency1 out when true.
    /// @param amountIn What the trader paid.
    /// @param amountOut What the trader received.
    event Swapped(
        address indexed trader, bytes32 indexed poolId, bool zeroForOne, uint256 amountIn, uint256 amountOut
    );

    /// @param poolManager_ The Uniswap v4 PoolManager singleton this router trades on.
    constructor(IPoolManager poolManager_) SafeCallback(poolManager_) {}

    /// @notice Swaps exactly `params.amountIn` of the input currency for at least `params.amountOutMinimum` of the
    /// output currency in one pool; the trader pays from an ERC-20 allowance to this router and receives the output.
    /// @param params Pool, direction, amounts and hook data, as periphery's `IV4Router.ExactInputSingleParams`.
    /// @param deadline The last block timestamp at which the swap may run.
    /// @return amountOut What the trader received.
    function swapExactInputSingle(IV4Router.ExactInputSingleParams calldata params, uint256 deadline)
        external
        isNotLocked
        returns (uint256 amountOut)
    {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        if (params.amountIn == 0) revert ZeroAmountIn();
        amountOut = abi.decode(poolManager.unlock(abi.encode(params)), (uint256));
    }

    /// @notice The account that called `swapExactInputSingle` (zero outside a call), for hooks that gate on the
    /// real trader.
    /// @return The trader whose swap is running.
    function msgSender() external view returns (address) {
        return _getLocker();
    }

    function _unlockCallback(bytes calldata data) internal override returns (bytes memory) {
        IV4Router.ExactInputSingleParams memory params = abi.decode(data, (IV4Router.ExactInputSingleParams));
        (Currency currencyIn, Currency currencyOut) = params.zeroForOne
            ? (params.poolKey.currency0, params.poolKey.currency1)
            : (params.poolKey.currency1, params.poolKey.currency0);
        if (currencyIn.isAddressZero() || currencyOut.isAddressZero()) revert NativeCurrencyNotSupported();

        // Price limit at the far end of the range: slippage is bounded by amountOutMinimum, as in V4Router.
        BalanceDelta delta = poolManager.swap(
            params.poolKey,
            SwapParams({
                zeroForOne: params.zeroForOne,
                amountSpecified: -int256(uint256(params.amountIn)),
                sqrtPriceLimitX96: params.zeroForOne ? TickMath.MIN_SQRT_PRICE + 1 : TickMath.MAX_SQRT_PRICE - 1
            }),
            params.hookData
        );
        (int128 paid, int128 received) =
            params.zeroForOne ? (delta.amount0(), delta.amount1()) : (delta.amount1(), delta.amount0());
        uint256 amountIn = uint256(uint128(-paid));
        uint256 amountOut = uint256(uint128(received));
        if (amountOut < params.amountOutMinimum) {
            revert IV4Router.V4TooLittleReceived(params.amountOutMinimum, amountOut);
        }

        address trader = _getLocker();
        // A currency equal to the pool's hook is that hook's adapter (RatPoolHook): RAT enters through `wrap` (the
        // token checks trader -> venue) and leaves through `unwrap` (venue -> trader); other currencies move as
        // plain ERC-20s.
        address hook = address(params.poolKey.hooks);
        poolManager.sync(currencyIn);
        if (Currency.unwrap(currencyIn) == hook) {
            IRatPoolAdapter(hook).wrap(trader, amountIn);
        } else {
            IERC20(Currency.unwrap(currencyIn)).safeTransferFrom(trader, address(poolManager), amountIn);
        }
        uint256 settled = poolManager.settle();
        if (settled != amountIn) revert PaymentShortfall(amountIn, settled);
        if (Currency.unwrap(currencyOut) == hook) {
            poolManager.take(currencyOut, hook, amountOut);
            IRatPoolAdapter(hook).unwrap(trader, amountOut);
        } else {
            poolManager.take(currencyOut, trader, amountOut);
        }
        emit Swapped(trader, keccak256(abi.encode(params.poolKey)), params.zeroForOne, amountIn, amountOut);
        return abi.encode(amountOut);
    }
}
