// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "../helpers/RatTest.sol";
import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {IMinter, Fill, Request, RequestStatus} from "../../../contracts/interfaces/IMinter.sol";
import {RoundReport} from "../../../contracts/interfaces/IReserveRegistry.sol";
import {MockV3Aggregator} from "../../../contracts/mocks/MockV3Aggregator.sol";
import {RatSystem, N_ASSETS, N_INVESTORS} from "../helpers/RatFixture.sol";
import {RatEip712} from "../helpers/RatEip712.sol";
import {IReserveRounds} from "./HandlerBase.sol";

/// @title Drives the review findings' properties (issue 17, ADR 0084) on the USDC leg: investors escrow burns and
/// mints, the sanctions officer freezes and unfreezes, KYC lapses, splits, reverse splits and the management fee
/// move the multiplier, and the relayer fills at the market price per token (feed price per share x multiplier).
/// Counts every violation for `ReviewInvariants`.
contract ReviewHandler is Cheats {
    uint256 internal constant SHARE = 1e18;
    uint256 internal constant USDC = 1e6;

    RatSystem internal s;
    MockV3Aggregator[N_ASSETS] internal feeds; // USD per share, 8 decimals
    bytes32[] internal requests;

    uint256 public paidWhileFrozen; // F1: a fill or refund moved value to a frozen investor
    uint256 public escrowStuck; // F3/F2: an unfrozen investor's expired escrow could not be cancelled back
    uint256 public marketFillRefused; // F4: a fill at the market price per token was refused by the band
    uint256 public marketFills; // fills at the market price that settled (the property is not vacuous)
    uint256 public returns_; // escrows cancelled back

    constructor(RatSystem memory system, MockV3Aggregator[N_ASSETS] memory feeds_) {
        s = system;
        feeds = feeds_;
    }

    function requestCount() external view returns (uint256) {
        return requests.length;
    }

    // ------------------------------------------------------------------ investors

    function requestBurn(uint256 investorSeed, uint256 assetSeed, uint256 amountSeed) external {
        address investor = s.holders[investorSeed % N_INVESTORS];
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        uint256 balance = t.balanceOf(investor);
        if (balance == 0) return;
        uint256 amount = 1 + amountSeed % balance;
        vm.prank(investor);
        try t.approve(address(s.minter), amount) {} catch { return; }
        vm.prank(investor);
        try s.minter.requestBurn(address(t), address(s.coins[0]), amount, 0, block.timestamp + 1 days) returns (
            bytes32 id
        ) {
            requests.push(id);
        } catch {}
    }

    function requestMint(uint256 investorSeed, uint256 assetSeed) external {
        address investor = s.holders[investorSeed % N_INVESTORS];
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        uint256 amount = 50_000 * USDC;
        vm.prank(s.timelock);
        s.coins[0].mint(investor, amount);
        vm.prank(investor);
        s.coins[0].approve(address(s.minter), amount);
        vm.prank(investor);
        try s.minter.requestMint(address(t), address(s.coins[0]), amount, type(uint128).max, block.timestamp + 1 days)
        returns (bytes32 id) {
            requests.push(id);
        } catch {}
    }

    // ------------------------------------------------------------------ compliance

    function freeze(uint256 investorSeed) external {
        address[] memory who = new address[](1);
        who[0] = s.holders[investorSeed % N_INVESTORS];
        vm.prank(s.operator);
        try s.registry.freeze(who, keccak256("sanctions")) {} catch {}
    }

    function unfreeze(uint256 investorSeed) external {
        address[] memory who = new address[](1);
        who[0] = s.holders[investorSeed % N_INVESTORS];
        vm.prank(s.operator);
        try s.registry.unfreeze(who, keccak256("delisted")) {} catch {}
    }

    /// The investor's KYC lapses in a minute (renewal missed).
    function lapse(uint256 investorSeed) external {
        address investor = s.holders[investorSeed % N_INVESTORS];
        vm.prank(s.operator);
        try s.registry.setInvestor(investor, 1, "BR", uint40(block.timestamp + 60), keccak256("lapse")) {} catch {}
    }

    // ------------------------------------------------------------------ corporate actions and time

    /// Schedules a split or reverse split, lets it take effect, moves the feed's price per share accordingly and
    /// has the custodian report (post-split) reserves with room.
    function split(uint256 assetSeed, uint256 ratioSeed) external {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        uint32[4] memory nums = [uint32(2), 1, 3, 1];
        uint32[4] memory dens = [uint32(1), 2, 1, 4];
        uint256 i = ratioSeed % 4;
        (, uint32 version) = t.multiplierState();
        uint40 at = uint40(block.timestamp + 1 days + 1);
        vm.prank(s.timelock);
        try t.scheduleSplit(nums[i], dens[i], at, version, keccak256("notice")) {} catch { return; }
        vm.warp(at + 1);
        MockV3Aggregator feed = feeds[assetSeed % N_ASSETS];
        (, int256 price,,,) = feed.latestRoundData();
        feed.updateAnswer(price * int256(uint256(dens[i])) / int256(uint256(nums[i])));
        _publish(address(t));
    }

    function setManagementFee(uint256 assetSeed, uint256 bpsSeed) external {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        vm.prank(address(s.vault));
        try t.setManagementFee(uint16(bpsSeed % 201)) {} catch {}
    }

    function passTime(uint256 secondsSeed) external {
        vm.warp(block.timestamp + secondsSeed % 30 days);
        for (uint256 a; a < N_ASSETS; ++a) {
            MockV3Aggregator feed = feeds[a];
            (, int256 price,,,) = feed.latestRoundData();
            feed.updateAnswer(price); // the market keeps quoting
        }
    }

    // ------------------------------------------------------------------ the relayer

    /// Fills a pending request in full at the market price per token: feed price per share x multiplier.
    function fillAtMarket(uint256 requestSeed) external {
        if (requests.length == 0) return;
        bytes32 id = requests[requestSeed % requests.length];
        Request memory req = s.minter.getRequest(id);
        if (req.status != RequestStatus.PENDING || block.timestamp > req.deadline) return;
        RealAssetToken t = RealAssetToken(s.minter.assetById(req.assetId));
        _publish(address(t));
        uint256 price = _marketPricePerToken(t);
        if (price == 0) return;
        bool burn = uint8(req.kind) == 1;
        uint256 tokens = burn ? req.amount : req.amount * SHARE / price / 2; // half the escrow covers fee too
        if (tokens == 0) return;
        (uint256 mintBps, uint256 burnBps) = _feeBps(t);
        uint256 notional = burn ? tokens * price / SHARE : (tokens * price + SHARE - 1) / SHARE;
        uint256 fees = notional * (burn ? burnBps : mintBps) / 10_000;
        Fill memory fill = Fill(id, tokens, price, fees, keccak256("broker"), keccak256("custody"), block.timestamp + 1);
        bytes[] memory sigs = _attest(fill, address(t), req.account);
        bool frozen = s.records.isFrozen(req.account);
        bool settled;
        bytes memory reason;
        if (burn) {
            try this.callBurn(fill, sigs) { settled = true; } catch (bytes memory r) { reason = r; }
        } else {
            try this.callMint(fill, sigs) { settled = true; } catch (bytes memory r) { reason = r; }
        }
        if (settled) {
            ++marketFills;
            if (frozen) ++paidWhileFrozen;
        } else if (reason.length >= 4 && bytes4(reason) == IMinter.PriceOutsideBand.selector) {
            ++marketFillRefused;
        }
    }

    /// External hops so the handler can pick the Minter function and still prank the submitter.
    function callBurn(Fill memory fill, bytes[] memory sigs) external {
        require(msg.sender == address(this), "internal hop");
        vm.prank(s.operator);
        s.minter.fulfillBurn(fill, sigs);
    }

    function callMint(Fill memory fill, bytes[] memory sigs) external {
        require(msg.sender == address(this), "internal hop");
        vm.prank(s.operator);
        s.minter.fulfillMint(fill, sigs);
    }

    /// After its deadline anyone cancels a request: an unfrozen investor always gets the whole escrow back; a frozen
    /// one never gets anything.
    function cancelExpired(uint256 requestSeed) external {
        if (requests.length == 0) return;
        bytes32 id = requests[requestSeed % requests.length];
        Request memory req = s.minter.getRequest(id);
        if (req.status != RequestStatus.PENDING) return;
        if (block.timestamp <= req.deadline) vm.warp(uint256(req.deadline) + 1);
        bool frozen = s.records.isFrozen(req.account);
        bool paused = s.records.policy(s.minter.assetById(req.assetId)).paused;
        try s.minter.cancel(id) {
            ++returns_;
            if (frozen) ++paidWhileFrozen;
        } catch {
            if (!frozen && !paused) ++escrowStuck;
        }
    }

    // ------------------------------------------------------------------ helpers

    function _marketPricePerToken(RealAssetToken t) internal view returns (uint256) {
        uint256 a;
        while (address(s.assets[a]) != address(t)) ++a;
        (, int256 perShare,,,) = feeds[a].latestRoundData();
        return uint256(perShare) / 100 * t.multiplier() / SHARE; // 8 -> 6 decimals, then per token
    }

    /// The rates RatFixture sets through the vault: asset a pays 10a bps on mints and 25a on burns.
    function _feeBps(RealAssetToken t) internal view returns (uint256 mintBps, uint256 burnBps) {
        uint256 a;
        while (address(s.assets[a]) != address(t)) ++a;
        return (10 * a, 25 * a);
    }

    function _publish(address asset) internal {
        uint80 next = IReserveRounds(address(s.reserves)).latestRoundId(asset) + 1;
        uint256 shares = RealAssetToken(asset).totalShares() + 1_000_000 * SHARE;
        RoundReport memory r = RoundReport({
            asset: asset,
            roundId: next,
            shares: shares,
            asOf: uint64(block.timestamp),
            merkleRoot: keccak256(abi.encodePacked("lots", asset, next)),
            statementURI: "ipfs://rat/reserves/statement.json",
            statementHash: keccak256(abi.encodePacked("statement", asset, next))
        });
        (uint8 v, bytes32 rs, bytes32 ss) = vm.sign(s.custodianKey, RatEip712.roundDigest(address(s.reserves), r));
        vm.prank(s.operator);
        try s.reserves.publishRound(r, abi.encodePacked(rs, ss, v)) {} catch {}
    }

    /// The first brokerage key and the first custody key, sorted by signer.
    function _attest(Fill memory fill, address asset, address account) internal view returns (bytes[] memory sigs) {
        bytes32 digest = RatEip712.fillDigest(address(s.minter), fill, asset, account);
        uint256[2] memory keys = [s.attestorKeys[0], s.attestorKeys[2]];
        if (vm.addr(keys[0]) > vm.addr(keys[1])) (keys[0], keys[1]) = (keys[1], keys[0]);
        sigs = new bytes[](2);
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 ss) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(r, ss, v);
        }
    }
}
