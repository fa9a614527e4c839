// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {ModifyLiquidityParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {SafeCallback} from "@uniswap/v4-periphery/src/base/SafeCallback.sol";
import {Locker} from "@uniswap/v4-periphery/src/libraries/Locker.sol";
import {IMsgSender} from "@uniswap/v4-periphery/src/interfaces/IMsgSender.sol";
import {IComplianceRegistry, TransferStatus} from "../interfaces/IComplianceRegistry.sol";
import {RatPoolHook} from "./RatPoolHook.sol";

/// @title RatPositionManager
/// @notice LP positions in one compliant RAT pool (RatPoolHook's approved pool) as ERC-721 NFTs that only eligible
/// investors can hold: minting, removing and every NFT transfer are judged by the ComplianceRegistry's rules for the
/// asset. Governance can force-exit a sanctioned investor's position to a legal-hold address with a legal
/// reference, as the token's forced transfer does for balances.
/// @dev Periphery's PositionManager cannot serve the pool: it pays with Permit2 and lets NFTs move freely. This
/// manager owns every position in the PoolManager (salt = token id), reports the investor through `IMsgSender`
/// (the hook gates on it) and pays the RAT leg through the hook's adapter (`wrap`/`unwrap`).
contract RatPositionManager is ERC721, SafeCallback, IMsgSender {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice The pool's hook and adapter; its approved key is the only pool this manager serves.
    RatPoolHook public immutable HOOK;
    /// @notice The registry judging NFT holders for the hook's asset.
    IComplianceRegistry public immutable REGISTRY;
    /// @notice The RAT asset whose rules bind position holders.
    address public immutable ASSET;
    /// @notice Governance (the timelock): the only caller of `forceExit`.
    address public immutable GOVERNANCE;

    /// @notice One LP position.
    struct Position {
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
    }

    /// @notice Id the next minted position gets.
    uint256 public nextTokenId = 1;
    /// @notice Positions by NFT id.
    mapping(uint256 tokenId => Position) public positions;

    enum Action {
        ADD,
        REMOVE
    }

    struct CallbackData {
        Action action;
        uint256 tokenId;
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
        uint128 amount0Limit; // ADD: most the investor pays; REMOVE: least they receive
        uint128 amount1Limit;
        address party; // ADD: payer; REMOVE: recipient
    }

    /// @notice A position was opened.
    event PositionMinted(uint256 indexed tokenId, address indexed owner, int24 tickLower, int24 tickUpper);
    /// @notice Liquidity was added to (`liquidityDelta` > 0) or removed from a position; amounts paid (ADD) or
    /// received (REMOVE, fees included) by `party`.
    event LiquidityModified(
        uint256 indexed tokenId, address indexed party, int256 liquidityDelta, uint256 amount0, uint256 amount1
    );
    /// @notice Governance removed a position's liquidity to a legal-hold address and burnt the NFT.
    event ForcedExit(
        uint256 indexed tokenId,
        address indexed owner,
        address indexed legalHold,
        uint256 amount0,
        uint256 amount1,
        bytes32 legalRef
    );

    /// @notice The caller is not governance.
    error NotGovernance(address caller);
    /// @notice The caller neither owns nor is approved for the position.
    error NotApprovedForPosition(address caller, uint256 tokenId);
    /// @notice The NFT may not move to or from these holders under the asset's rules.
    error PositionTransferRestricted(address from, address to, TransferStatus status);
    /// @notice The deadline passed.
    error DeadlinePassed(uint256 deadline, uint256 timestamp);
    /// @notice More than the investor's maximum would be paid, or less than their minimum received.
    error SlippageExceeded(uint256 amount0, uint256 amount1, uint128 limit0, uint128 limit1);
    /// @notice The position holds less liquidity than asked.
    error InsufficientLiquidity(uint128 held, uint128 asked);
    /// @notice Zero liquidity.
    error ZeroLiquidity();
    /// @notice A legal reference is required for a forced exit.
    error MissingLegalReference();
    /// @notice A zero address.
    error ZeroAddress();
    /// @notice Another operation of this manager is running.
    error ManagerLocked();

    modifier checkDeadline(uint256 deadline) {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        _;
    }

    /// @dev Runs the body with `investor` as the `msgSender()` the hook judges.
    modifier lockedBy(address investor) {
        if (Locker.get() != address(0)) revert ManagerLocked();
        Locker.set(investor);
        _;
        Locker.set(address(0));
    }

    /// @param poolManager The Uniswap v4 PoolManager.
    /// @param hook The pool's RatPoolHook.
    /// @param governance The timelock.
    constructor(IPoolManager poolManager, RatPoolHook hook, address governance)
        ERC721("RAT Uniswap v4 positions", "RAT-V4-POS")
        SafeCallback(poolManager)
    {
        if (address(hook) == address(0) || governance == address(0)) revert ZeroAddress();
        HOOK = hook;
        REGISTRY = hook.REGISTRY();
        ASSET = address(hook.ASSET());
        GOVERNANCE = governance;
    }

    /// @notice The investor whose operation is running (zero outside one): the hook's view of who acts.
    function msgSender() external view returns (address) {
        return Locker.get();
    }

    /// @notice Opens a position owned by the caller, paying at most the given amounts (RAT through an allowance to
    /// the hook, the stablecoin through an allowance to this manager).
    /// @param tickLower Lower tick (a multiple of the pool's tick spacing).
    /// @param tickUpper Upper tick.
    /// @param liquidity Liquidity to add.
    /// @param amount0Max Most currency0 to pay.
    /// @param amount1Max Most currency1 to pay.
    /// @param deadline Last timestamp at which it may run.
    /// @return tokenId The new position's NFT id.
    function mint(
        int24 tickLower,
        int24 tickUpper,
        uint128 liquidity,
        uint128 amount0Max,
        uint128 amount1Max,
        uint256 deadline
    ) external checkDeadline(deadline) lockedBy(msg.sender) returns (uint256 tokenId) {
        if (liquidity == 0) revert ZeroLiquidity();
        tokenId = nextTokenId++;
        positions[tokenId] = Position(tickLower, tickUpper, liquidity);
        _mint(msg.sender, tokenId);
        emit PositionMinted(tokenId, msg.sender, tickLower, tickUpper);
        poolManager.unlock(
            abi.encode(
                CallbackData(Action.ADD, tokenId, tickLower, tickUpper, liquidity, amount0Max, amount1Max, msg.sender)
            )
        );
    }

    /// @notice Removes liquidity from a position (fees collected with it) and pays both currencies to its owner.
    /// @param tokenId The position.
    /// @param liquidity Liquidity to remove.
    /// @param amount0Min Least currency0 to receive.
    /// @param amount1Min Least currency1 to receive.
    /// @param deadline Last timestamp at which it may run.
    function decreaseLiquidity(
        uint256 tokenId,
        uint128 liquidity,
        uint128 amount0Min,
        uint128 amount1Min,
        uint256 deadline
    ) external checkDeadline(deadline) {
        address owner = _requireOwned(tokenId);
        if (!_isAuthorized(owner, msg.sender, tokenId)) revert NotApprovedForPosition(msg.sender, tokenId);
        _remove(tokenId, liquidity, amount0Min, amount1Min, owner);
    }

    /// @notice Governance removes all of a position's liquidity, pays both currencies to `legalHold` (which the
    /// token checks as the recipient of the RAT) and burns the NFT, citing `legalRef`.
    /// @param tokenId The position.
    /// @param legalHold The legal-hold address receiving the proceeds.
    /// @param legalRef Hash of the court order or sanctions decision; must not be zero.
    function forceExit(uint256 tokenId, address legalHold, bytes32 legalRef) external {
        if (msg.sender != GOVERNANCE) revert NotGovernance(msg.sender);
        if (legalRef == bytes32(0)) revert MissingLegalReference();
        if (legalHold == address(0)) revert ZeroAddress();
        address owner = _requireOwned(tokenId);
        (uint256 amount0, uint256 amount1) = _remove(tokenId, positions[tokenId].liquidity, 0, 0, legalHold);
        delete positions[tokenId];
        _burn(tokenId);
        emit ForcedExit(tokenId, owner, legalHold, amount0, amount1, legalRef);
    }

    function _remove(uint256 tokenId, uint128 liquidity, uint128 amount0Min, uint128 amount1Min, address recipient)
        private
        lockedBy(recipient)
        returns (uint256 amount0, uint256 amount1)
    {
        if (liquidity == 0) revert ZeroLiquidity();
        Position storage position = positions[tokenId];
        uint128 held = position.liquidity;
        if (liquidity > held) revert InsufficientLiquidity(held, liquidity);
        position.liquidity = held - liquidity;
        (amount0, amount1) = abi.decode(
            poolManager.unlock(
                abi.encode(
                    CallbackData(
                        Action.REMOVE,
                        tokenId,
                        position.tickLower,
                        position.tickUpper,
                        liquidity,
                        amount0Min,
                        amount1Min,
                        recipient
                    )
                )
            ),
            (uint256, uint256)
        );
    }

    function _unlockCallback(bytes calldata raw) internal override returns (bytes memory) {
        CallbackData memory data = abi.decode(raw, (CallbackData));
        PoolKey memory key = HOOK.poolKey();
        bool add = data.action == Action.ADD;
        int256 liquidityDelta = add ? int256(uint256(data.liquidity)) : -int256(uint256(data.liquidity));
        (BalanceDelta delta,) = poolManager.modifyLiquidity(
            key,
            ModifyLiquidityParams({
                tickLower: data.tickLower,
                tickUpper: data.tickUpper,
                liquidityDelta: liquidityDelta,
                salt: bytes32(data.tokenId)
            }),
            ""
        );
        uint256 amount0 = _resolve(key.currency0, delta.amount0(), data.party);
        uint256 amount1 = _resolve(key.currency1, delta.amount1(), data.party);
        bool slipped = add
            ? (amount0 > data.amount0Limit || amount1 > data.amount1Limit)
            : (amount0 < data.amount0Limit || amount1 < data.amount1Limit);
        if (slipped) revert SlippageExceeded(amount0, amount1, data.amount0Limit, data.amount1Limit);
        emit LiquidityModified(data.tokenId, data.party, liquidityDelta, amount0, amount1);
        return abi.encode(amount0, amount1);
    }

    /// @dev Pays a negative delta from `party` or takes a positive one to it; the adapter currency goes through
    /// the hook's wrap/unwrap so the token checks `party`.
    function _resolve(Currency currency, int128 amount, address party) private returns (uint256) {
        address token = Currency.unwrap(currency);
        address hook = address(HOOK);
        if (amount < 0) {
            uint256 owed = uint256(-int256(amount));
            poolManager.sync(currency);
            if (token == hook) HOOK.wrap(party, owed);
            else IERC20(token).safeTransferFrom(party, address(poolManager), owed);
            poolManager.settle();
            return owed;
        }
        uint256 due = uint256(int256(amount));
        if (due == 0) return 0;
        if (token == hook) {
            poolManager.take(currency, hook, due);
            HOOK.unwrap(party, due);
        } else {
            poolManager.take(currency, party, due);
        }
        return due;
    }

    /// @dev Every NFT transfer (not mint or burn) must be one the asset's rules allow between the two holders.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && to != address(0)) {
            TransferStatus status = REGISTRY.canTransfer(ASSET, from, to, 0);
            if (status != TransferStatus.OK) revert PositionTransferRestricted(from, to, status);
        }
    }
}
