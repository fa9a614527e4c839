// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {Request, RequestStatus} from "../../../contracts/interfaces/IMinter.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {RatSystem, N_COINS, N_HOLDERS} from "../helpers/RatFixture.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {Ghost} from "./Ghost.sol";

/// @title Everything an investor (or anyone) can do: transfer, approve + transferFrom, escrow a mint or a burn,
/// cancel an expired request on someone's behalf. Each action runs under the `watched` compliance/pause check.
contract InvestorHandler is HandlerBase {
    constructor(RatSystem memory system, Ghost ghost_) HandlerBase(system, ghost_) {}

    function transfer(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount) external watched {
        RealAssetToken t = _asset(assetSeed);
        address from = _investor(fromSeed);
        address to = _adversarialTarget(toSeed);
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        amount = _pick(amount, 1, balance);
        vm.prank(from);
        try t.transfer(to, amount) {
            ghost.succeeded("transfer");
        } catch {}
    }

    function approveAndTransferFrom(uint256 assetSeed, uint256 ownerSeed, uint256 spenderSeed, uint256 toSeed, uint256 amount)
        external
        watched
    {
        RealAssetToken t = _asset(assetSeed);
        address owner = _investor(ownerSeed);
        address spender = _target(spenderSeed);
        address to = _adversarialTarget(toSeed);
        uint256 balance = t.balanceOf(owner);
        if (balance == 0) return;
        amount = _pick(amount, 1, balance);
        vm.prank(owner);
        try t.approve(spender, amount) {} catch {
            return;
        }
        vm.prank(spender);
        try t.transferFrom(owner, to, amount) {
            ghost.succeeded("transferFrom");
        } catch {}
    }

    function requestMint(uint256 assetSeed, uint256 investorSeed, uint256 coinSeed, uint256 dollars, uint256 ttl)
        external
        watched
    {
        _escrowMint(assetSeed, investorSeed, coinSeed, dollars, ttl);
    }

    function requestBurn(uint256 assetSeed, uint256 investorSeed, uint256 coinSeed, uint256 shares, uint256 ttl)
        external
        watched
    {
        RealAssetToken t = _asset(assetSeed);
        address investor = _investor(investorSeed);
        TestStablecoin coin = s.coins[coinSeed % N_COINS];
        uint256 balance = t.balanceOf(investor);
        if (balance == 0) return;
        shares = _pick(shares, 1, balance);
        uint256 minPrice = _unitPrice(address(coin)) * _pick(ttl >> 64, 80, 100) / 100;
        uint256 deadline = block.timestamp + _pick(ttl, 1 days, 7 days);
        vm.prank(investor);
        try t.approve(address(s.minter), shares) {} catch {
            return;
        }
        vm.prank(investor);
        try s.minter.requestBurn(address(t), address(coin), shares, minPrice, deadline) returns (bytes32 id) {
            ghost.addRequest(id, t.multiplier());
            ghost.succeeded("requestBurn");
        } catch {}
    }

    /// Anyone may cancel a pending request once its deadline passed; one call in eight moves the clock past it.
    function cancel(uint256 requestSeed, uint256 callerSeed) external watched {
        bool moveClock = (callerSeed >> 8) % 8 == 0;
        bytes32 id = _request(requestSeed);
        if (id == bytes32(0)) return;
        Request memory req = s.minter.getRequest(id);
        if (moveClock && req.status == RequestStatus.PENDING && block.timestamp <= req.deadline) {
            vm.warp(uint256(req.deadline) + 1);
        }
        vm.prank(s.holders[callerSeed % N_HOLDERS]);
        try s.minter.cancel(id) {
            ghost.closed(id);
            ghost.succeeded("cancel");
        } catch {}
    }
}
