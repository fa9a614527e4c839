// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {IUnlockCallback} from "@uniswap/v4-core/src/interfaces/callback/IUnlockCallback.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {ModifyLiquidityParams, SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {IRatPoolAdapter} from "../venues/IRatPoolAdapter.sol";

/// @title VenueBypassAttacker (test only)
/// @notice Calls the PoolManager's `unlock` directly, as any contract can, and tries each bypass of the compliant
/// RAT pool: swapping or adding liquidity without an allowed router, funding a pool without our hook with adapter
/// units, taking the pool's adapter units out, and minting ERC-6909 claims on adapter units for someone else.
contract VenueBypassAttacker is IUnlockCallback {
    enum Mode {
        SWAP,
        ADD_LIQUIDITY,
        FLASH_TAKE,
        MINT_CLAIMS
    }

    IPoolManager public immutable POOL_MANAGER;
    /// @notice The adapter (the compliant pool's hook) whose units are attacked.
    address public immutable ADAPTER;

    constructor(IPoolManager poolManager, address adapter) {
        POOL_MANAGER = poolManager;
        ADAPTER = adapter;
    }

    /// @notice Starts an attack in the attacker's own unlock.
    function attack(Mode mode, PoolKey calldata key, uint256 amount, address beneficiary) external {
        POOL_MANAGER.unlock(abi.encode(mode, key, amount, beneficiary));
    }

    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        (Mode mode, PoolKey memory key, uint256 amount, address beneficiary) =
            abi.decode(data, (Mode, PoolKey, uint256, address));
        Currency adapter = Currency.wrap(ADAPTER);
        if (mode == Mode.SWAP) {
            POOL_MANAGER.swap(
                key, SwapParams(true, -int256(amount), TickMath.MIN_SQRT_PRICE + 1), ""
            );
        } else if (mode == Mode.ADD_LIQUIDITY) {
            POOL_MANAGER.modifyLiquidity(key, ModifyLiquidityParams(-600, 600, int256(amount), 0), "");
            // Pay the adapter leg the only way adapter units can reach the PoolManager.
            POOL_MANAGER.sync(adapter);
            IRatPoolAdapter(ADAPTER).wrap(address(this), amount);
            POOL_MANAGER.settle();
        } else if (mode == Mode.FLASH_TAKE) {
            POOL_MANAGER.take(adapter, beneficiary, amount);
        } else {
            POOL_MANAGER.mint(beneficiary, uint256(uint160(ADAPTER)), amount);
            POOL_MANAGER.sync(adapter);
            IRatPoolAdapter(ADAPTER).wrap(address(this), amount);
            POOL_MANAGER.settle();
        }
        return "";
    }
}
