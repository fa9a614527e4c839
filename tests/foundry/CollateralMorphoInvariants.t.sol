// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {RatFixture, N_INVESTORS} from "./helpers/RatFixture.sol";
import {MorphoHandler, IMorphoFull, IReservePublisher} from "./handlers/MorphoHandler.sol";
import {RatEquityOracle, IReserveRoundSource} from "../../contracts/venues/RatEquityOracle.sol";
import {RatMarketCalendar} from "../../contracts/venues/RatMarketCalendar.sol";
import {RatMorphoGateway} from "../../contracts/venues/RatMorphoGateway.sol";
import {RatFixedRateIrm} from "../../contracts/venues/RatFixedRateIrm.sol";
import {MorphoMarketParams} from "../../contracts/venues/interfaces/IMorphoBlue.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";

interface IMorphoAdmin {
    function enableIrm(address irm) external;
    function enableLltv(uint256 lltv) external;
    function createMarket(MorphoMarketParams memory marketParams) external;
    function supply(MorphoMarketParams memory, uint256, uint256, address, bytes memory)
        external
        returns (uint256, uint256);
    function setAuthorization(address authorized, bool newIsAuthorized) external;
}

/// @title ADR 0102 over the real Morpho Blue (issue 19 "Done when"): the unmodified npm build of Morpho (deployed from
/// the artifact `rat.venues.morpho.build_artifact` writes; `make test` builds it first), a real RAT equity as
/// collateral with Morpho and the gateway as its registered venues (the gateway Morpho's exit), RatEquityOracle on
/// a Mon-Fri calendar, the gateway and our fixed-rate IRM. Under random pledges, borrows (gateway and direct),
/// repays, withdrawals, liquidations by eligible and ineligible actors, clock moves, price moves, freezes and whole
/// splits: no borrow beyond what the price state allows, no split changes a position's health, no closure alone
/// liquidates, collateral reaches only addresses the token accepts and leaves Morpho only through the gateway, and
/// a frozen borrower withdraws nothing.
contract CollateralMorphoInvariants is RatFixture, IReservePublisher {
    /// The Morpho build `rat.venues.morpho.build_artifact` caches (name = first 16 hex of the pinned source digest,
    /// deployments/morpho-blue.json `build.source_sha256`).
    string private constant MORPHO_ARTIFACT = ".build/morpho-blue/Morpho-8bb530cce23ba412.json";
    uint256 private constant MONDAY = 1_767_571_200; // 2026-01-05T00:00:00Z
    uint32 private constant OPEN_OFFSET = 14 hours + 30 minutes;
    uint32 private constant CLOSE_OFFSET = 21 hours;
    uint256 private constant LLTV = 625e15;
    uint256 private constant RATE_PER_SECOND = 5e16 / uint256(365 days);

    MorphoHandler internal handler;
    RealAssetToken internal token;
    address internal morpho;

    function setUp() public {
        _deploySystem();
        token = sys.assets[0];
        vm.warp(MONDAY + OPEN_OFFSET + 60);
        morpho = _deployMorpho();
        (MorphoMarketParams memory params, RatMorphoGateway gateway) = _createMarket();
        address[] memory actors = _fundActors(address(gateway));
        TestStablecoin usdc = TestStablecoin(params.loanToken);
        usdc.mint(address(this), 1_000_000e6);
        usdc.approve(morpho, type(uint256).max);
        IMorphoAdmin(morpho).supply(params, 1_000_000e6, 0, address(this), "");
        handler = new MorphoHandler(IMorphoFull(morpho), gateway, params, sys.registry, sys.timelock, sys.operator,
            this, actors);
        usdc.transferOwnership(address(handler));
        RatEquityOracle oracle = RatEquityOracle(params.oracle);
        oracle.grantRole(oracle.ORACLE_ADMIN_ROLE(), address(handler));
        targetContract(address(handler));
    }

    /// The unmodified Morpho Blue build, owned by this suite (which enables the IRM and LLTV).
    function _deployMorpho() private returns (address deployed) {
        bytes memory creation = vm.parseJsonBytes(vm.readFile(MORPHO_ARTIFACT), ".bytecode");
        bytes memory init = abi.encodePacked(creation, abi.encode(address(this)));
        assembly {
            deployed := create(0, add(init, 0x20), mload(init))
        }
        require(deployed != address(0), "Morpho did not deploy");
    }

    /// Calendar (Mon-Fri sessions), feed, USDC, oracle, gateway (governance: the timelock), IRM and the market; Morpho
    /// and the gateway become registered venues of the token.
    function _createMarket() private returns (MorphoMarketParams memory params, RatMorphoGateway gateway) {
        RatMarketCalendar calendar = new RatMarketCalendar(bytes4("XNYS"), address(this), address(this));
        uint32[] memory opens = new uint32[](150);
        uint32[] memory closes = new uint32[](150);
        for (uint256 i; i < 150; ++i) {
            if (i % 7 < 5) (opens[i], closes[i]) = (OPEN_OFFSET, CLOSE_OFFSET);
        }
        calendar.publish(MONDAY / 1 days, opens, closes);
        TestStablecoin usdc = new TestStablecoin("USD Coin", "USDC", 6, address(this));
        RatEquityOracle oracle = new RatEquityOracle(new MockV3Aggregator(8, 100e8), address(token), address(usdc),
            IReserveRoundSource(address(sys.reserves)), calendar, address(this),
            RatEquityOracle.Params(3_600, 1_000, 200, 100, 1_500, 1 days));
        oracle.acceptReviewedPrice();
        gateway = new RatMorphoGateway(IMorphoFull(morpho), sys.timelock);
        oracle.setGateway(address(gateway));
        RatFixedRateIrm irm = new RatFixedRateIrm(morpho, RATE_PER_SECOND);
        params = MorphoMarketParams(address(usdc), address(token), address(oracle), address(irm), LLTV);
        IMorphoAdmin(morpho).enableIrm(address(irm));
        IMorphoAdmin(morpho).enableLltv(LLTV);
        IMorphoAdmin(morpho).createMarket(params);
        vm.startPrank(sys.timelock);
        sys.registry.grantRole(sys.registry.VENUE_LISTING_ROLE(), sys.timelock);
        sys.registry.registerVenue(address(token), morpho, keccak256("list-morpho"));
        sys.registry.registerVenue(address(token), address(gateway), keccak256("list-gateway"));
        sys.registry.setVenueExit(address(token), morpho, address(gateway), keccak256("list-gateway"));
        vm.stopPrank();
    }

    /// Each investor holds 200 rAAPL; every actor (the stranger included) approves Morpho and authorises the gateway.
    function _fundActors(address gateway) private returns (address[] memory actors) {
        address tl = sys.timelock;
        actors = new address[](N_INVESTORS + 1);
        vm.startPrank(tl);
        token.grantRole(token.MINTER_ROLE(), tl);
        for (uint256 i; i < N_INVESTORS; ++i) {
            actors[i] = sys.holders[i];
            token.mint(sys.holders[i], 200 * SHARE);
        }
        token.revokeRole(token.MINTER_ROLE(), tl);
        vm.stopPrank();
        actors[N_INVESTORS] = sys.holders[N_INVESTORS]; // the stranger: never KYC'd
        for (uint256 i; i < actors.length; ++i) {
            vm.startPrank(actors[i]);
            token.approve(morpho, type(uint256).max);
            IMorphoAdmin(morpho).setAuthorization(gateway, true);
            vm.stopPrank();
        }
    }

    /// @notice The custodian's post-split round (the fixture holds its key).
    function publishReserveRound() external {
        require(msg.sender == address(handler), "handler only");
        _publishRound(address(token), 1_000 * SHARE, uint64(block.timestamp));
    }

    function invariant_noBorrowBeyondWhatThePriceStateAllows() public view {
        assertEq(handler.violations(handler.RULE_BORROW_BEYOND_ALLOWED_PRICE()), 0, "borrow beyond allowed price");
    }

    function invariant_aSplitChangesNoPositionsHealth() public view {
        assertEq(handler.violations(handler.RULE_SPLIT_CHANGES_HEALTH()), 0, "a split changed health");
    }

    function invariant_closureAloneLiquidatesNobody() public view {
        assertEq(handler.violations(handler.RULE_CLOSURE_LIQUIDATES()), 0, "closure liquidated a healthy position");
    }

    function invariant_collateralReachesOnlyEligibleAddresses() public view {
        assertEq(handler.violations(handler.RULE_COLLATERAL_TO_INELIGIBLE()), 0, "collateral to an ineligible address");
    }

    function invariant_collateralLeavesMorphoOnlyThroughTheGateway() public view {
        assertEq(handler.violations(handler.RULE_PAID_OUT_PAST_THE_GATEWAY()), 0, "Morpho paid RAT past the gateway");
    }

    function invariant_aFrozenBorrowerWithdrawsNothing() public view {
        assertEq(handler.violations(handler.RULE_FROZEN_BORROWER_WITHDRAWS()), 0, "a frozen borrower withdrew");
    }

    function invariant_aFrozenBorrowerBorrowsNothing() public view {
        assertEq(handler.violations(handler.RULE_FROZEN_BORROWER_BORROWS()), 0, "a frozen borrower borrowed");
    }

    function afterInvariant() external {
        emit log_named_uint("borrows through the gateway", handler.counts("borrow-gateway"));
        emit log_named_uint("direct borrows", handler.counts("borrow-direct"));
        emit log_named_uint("liquidations", handler.counts("liquidation"));
        emit log_named_uint("withdrawals", handler.counts("withdraw"));
        emit log_named_uint("settled splits", handler.counts("split"));
    }
}
