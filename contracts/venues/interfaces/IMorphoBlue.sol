// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A Morpho Blue market's identity; its id is `keccak256(abi.encode(params))`.
/// @dev Written from Morpho Blue's published ABI (our own MIT declaration: Morpho's sources are BUSL-1.1 and
/// GPL-2.0 and are never compiled into RAT contracts). Field order and types must match the ABI exactly.
struct MorphoMarketParams {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

/// @notice A Morpho Blue market's totals, as returned by `market(id)`.
struct MorphoMarket {
    uint128 totalSupplyAssets;
    uint128 totalSupplyShares;
    uint128 totalBorrowAssets;
    uint128 totalBorrowShares;
    uint128 lastUpdate;
    uint128 fee;
}

/// @title IMorphoBlue: the subset of Morpho Blue's external functions RAT's venue contracts call.
interface IMorphoBlue {
    /// @notice Borrows `assets` (or `shares`) on behalf of `onBehalf` (who must have authorised the caller) and
    /// sends them to `receiver`; Morpho then checks the position's health with `oracle.price()`.
    function borrow(
        MorphoMarketParams memory marketParams,
        uint256 assets,
        uint256 shares,
        address onBehalf,
        address receiver
    ) external returns (uint256 assetsBorrowed, uint256 sharesBorrowed);

    /// @notice Withdraws collateral of `onBehalf` to `receiver`; Morpho checks health with `oracle.price()` when
    /// the position has debt.
    function withdrawCollateral(
        MorphoMarketParams memory marketParams,
        uint256 assets,
        address onBehalf,
        address receiver
    ) external;

    /// @notice Liquidates an unhealthy position: seizes collateral to the caller, then pulls the repaid loan
    /// tokens from it (after `onMorphoLiquidate` when `data` is not empty).
    function liquidate(
        MorphoMarketParams memory marketParams,
        address borrower,
        uint256 seizedAssets,
        uint256 repaidShares,
        bytes memory data
    ) external returns (uint256 seized, uint256 repaid);

    /// @notice Repays `assets` (or `shares`) of `onBehalf`'s debt (anyone may repay anyone's debt); pulls the loan
    /// tokens from the caller, after `onMorphoRepay` when `data` is not empty. Never reads the oracle.
    function repay(
        MorphoMarketParams memory marketParams,
        uint256 assets,
        uint256 shares,
        address onBehalf,
        bytes memory data
    ) external returns (uint256 assetsRepaid, uint256 sharesRepaid);

    /// @notice A position: supply shares, borrow shares and collateral of `user` in market `id`.
    function position(bytes32 id, address user)
        external
        view
        returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral);

    /// @notice Whether `authorized` may manage `authorizer`'s positions (set only by `authorizer`, directly or
    /// by signature).
    function isAuthorized(address authorizer, address authorized) external view returns (bool);

    /// @notice The parameters of a created market.
    function idToMarketParams(bytes32 id)
        external
        view
        returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv);
}

/// @title IMorphoOracle: the price Morpho Blue reads, of 1 collateral base unit in loan base units, scaled 1e36.
interface IMorphoOracle {
    /// @notice The price of 1 collateral base unit quoted in loan base units, scaled by 1e36.
    function price() external view returns (uint256);
}

/// @title IMorphoIrm: an interest-rate model Morpho Blue calls on every interest accrual.
interface IMorphoIrm {
    /// @notice The borrow rate per second (WAD) of a market; may update the model's state (Morpho only).
    function borrowRate(MorphoMarketParams memory marketParams, MorphoMarket memory market)
        external
        returns (uint256);

    /// @notice The borrow rate per second (WAD) of a market, without changing state.
    function borrowRateView(MorphoMarketParams memory marketParams, MorphoMarket memory market)
        external
        view
        returns (uint256);
}

/// @title IMorphoLiquidateCallback: called by Morpho Blue during `liquidate` when `data` is not empty.
interface IMorphoLiquidateCallback {
    /// @notice Morpho has sent the seized collateral and is about to pull `repaidAssets` loan tokens.
    function onMorphoLiquidate(uint256 repaidAssets, bytes calldata data) external;
}

/// @title IMorphoRepayCallback: called by Morpho Blue during `repay` when `data` is not empty.
interface IMorphoRepayCallback {
    /// @notice Morpho has reduced the debt and is about to pull `assets` loan tokens from the caller.
    function onMorphoRepay(uint256 assets, bytes calldata data) external;
}
