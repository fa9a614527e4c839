// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";

/// @notice The one view of the home chain's CCIP pool this feed reads (RatCcipPool.netBridgedOut).
interface IBridgedOutLedger {
    /// @notice Tokens burned on this chain for other chains less tokens minted here from them.
    function netBridgedOut() external view returns (uint256);
}

/// @title CrossChainReserveFeed
/// @notice The reserves left for the home chain's supply: the underlying proof-of-reserve round minus the shares
/// the asset's supply on other chains represents (the home CCIP pool's net bridged-out tokens × the multiplier,
/// rounded up). Pointed at by the Minter's secure-mint guard (`setReserveFeed`), it makes the guard's
/// `home supply × multiplier ≤ answer` the same as `Σ over chains of supply × multiplier ≤ reserves` (ADR 0106),
/// without a line of the Minter changing: a mint on the home chain counts the supply living elsewhere.
/// Round id, timestamps and answeredInRound are the underlying round's, so the guard's staleness, completeness and
/// post-split checks judge the custodian's round as before.
contract CrossChainReserveFeed is AggregatorV3Interface {
    /// @notice RAT tokens have 18 decimals on every chain; 1e18 multiplier = one share per token.
    uint256 public constant SCALE = 1e18;
    uint8 public constant TOKEN_DECIMALS = 18;
    uint256 public constant VERSION = 1;

    /// @notice The custodian's reserve feed (our ReserveFeed over the ReserveRegistry, or a Chainlink PoR feed).
    AggregatorV3Interface public immutable UNDERLYING;
    /// @notice The equity whose multiplier converts bridged tokens to shares.
    IRealAssetToken public immutable TOKEN;
    /// @notice The home chain's CCIP pool of TOKEN.
    IBridgedOutLedger public immutable POOL;
    uint8 private immutable FEED_DECIMALS;

    error ZeroAddress();

    /// @param underlying The reserve feed the Minter read before (shares in custody).
    /// @param token The equity on the home chain.
    /// @param pool The home chain's RatCcipPool for `token`.
    constructor(AggregatorV3Interface underlying, IRealAssetToken token, IBridgedOutLedger pool) {
        if (address(underlying) == address(0) || address(token) == address(0) || address(pool) == address(0)) {
            revert ZeroAddress();
        }
        UNDERLYING = underlying;
        TOKEN = token;
        POOL = pool;
        FEED_DECIMALS = underlying.decimals();
    }

    /// @notice The underlying feed's decimals.
    function decimals() external view returns (uint8) {
        return FEED_DECIMALS;
    }

    /// @notice What the feed reports.
    function description() external pure returns (string memory) {
        return "shares in custody not backing other chains' supply";
    }

    /// @notice Interface version of this adapter.
    function version() external pure returns (uint256) {
        return VERSION;
    }

    /// @notice Past rounds are the underlying's, net of today's bridged-out supply (the ledger has no history).
    /// @param roundId Underlying round id.
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) =
            UNDERLYING.getRoundData(roundId);
        return (id, _net(answer), startedAt, updatedAt, answeredIn);
    }

    /// @notice The latest underlying round, its answer less the shares other chains' supply represents (floored
    /// at zero; a negative underlying answer passes through for the guard to refuse).
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) =
            UNDERLYING.latestRoundData();
        return (id, _net(answer), startedAt, updatedAt, answeredIn);
    }

    /// @notice Shares (in this feed's decimals, rounded up) that the supply on other chains represents now.
    function remoteShares() public view returns (uint256) {
        uint256 shares = Math.ceilDiv(POOL.netBridgedOut() * TOKEN.multiplier(), SCALE);
        uint8 d = FEED_DECIMALS;
        if (d == TOKEN_DECIMALS) return shares;
        if (d > TOKEN_DECIMALS) return shares * 10 ** (d - TOKEN_DECIMALS);
        return Math.ceilDiv(shares, 10 ** (TOKEN_DECIMALS - d));
    }

    function _net(int256 answer) private view returns (int256) {
        if (answer < 0) return answer;
        uint256 remote = remoteShares();
        uint256 reserves = uint256(answer);
        return reserves > remote ? int256(reserves - remote) : int256(0);
    }
}
