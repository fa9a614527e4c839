// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {SafeCast} from "@uniswap/v4-core/src/libraries/SafeCast.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {BaseActionsRouter} from "@uniswap/v4-periphery/src/base/BaseActionsRouter.sol";
import {DeltaResolver} from "@uniswap/v4-periphery/src/base/DeltaResolver.sol";
import {ReentrancyLock} from "@uniswap/v4-periphery/src/base/ReentrancyLock.sol";
import {IV4Router} from "@uniswap/v4-periphery/src/interfaces/IV4Router.sol";
import {Actions} from "@uniswap/v4-periphery/src/libraries/Actions.sol";
import {CalldataDecoder} from "@uniswap/v4-periphery/src/libraries/CalldataDecoder.sol";

/// @title RatSwapRouter
/// @notice A small Uniswap v4 swap router that exposes the real trader through `IMsgSender.msgSender()`, so a
/// pool hook can apply per-person rules to whoever started the swap (never `tx.origin`).
/// @dev Built on v4-periphery's MIT base contracts (BaseActionsRouter, DeltaResolver, ReentrancyLock) and speaks
/// the same action encoding as periphery's V4Router (`abi.encode(bytes actions, bytes[] params)`), but only the
/// actions a single-pool trade needs: SWAP_EXACT_IN_SINGLE, SETTLE_ALL and TAKE_ALL. V4Router itself pins
/// `pragma solidity 0.8.26`, which our toolchain (solc 0.8.28) cannot compile. Payment is a plain ERC-20
/// `transferFrom` from the trader (an allowance to this router), not Permit2: a compliance-checked token sees the
/// trader and the PoolManager as the two parties of the transfer. Native ETH is not supported.
contract RatSwapRouter is BaseActionsRouter, DeltaResolver, ReentrancyLock {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using CalldataDecoder for bytes;

    /// @notice The transaction was mined after the trader's deadline.
    error DeadlinePassed(uint256 deadline, uint256 timestamp);
    /// @notice Native currency was offered; this router trades ERC-20s only.
    error NativeCurrencyNotSupported();

    /// @param poolManager_ The Uniswap v4 PoolManager singleton this router trades on.
    constructor(IPoolManager poolManager_) BaseActionsRouter(poolManager_) {}

    /// @notice Runs an encoded action plan against the PoolManager for `msg.sender`.
    /// @dev `unlockData` is `abi.encode(bytes actions, bytes[] params)` exactly as for periphery's V4Router.
    /// The caller is held in transient storage for the whole call and reported by `msgSender()`.
    /// @param unlockData The encoded actions and their parameters.
    /// @param deadline The last block timestamp at which the plan may run.
    function execute(bytes calldata unlockData, uint256 deadline) external isNotLocked {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        _executeActions(unlockData);
    }

    /// @notice The account that called `execute` (zero outside a call), for hooks that gate on the real trader.
    /// @return The trader whose plan is running.
    function msgSender() public view override returns (address) {
        return _getLocker();
    }

    function _handleAction(uint256 action, bytes calldata params) internal override {
        if (action == Actions.SWAP_EXACT_IN_SINGLE) {
            IV4Router.ExactInputSingleParams calldata swap = params.decodeSwapExactInSingleParams();
            _swapExactInputSingle(swap);
        } else if (action == Actions.SETTLE_ALL) {
            (Currency currency, uint256 maxAmount) = params.decodeCurrencyAndUint256();
            uint256 amount = _getFullDebt(currency);
            if (amount > maxAmount) revert IV4Router.V4TooMuchRequested(maxAmount, amount);
            _settle(currency, msgSender(), amount);
        } else if (action == Actions.TAKE_ALL) {
            (Currency currency, uint256 minAmount) = params.decodeCurrencyAndUint256();
            uint256 amount = _getFullCredit(currency);
            if (amount < minAmount) revert IV4Router.V4TooLittleReceived(minAmount, amount);
            _take(currency, msgSender(), amount);
        } else {
            revert UnsupportedAction(action);
        }
    }

    function _swapExactInputSingle(IV4Router.ExactInputSingleParams calldata swap) private {
        int256 amountSpecified = -int256(uint256(swap.amountIn));
        uint128 amountOut = _swap(swap, amountSpecified);
        if (amountOut < swap.amountOutMinimum) revert IV4Router.V4TooLittleReceived(swap.amountOutMinimum, amountOut);
    }

    function _swap(IV4Router.ExactInputSingleParams calldata swap, int256 amountSpecified)
        private
        returns (uint128 amountOut)
    {
        // Price limit at the far end of the range: slippage is bounded by amountOutMinimum, as in V4Router.
        BalanceDelta delta = poolManager.swap(
            swap.poolKey,
            SwapParams({
                zeroForOne: swap.zeroForOne,
                amountSpecified: amountSpecified,
                sqrtPriceLimitX96: swap.zeroForOne ? TickMath.MIN_SQRT_PRICE + 1 : TickMath.MAX_SQRT_PRICE - 1
            }),
            swap.hookData
        );
        int128 received = swap.zeroForOne ? delta.amount1() : delta.amount0();
        amountOut = uint256(int256(received)).toUint128();
    }

    function _pay(Currency token, address payer, uint256 amount) internal override {
        if (token.isAddressZero()) revert NativeCurrencyNotSupported();
        if (payer == address(this)) {
            token.transfer(address(poolManager), amount);
        } else {
            IERC20(Currency.unwrap(token)).safeTransferFrom(payer, address(poolManager), amount);
        }
    }
}
