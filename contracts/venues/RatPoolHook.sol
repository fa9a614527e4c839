// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {BeforeSwapDelta, BeforeSwapDeltaLibrary} from "@uniswap/v4-core/src/types/BeforeSwapDelta.sol";
import {ModifyLiquidityParams, SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {IMsgSender} from "@uniswap/v4-periphery/src/interfaces/IMsgSender.sol";
import {
    IComplianceRegistry, IComplianceRecords, TransferFacts, TransferStatus
} from "../interfaces/IComplianceRegistry.sol";
import {ComplianceRules} from "../compliance/ComplianceRules.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";
import {IMinter, AssetStatus} from "../interfaces/IMinter.sol";
import {IReserveRecords} from "../interfaces/IReserveRegistry.sol";

/// @title RatPoolHook
/// @notice The compliant Uniswap v4 venue of one RAT asset: at once the pool's hook and the *adapter*, an ERC-20
/// whose units stand 1:1 for RAT it holds. The adapter (not the PoolManager) is the asset's registered VENUE in the
/// ComplianceRegistry, so the PoolManager singleton never holds RAT and the token's own transfer rules run on every
/// entry to and exit from the pool.
/// @dev Why this is sound (ADR 0100):
/// - Adapter units live only in the PoolManager: they are minted to it by `wrap`, taken back to this contract and
///   burnt by `unwrap`, and no other movement exists (`transfer`). Only allowlisted routers (ours, implementing
///   `IMsgSender`) may wrap or unwrap, and they do so only for pools whose hook is this contract; the only such
///   pool is the governance-approved key (`beforeInitialize`). So a pool without this hook, or with a fee or tick
///   spacing governance did not approve, can never be funded with adapter units, and an ERC-6909 claim on adapter
///   units can only be minted from credit made in the approved pool by an allowed router, which never mints claims.
///   A flash `take` of the pool's units can go nowhere but this contract and cannot be repaid without `wrap`.
/// - Every swap and liquidity change in the approved pool comes from an allowlisted router; the hook reads the real
///   investor from `IMsgSender.msgSender()` and judges them with the registry's records and `ComplianceRules`
///   (what `transfer` and `canTransfer` use) in the direction of the RAT leg (investor -> venue on the way in,
///   venue -> investor on the way out) before anything moves; the token then checks the same parties again, with
///   the real amount (balance, holder cap), when `wrap`/`unwrap` move the RAT.
/// - Trading stops while the asset is paused (registry policy), halted by the guardian in the Minter, or between a
///   split's activation and the custodian's first reserve round as of after it (the price per token changed).
/// Governance state is written after deployment (a hook's address carries its permission bits, so on local chains
/// its runtime code is placed at such an address and has no constructor-written storage).
/// The adapter's ERC-20 is minimal: no allowances (nobody but the PoolManager ever holds units) and no stored total
/// supply (it is the PoolManager's units plus those being unwrapped here); `Transfer` events are standard.
contract RatPoolHook is IHooks, IERC20Metadata {
    using SafeERC20 for IERC20;

    /// @notice Hook permission bits this contract needs in its address (v4-core `Hooks`): beforeInitialize,
    /// beforeAddLiquidity, beforeRemoveLiquidity, beforeSwap.
    uint160 public constant HOOK_FLAGS = (1 << 13) | (1 << 11) | (1 << 9) | (1 << 7);

    /// @notice The Uniswap v4 PoolManager singleton.
    IPoolManager public immutable POOL_MANAGER;
    /// @notice The RAT equity this venue trades.
    IRealAssetToken public immutable ASSET;
    /// @notice The stablecoin RAT trades against.
    address public immutable QUOTE;
    /// @notice The compliance registry whose rules every trader and LP must pass.
    IComplianceRegistry public immutable REGISTRY;
    /// @notice The registry's record store, read directly (as the token does) and judged with `ComplianceRules`.
    IComplianceRecords public immutable RECORDS;
    /// @notice The Minter: an asset HALTED there by the guardian does not trade either.
    IMinter public immutable MINTER;
    /// @notice The ReserveRegistry's records: the custodian's latest round must postdate the last split.
    IReserveRecords public immutable RESERVES;
    /// @notice Governance (the timelock): approves the pool and the routers.
    address public immutable GOVERNANCE;
    uint8 private immutable DECIMALS;

    /// @notice The only pool this hook serves (keccak of its PoolKey); zero until governance approves one.
    bytes32 public approvedPoolId;
    /// @notice LP fee of the approved pool (hundredths of a bip).
    uint24 public approvedFee;
    /// @notice Tick spacing of the approved pool.
    int24 public approvedTickSpacing;
    mapping(address account => uint256) private _balances;
    /// @notice Routers and position managers trusted to report the investor through `IMsgSender` and to wrap and
    /// unwrap only for the approved pool.
    mapping(address router => bool) public allowedRouter;

    /// @notice Governance approved the pool key (this hook, the asset's adapter and the stablecoin).
    event PoolApproved(bytes32 indexed poolId, uint24 fee, int24 tickSpacing);
    /// @notice Governance allowed or removed a router.
    event RouterAllowed(address indexed router, bool allowed);

    /// @notice The caller is not governance.
    error NotGovernance(address caller);
    /// @notice The PoolManager did not make this hook call.
    error NotPoolManager(address caller);
    /// @notice A pool other than the approved one (another fee, tick spacing or pair) was to be created.
    error PoolNotApproved(bytes32 poolId, bytes32 approvedPoolId);
    /// @notice The pool was already approved; a venue serves one pool.
    error PoolAlreadyApproved(bytes32 poolId);
    /// @notice The fee or tick spacing is outside what Uniswap v4 accepts.
    error InvalidPoolParameters(uint24 fee, int24 tickSpacing);
    /// @notice The operation did not come through an allowlisted IMsgSender router.
    error RouterNotAllowed(address router);
    /// @notice The investor behind the router may not take or give RAT in this direction.
    error InvestorNotEligible(address investor, TransferStatus status);
    /// @notice The guardian halted the asset in the Minter.
    error AssetHalted(address asset);
    /// @notice A split took effect and the custodian has not yet published a reserve round as of after it.
    error SplitNotSettled(uint256 splitActivatedAt, uint256 lastRoundAt);
    /// @notice Adapter units can only sit in the PoolManager (ERC-6909 claims cannot be redeemed elsewhere).
    error AdapterUnitsLocked(address from, address to);
    /// @notice A router asked to move RAT for someone other than the investor it reports.
    error NotRoutersInvestor(address account, address investor);
    /// @notice More units asked than held.
    error InsufficientUnits(uint256 held, uint256 asked);
    /// @notice A hook callback this contract never enables in its address was called.
    error HookNotImplemented();
    /// @notice A zero address where a contract is needed.
    error ZeroAddress();

    modifier onlyGovernance() {
        if (msg.sender != GOVERNANCE) revert NotGovernance(msg.sender);
        _;
    }

    modifier onlyPoolManager() {
        if (msg.sender != address(POOL_MANAGER)) revert NotPoolManager(msg.sender);
        _;
    }

    modifier onlyAllowedRouter() {
        if (!allowedRouter[msg.sender]) revert RouterNotAllowed(msg.sender);
        _;
    }

    /// @param poolManager The Uniswap v4 PoolManager.
    /// @param asset The RAT equity token.
    /// @param quote The stablecoin of the pair.
    /// @param registry The ComplianceRegistry gating `asset`.
    /// @param minter The Minter holding the asset's status (HALTED stops trading).
    /// @param reserves The ReserveRegistry's records store (the custodian's rounds).
    /// @param governance The timelock.
    constructor(
        IPoolManager poolManager,
        IRealAssetToken asset,
        address quote,
        IComplianceRegistry registry,
        IMinter minter,
        IReserveRecords reserves,
        address governance
    ) {
        if (
            address(poolManager) == address(0) || address(asset) == address(0) || quote == address(0)
                || address(registry) == address(0) || address(minter) == address(0)
                || address(reserves) == address(0) || governance == address(0)
        ) revert ZeroAddress();
        POOL_MANAGER = poolManager;
        ASSET = asset;
        QUOTE = quote;
        REGISTRY = registry;
        RECORDS = registry.records();
        MINTER = minter;
        RESERVES = reserves;
        GOVERNANCE = governance;
        DECIMALS = IERC20Metadata(address(asset)).decimals();
    }

    // ---------------------------------------------------------------- governance

    /// @notice Approves the one pool this venue serves: this adapter against `QUOTE`, this hook, `fee`, `tickSpacing`.
    /// @param fee Static LP fee in hundredths of a bip (at most 100%).
    /// @param tickSpacing Tick spacing (1..32767).
    function approvePool(uint24 fee, int24 tickSpacing) external onlyGovernance {
        if (approvedPoolId != bytes32(0)) revert PoolAlreadyApproved(approvedPoolId);
        if (fee > 1_000_000 || tickSpacing < 1) revert InvalidPoolParameters(fee, tickSpacing);
        approvedFee = fee;
        approvedTickSpacing = tickSpacing;
        bytes32 id = keccak256(abi.encode(poolKey()));
        approvedPoolId = id;
        emit PoolApproved(id, fee, tickSpacing);
    }

    /// @notice Allows or removes a router (an `IMsgSender` swap router or position manager).
    /// @param router The router.
    /// @param allowed Whether it may operate the pool.
    function setRouter(address router, bool allowed) external onlyGovernance {
        if (router == address(0)) revert ZeroAddress();
        allowedRouter[router] = allowed;
        emit RouterAllowed(router, allowed);
    }

    // ---------------------------------------------------------------- adapter

    /// @notice Moves `amount` RAT from `from` (who allowed this contract) into the venue and mints as many adapter
    /// units to the PoolManager (a `Transfer` from zero); the router then settles them. Allowlisted routers only.
    /// @param from The investor paying RAT (the router's `msgSender()`).
    /// @param amount Token units.
    function wrap(address from, uint256 amount) external onlyAllowedRouter {
        _requireRoutersInvestor(from);
        IERC20(address(ASSET)).safeTransferFrom(from, address(this), amount);
        _balances[address(POOL_MANAGER)] += amount;
        emit Transfer(address(0), address(POOL_MANAGER), amount);
    }

    /// @notice Burns `amount` adapter units the router took from the PoolManager to this contract and pays as
    /// much RAT to `to`, whom the token checks as the recipient. Allowlisted routers only.
    /// @param to The investor receiving RAT.
    /// @param amount Token units.
    function unwrap(address to, uint256 amount) external onlyAllowedRouter {
        _requireRoutersInvestor(to);
        uint256 held = _balances[address(this)];
        if (held < amount) revert InsufficientUnits(held, amount);
        unchecked {
            _balances[address(this)] = held - amount;
        }
        emit Transfer(address(this), address(0), amount);
        IERC20(address(ASSET)).safeTransfer(to, amount);
    }

    /// @dev Even an allowed router moves RAT only for the investor whose operation it is running.
    function _requireRoutersInvestor(address account) private view {
        address investor = IMsgSender(msg.sender).msgSender();
        if (account != investor) revert NotRoutersInvestor(account, investor);
    }

    /// @notice The approved pool's key (fee and tick spacing zero before approval).
    function poolKey() public view returns (PoolKey memory key) {
        (address c0, address c1) = address(this) < QUOTE ? (address(this), QUOTE) : (QUOTE, address(this));
        key = PoolKey({
            currency0: Currency.wrap(c0),
            currency1: Currency.wrap(c1),
            fee: approvedFee,
            tickSpacing: approvedTickSpacing,
            hooks: IHooks(address(this))
        });
    }

    /// @notice Adapter units held: only the PoolManager (the pools' units) and this contract (units being
    /// unwrapped) ever hold any.
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice Units outstanding: equal to the RAT this venue holds.
    function totalSupply() external view returns (uint256) {
        return _balances[address(POOL_MANAGER)] + _balances[address(this)];
    }

    /// @notice Only the PoolManager moves units, and only to this contract (a `take` before `unwrap`).
    function transfer(address to, uint256 value) external returns (bool) {
        address from = msg.sender;
        if (from != address(POOL_MANAGER) || to != address(this)) revert AdapterUnitsLocked(from, to);
        uint256 held = _balances[from];
        if (held < value) revert InsufficientUnits(held, value);
        unchecked {
            _balances[from] = held - value;
            _balances[to] += value;
        }
        emit Transfer(from, to, value);
        return true;
    }

    /// @notice Units cannot be moved by allowance.
    function transferFrom(address from, address to, uint256) external pure returns (bool) {
        revert AdapterUnitsLocked(from, to);
    }

    /// @notice Units cannot be approved.
    function approve(address spender, uint256) external view returns (bool) {
        revert AdapterUnitsLocked(msg.sender, spender);
    }

    /// @notice Always zero: units cannot be approved.
    function allowance(address, address) external pure returns (uint256) {
        return 0;
    }

    /// @notice A descriptive name built from the asset's.
    function name() public view returns (string memory) {
        return string.concat("Uniswap v4 venue units of ", IERC20Metadata(address(ASSET)).name());
    }

    /// @notice `v4-` followed by the asset's symbol.
    function symbol() public view returns (string memory) {
        return string.concat("v4-", IERC20Metadata(address(ASSET)).symbol());
    }

    /// @notice The asset's decimals (units are 1:1 with token units).
    function decimals() public view returns (uint8) {
        return DECIMALS;
    }

    // ---------------------------------------------------------------- hook callbacks

    /// @inheritdoc IHooks
    function beforeInitialize(address, PoolKey calldata key, uint160) external view onlyPoolManager returns (bytes4) {
        bytes32 id = keccak256(abi.encode(key));
        bytes32 approved = approvedPoolId;
        if (id != approved || approved == bytes32(0)) revert PoolNotApproved(id, approved);
        return IHooks.beforeInitialize.selector;
    }

    /// @inheritdoc IHooks
    function beforeSwap(address sender, PoolKey calldata key, SwapParams calldata params, bytes calldata)
        external
        view
        onlyPoolManager
        returns (bytes4, BeforeSwapDelta, uint24)
    {
        // RAT goes in when the trader sells currency0 and currency0 is this adapter, or sells currency1 and it is.
        bool ratIn = params.zeroForOne == (Currency.unwrap(key.currency0) == address(this));
        _checkInvestor(sender, ratIn);
        return (IHooks.beforeSwap.selector, BeforeSwapDeltaLibrary.ZERO_DELTA, 0);
    }

    /// @inheritdoc IHooks
    function beforeAddLiquidity(address sender, PoolKey calldata, ModifyLiquidityParams calldata, bytes calldata)
        external
        view
        onlyPoolManager
        returns (bytes4)
    {
        _checkInvestor(sender, true);
        return IHooks.beforeAddLiquidity.selector;
    }

    /// @inheritdoc IHooks
    function beforeRemoveLiquidity(address sender, PoolKey calldata, ModifyLiquidityParams calldata, bytes calldata)
        external
        view
        onlyPoolManager
        returns (bytes4)
    {
        _checkInvestor(sender, false);
        return IHooks.beforeRemoveLiquidity.selector;
    }

    /// @dev Router allowlisted, asset open (not halted, no unsettled split), investor eligible in the RAT leg's
    /// direction. The pause is part of `canTransfer` (the registry's policy word).
    function _checkInvestor(address router, bool ratIn) private view {
        if (!allowedRouter[router]) revert RouterNotAllowed(router);
        address investor = IMsgSender(router).msgSender();
        address asset = address(ASSET);
        if (MINTER.assetStatus(asset) == AssetStatus.HALTED) revert AssetHalted(asset);
        // The token's answer covers a split pending behind the last one (ADR 0084): one call, no state decoding.
        uint256 splitAt = ASSET.lastSplitActivatedAt();
        if (splitAt != 0) {
            (,,, uint256 roundAt,) = RESERVES.latestRoundData(asset);
            if (roundAt < splitAt) revert SplitNotSettled(splitAt, roundAt);
        }
        // The token's own judgement (the same records and rules `transfer` uses; `canTransfer` minus the balance
        // and holder-cap reads, which the token applies to the real amount when wrap/unwrap move the RAT).
        (address from, address to) = ratIn ? (investor, address(this)) : (address(this), investor);
        TransferFacts memory facts = RECORDS.transferFacts(asset, from, from, to);
        TransferStatus status = ComplianceRules.evaluate(facts, from, to);
        if (status != TransferStatus.OK) revert InvestorNotEligible(investor, status);
    }

    // ---------------------------------------------------------------- callbacks never enabled

    /// @inheritdoc IHooks
    function afterInitialize(address, PoolKey calldata, uint160, int24) external pure returns (bytes4) {
        revert HookNotImplemented();
    }

    /// @inheritdoc IHooks
    function afterAddLiquidity(
        address,
        PoolKey calldata,
        ModifyLiquidityParams calldata,
        BalanceDelta,
        BalanceDelta,
        bytes calldata
    ) external pure returns (bytes4, BalanceDelta) {
        revert HookNotImplemented();
    }

    /// @inheritdoc IHooks
    function afterRemoveLiquidity(
        address,
        PoolKey calldata,
        ModifyLiquidityParams calldata,
        BalanceDelta,
        BalanceDelta,
        bytes calldata
    ) external pure returns (bytes4, BalanceDelta) {
        revert HookNotImplemented();
    }

    /// @inheritdoc IHooks
    function afterSwap(address, PoolKey calldata, SwapParams calldata, BalanceDelta, bytes calldata)
        external
        pure
        returns (bytes4, int128)
    {
        revert HookNotImplemented();
    }

    /// @inheritdoc IHooks
    function beforeDonate(address, PoolKey calldata, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        revert HookNotImplemented();
    }

    /// @inheritdoc IHooks
    function afterDonate(address, PoolKey calldata, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        revert HookNotImplemented();
    }
}
