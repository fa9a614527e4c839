// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {Request, RequestKind, RequestStatus, Fill, AttestorRole} from "../../../contracts/interfaces/IMinter.sol";
import {FeeBucket} from "../../../contracts/interfaces/IFeeVault.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {RatSystem, N_ATTESTORS, N_COINS, N_INVESTORS, N_HOLDERS} from "../helpers/RatFixture.sol";
import {RatEip712} from "../helpers/RatEip712.sol";
import {SecureMint} from "../../../contracts/reserves/SecureMint.sol";
import {HandlerBase, IReserveRounds, IPublish} from "./HandlerBase.sol";
import {Ghost} from "./Ghost.sol";

/// @title Everything operators do (and the custodian, attestors and would-be upgraders): attested fulfilments with
/// arbitrary signer sets, rejects, attempts to close closed requests again, reserve rounds, KYC writes and revokes,
/// freezes, jurisdiction blocks, pauses, forced transfers and burns, fee changes and withdrawals, the clock, and
/// upgrades attempted by every kind of caller.
contract OperatorHandler is HandlerBase {
    bytes32 private constant CASE_FILE = keccak256("court-order-2026-001");
    bytes4 private _lastRefusal; // selector of the last refused mint fill's error

    /// Why a fill was refused (visible in -vvvv traces; refusals are expected, e.g. over reserves or no quorum).
    event FillRefused(bytes32 indexed requestId, bytes reason);

    constructor(RatSystem memory system, Ghost ghost_) HandlerBase(system, ghost_) {}

    // ------------------------------------------------------------------ settlement

    function fulfillMint(uint256 requestSeed, uint256 part, uint256 signerSeed) external watched {
        (bytes32 id, Request memory req) = _requestWithStatus(requestSeed, RequestStatus.PENDING, true);
        // Nothing to fill, or (one time in two) only an expired request, e.g. after a jump to a split's activation:
        // an investor escrows one first, so fills (and the reserve guard) stay frequent.
        if (id != bytes32(0) && block.timestamp > req.deadline && part % 2 == 0) id = bytes32(0);
        if (id == bytes32(0)) {
            id = _escrowMint(requestSeed, requestSeed >> 8, requestSeed >> 16, part, signerSeed >> 16);
            if (id == bytes32(0)) return;
            req = s.minter.getRequest(id);
        }
        _settle(_mintFill(id, req, part), req, signerSeed);
    }

    /// Heartbeat edges: an investor escrows a mint, the clock moves to the last second the asset's latest reserve
    /// round is fresh (updatedAt + heartbeat == now) or the second after, and the mint is filled. A fill in the
    /// second after must be refused (stale reserves); one in the last fresh second must not be refused as stale (it
    /// may fail for other reasons: quorum, reserves, price), and a settled one is counted in the ghost's successes.
    function fulfillMintAtHeartbeat(uint256 requestSeed, uint256 part, uint256 signerSeed, bool after_)
        external
        watched
    {
        bytes32 id = _escrowMint(requestSeed, requestSeed >> 8, requestSeed >> 16, part, signerSeed >> 16);
        if (id == bytes32(0)) return;
        Request memory req = s.minter.getRequest(id);
        address asset = s.minter.assetById(req.assetId);
        uint256 edge = _reserveUpdatedAt(asset) + s.minter.assetConfig(asset).reserveHeartbeat + (after_ ? 1 : 0);
        if (edge < block.timestamp || edge > req.deadline) return;
        vm.warp(edge);
        bool ok = _settle(_mintFill(id, req, part), req, signerSeed);
        // Stale reserves accepted, or fresh ones (the last second of the heartbeat) refused as stale.
        if (ok ? after_ : (!after_ && _lastRefusal == SecureMint.ReserveStale.selector)) ghost.heartbeatMiss();
        if (ok && !after_) ghost.succeeded("fillAtHeartbeatSecond");
    }

    function fulfillBurn(uint256 requestSeed, uint256 part, uint256 signerSeed) external watched {
        (bytes32 id, Request memory req) = _requestWithStatus(requestSeed, RequestStatus.PENDING, false);
        if (id == bytes32(0)) return;
        _settle(_burnFill(id, req, part), req, signerSeed);
    }

    /// One call in three rejects (so that most requests live long enough to be filled or to expire).
    function reject(uint256 requestSeed, uint8 reason) external watched {
        if (requestSeed % 3 != 0) return;
        bytes32 id = _request(requestSeed >> 2);
        if (id == bytes32(0)) return;
        vm.prank(s.operator);
        try s.minter.reject(id, reason) {
            ghost.closed(id);
            ghost.succeeded("reject");
        } catch {}
    }

    /// Tries every way of closing a request that is already closed; any success shows up in `closes`.
    function closeAgain(uint256 requestSeed, uint256 how) external watched {
        bytes32 id = _request(requestSeed);
        if (id == bytes32(0)) return;
        Request memory req = s.minter.getRequest(id);
        if (req.status == RequestStatus.PENDING || req.status == RequestStatus.NONE) return;
        uint256 mode = how % 3;
        if (mode == 0) {
            address asset = s.minter.assetById(req.assetId);
            uint256 price = _unitPrice(s.minter.paymentTokenById(req.paymentTokenId));
            Fill memory fill = _fill(id, 1, price, 0);
            (bytes[] memory sigs,) = _attest(fill, asset, req.account, 0);
            vm.prank(s.operator);
            if (req.kind == RequestKind.MINT) {
                try s.minter.fulfillMint(fill, sigs) {
                    ghost.closed(id);
                } catch {}
            } else {
                try s.minter.fulfillBurn(fill, sigs) {
                    ghost.closed(id);
                } catch {}
            }
        } else if (mode == 1) {
            if (block.timestamp <= req.deadline) vm.warp(uint256(req.deadline) + 1);
            try s.minter.cancel(id) {
                ghost.closed(id);
            } catch {}
        } else {
            vm.prank(s.operator);
            try s.minter.reject(id, 0) {
                ghost.closed(id);
            } catch {}
        }
    }

    // ------------------------------------------------------------------ reserves

    /// The custodian signs a new round (having bought or sold to hold it): the supply in shares after the multiplier
    /// plus a slack of whole tokens' worth of shares that is sometimes tight, sometimes negative.
    function publishReserves(uint256 assetSeed, uint256 slackSeed, uint256 ageSeed) external watched {
        address asset = address(_asset(assetSeed));
        uint80 latest = IReserveRounds(address(s.reserves)).latestRoundId(asset);
        (, uint64 previousAsOf,,,) = IPublish(address(s.reserves)).round(asset, latest);
        if (block.timestamp <= previousAsOf) vm.warp(uint256(previousAsOf) + 1);
        uint256 age = _pick(ageSeed, 0, 600);
        uint64 asOf = uint64(block.timestamp - age);
        if (asOf <= previousAsOf) asOf = uint64(block.timestamp);
        int256 slack = slackSeed % 2 == 0 ? int256(_pick(slackSeed >> 8, 0, 15)) - 5 : int256(_pick(slackSeed >> 8, 0, 300));
        int256 shares = int256(_supplyShares(asset)) + slack * int256(ghost.multiplierNow(asset));
        _publishRound(asset, shares < 0 ? 0 : uint256(shares), asOf);
        ghost.succeeded("publishReserves");
    }

    // ------------------------------------------------------------------ compliance

    function setInvestor(uint256 investorSeed, uint8 tier, uint256 countrySeed, uint256 validFor) external watched {
        bytes2[4] memory countries = [bytes2("BR"), bytes2("AR"), bytes2("US"), bytes2("DE")];
        vm.prank(s.operator);
        try s.registry.setInvestor(
            _investor(investorSeed),
            uint8(_pick(tier, 1, 3)),
            countries[countrySeed % 4],
            uint40(block.timestamp + _pick(validFor, 1 days, 120 days)),
            keccak256(abi.encode(investorSeed, validFor))
        ) {
            ghost.succeeded("setInvestor");
        } catch {}
    }

    /// One call in four revokes (disruptive actions are kept rarer than the flows they disrupt).
    function revokeInvestor(uint256 investorSeed) external watched {
        if (investorSeed % 4 != 0) return;
        vm.prank(s.operator);
        try s.registry.revokeInvestor(_investor(investorSeed), keccak256("revoked")) {
            ghost.succeeded("revokeInvestor");
        } catch {}
    }

    /// Freezes one call in three, unfreezes otherwise.
    function setFrozen(uint256 investorSeed, uint256 mode) external watched {
        bool frozen = mode % 3 == 0;
        address[] memory accounts = new address[](1);
        accounts[0] = _investor(investorSeed);
        vm.prank(s.operator);
        if (frozen) {
            try s.registry.freeze(accounts, keccak256("sanctions-list")) {
                ghost.succeeded("freeze");
            } catch {}
        } else {
            try s.registry.unfreeze(accounts, keccak256("delisted")) {
                ghost.succeeded("unfreeze");
            } catch {}
        }
    }

    /// Blocks one call in three, lifts the block otherwise.
    function setJurisdictionBlocked(uint256 assetSeed, uint256 countrySeed, uint256 mode) external watched {
        bool blocked = mode % 3 == 0;
        bytes2[] memory codes = new bytes2[](1);
        codes[0] = countrySeed % 2 == 0 ? bytes2("AR") : bytes2("US");
        vm.prank(s.operator);
        try s.registry.setJurisdictionsBlocked(address(_asset(assetSeed)), codes, blocked) {
            ghost.succeeded("setJurisdictionBlocked");
        } catch {}
    }

    /// Pauses one call in three, unpauses otherwise.
    function setPaused(uint256 assetSeed, uint256 mode) external watched {
        bool paused = mode % 3 == 0;
        RealAssetToken t = _asset(assetSeed);
        vm.prank(s.operator);
        if (paused) {
            try t.pause() {
                ghost.succeeded("pause");
            } catch {}
        } else {
            try t.unpause() {
                ghost.succeeded("unpause");
            } catch {}
        }
    }

    function forcedTransfer(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount) external watched {
        RealAssetToken t = _asset(assetSeed);
        address from = _investor(fromSeed);
        address to = _target(toSeed);
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        amount = _pick(amount, 1, balance);
        _markForced(address(t), to);
        vm.prank(s.operator);
        try t.forcedTransfer(from, to, amount, CASE_FILE) {
            ghost.succeeded("forcedTransfer");
        } catch {}
    }

    function forcedBurn(uint256 assetSeed, uint256 fromSeed, uint256 amount) external watched {
        RealAssetToken t = _asset(assetSeed);
        address from = _investor(fromSeed);
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        vm.prank(s.operator);
        try t.forcedBurn(from, _pick(amount, 1, balance), CASE_FILE) {
            ghost.succeeded("forcedBurn");
        } catch {}
    }

    // ------------------------------------------------------------------ fees

    function setFees(uint256 assetSeed, uint16 mintBps, uint16 burnBps) external watched {
        vm.prank(s.operator);
        try s.vault.setFees(address(_asset(assetSeed)), uint16(mintBps % 101), uint16(burnBps % 101)) {
            ghost.succeeded("setFees");
        } catch {}
    }

    function withdrawFees(uint256 coinSeed, bool insurance, uint256 fraction) external watched {
        address coin = address(s.coins[coinSeed % N_COINS]);
        (uint256 treasury, uint256 insured) = s.vault.buckets(coin);
        uint256 amount = (insurance ? insured : treasury) * _pick(fraction, 0, 100) / 100;
        vm.prank(s.operator);
        try s.vault.withdraw(coin, insurance ? FeeBucket.INSURANCE : FeeBucket.TREASURY, s.operator, amount) {
            ghost.feeOut(coin, amount);
            ghost.succeeded("withdrawFees");
        } catch {}
    }

    // ------------------------------------------------------------------ clock and upgrades

    function warp(uint256 secondsAhead) external watched {
        vm.warp(block.timestamp + _pick(secondsAhead, 1, 6 hours));
    }

    /// The timelock, the operator, an investor, the stranger or the Minter itself tries to upgrade one of the five
    /// upgradeable things to a spare (or the original) implementation.
    function upgrade(uint256 callerSeed, uint256 targetSeed) external watched {
        address[5] memory callers =
            [s.timelock, s.operator, s.holders[callerSeed % N_INVESTORS], s.holders[N_INVESTORS], address(s.minter)];
        address caller = callers[callerSeed % 5];
        uint256 target = targetSeed % 5;
        (address proxy, address next) = _upgradeTarget(target);
        bool ok;
        vm.prank(caller);
        if (target == 0) {
            try s.beacon.upgradeTo(next) {
                ok = true;
            } catch {}
        } else {
            try UUPSUpgradeable(proxy).upgradeToAndCall(next, "") {
                ok = true;
            } catch {}
        }
        if (!ok) return;
        ghost.expectImplementation(proxy, next);
        if (caller == s.timelock) ghost.succeeded("upgrade");
        else ghost.unauthorisedUpgrade();
    }

    // ------------------------------------------------------------------ internals

    /// Up to 99 % of what the escrow buys at the unit price (room for the fee), in quarters.
    function _mintFill(bytes32 id, Request memory req, uint256 part) private view returns (Fill memory) {
        address asset = s.minter.assetById(req.assetId);
        uint256 price = _unitPrice(s.minter.paymentTokenById(req.paymentTokenId));
        uint256 whole = uint256(req.amount) * SHARE / price * 9_900 / 10_000;
        uint256 shares = whole * _pick(part, 1, 4) / 4;
        if (shares == 0) shares = 1;
        uint256 cost = (shares * price + SHARE - 1) / SHARE;
        return _fill(id, shares, price, s.vault.quote(asset, RequestKind.MINT, cost));
    }

    /// A quarter to all of the escrowed shares at the unit price.
    function _burnFill(bytes32 id, Request memory req, uint256 part) private view returns (Fill memory) {
        address asset = s.minter.assetById(req.assetId);
        uint256 price = _unitPrice(s.minter.paymentTokenById(req.paymentTokenId));
        uint256 shares = uint256(req.amount) * _pick(part, 1, 4) / 4;
        if (shares == 0) shares = 1;
        return _fill(id, shares, price, s.vault.quote(asset, RequestKind.BURN, shares * price / SHARE));
    }

    /// Attests and submits a fill; on success records the close, the fee, a missing quorum, and whether supply
    /// ended above the latest attested reserves.
    /// The `updatedAt` of the reserve round the Minter's guard reads for `asset` (the registry, or its feed).
    function _reserveUpdatedAt(address asset) private view returns (uint256 updatedAt) {
        address feed = s.minter.assetConfig(asset).reserveFeed;
        if (feed == address(s.reserves)) (,,, updatedAt,) = IReserveRounds(feed).latestRoundData(asset);
        else (,,, updatedAt,) = AggregatorV3Interface(feed).latestRoundData();
    }

    function _settle(Fill memory fill, Request memory req, uint256 signerSeed) private returns (bool) {
        address asset = s.minter.assetById(req.assetId);
        (bytes[] memory sigs, bool quorate) = _attest(fill, asset, req.account, signerSeed);
        bool mint = req.kind == RequestKind.MINT;
        Balances memory before = _balances(asset, req);
        bool ok;
        _lastRefusal = bytes4(0);
        vm.prank(s.operator);
        if (mint) {
            try s.minter.fulfillMint(fill, sigs) {
                ok = true;
            } catch (bytes memory reason) {
                emit FillRefused(fill.requestId, reason);
                _lastRefusal = bytes4(reason);
            }
        } else {
            try s.minter.fulfillBurn(fill, sigs) {
                ok = true;
            } catch (bytes memory reason) {
                emit FillRefused(fill.requestId, reason);
            }
        }
        if (!ok) return false;
        ghost.closed(fill.requestId);
        ghost.feeIn(s.minter.paymentTokenById(req.paymentTokenId), fill.fees);
        ghost.succeeded(mint ? bytes32("fulfillMint") : bytes32("fulfillBurn"));
        if (!quorate) ghost.withoutQuorum();
        if (RealAssetToken(asset).multiplier() != ghost.multiplierAtRequest(fill.requestId)) {
            ghost.succeeded("fillAcrossMultiplier");
        }
        _checkSettlement(fill, req, before, _balances(asset, req));
        if (!mint) return true;
        if (ghost.multiplierNow(asset) != SHARE) ghost.succeeded("fulfillMintScaled");
        if (ghost.multiplierNow(asset) > SHARE) ghost.succeeded("fulfillMintAfterSplit");
        (, int256 reserves,,,) = IReserveRounds(address(s.reserves)).latestRoundData(asset);
        if (_supplyShares(asset) > uint256(reserves)) ghost.overReserves();
        return true;
    }

    struct Balances {
        uint256 supply;
        uint256 accountTokens;
        uint256 minterTokens;
        uint256 accountCoins;
    }

    function _balances(address asset, Request memory req) private view returns (Balances memory b) {
        IERC20Metadata coin = IERC20Metadata(s.minter.paymentTokenById(req.paymentTokenId));
        b.supply = RealAssetToken(asset).totalSupply();
        b.accountTokens = RealAssetToken(asset).balanceOf(req.account);
        b.minterTokens = RealAssetToken(asset).balanceOf(address(s.minter));
        b.accountCoins = coin.balanceOf(req.account);
    }

    /// A fill moves exactly its own terms in token units, whatever split or fee happened since the request: a mint
    /// adds `fill.shares` tokens to the supply and the investor and refunds the unspent escrow; a burn takes the
    /// whole token escrow out of the Minter, burns `fill.shares`, returns the rest and pays shares x price - fees.
    function _checkSettlement(Fill memory fill, Request memory req, Balances memory b, Balances memory a) private {
        bool exact;
        if (req.kind == RequestKind.MINT) {
            uint256 cost = (fill.shares * fill.price + SHARE - 1) / SHARE;
            exact = a.supply == b.supply + fill.shares && a.accountTokens == b.accountTokens + fill.shares
                && a.minterTokens == b.minterTokens && a.accountCoins == b.accountCoins + (req.amount - cost - fill.fees);
        } else {
            exact = a.supply + fill.shares == b.supply && a.accountTokens == b.accountTokens + (req.amount - fill.shares)
                && a.minterTokens + req.amount == b.minterTokens
                && a.accountCoins == b.accountCoins + fill.shares * fill.price / SHARE - fill.fees;
        }
        if (!exact) ghost.missettled();
    }

    function _fill(bytes32 id, uint256 shares, uint256 price, uint256 fees) private view returns (Fill memory) {
        return Fill({
            requestId: id,
            shares: shares,
            price: price,
            fees: fees,
            brokerOrderRef: keccak256(abi.encodePacked("broker", id)),
            custodyRef: keccak256(abi.encodePacked("custody", id)),
            deadline: block.timestamp + 1 hours
        });
    }

    /// Signs `fill` with a subset of the attestor keys (half the time a brokerage + custody pair, otherwise one of
    /// eight chosen subsets: one role only, two of one role, with the unregistered key, all), sorted by signer.
    /// Returns whether the subset should satisfy the Minter: >= 2 signers, both roles, no stranger.
    function _attest(Fill memory fill, address asset, address account, uint256 seed)
        private
        view
        returns (bytes[] memory sigs, bool quorate)
    {
        uint256 mask = (1 << (seed % 2)) | (1 << (2 + (seed >> 1) % 2));
        if ((seed >> 8) % 2 == 0) {
            // Half the fills try a subset that must not settle (or a full, redundant one that must).
            uint8[8] memory adversarial = [0x01, 0x04, 0x03, 0x0c, 0x15, 0x11, 0x0f, 0x1f];
            mask = adversarial[(seed >> 16) % 8];
        }
        bytes32 digest = RatEip712.fillDigest(address(s.minter), fill, asset, account);
        address[] memory signers = new address[](N_ATTESTORS);
        bytes[] memory all = new bytes[](N_ATTESTORS);
        uint256 n;
        bool brokerage;
        bool custody;
        bool stranger;
        for (uint256 i; i < N_ATTESTORS; ++i) {
            if (mask & (1 << i) == 0) continue;
            (uint8 v, bytes32 r, bytes32 ss) = vm.sign(s.attestorKeys[i], digest);
            address signer = vm.addr(s.attestorKeys[i]);
            uint256 j = n++;
            while (j > 0 && signers[j - 1] > signer) {
                signers[j] = signers[j - 1];
                all[j] = all[j - 1];
                --j;
            }
            signers[j] = signer;
            all[j] = abi.encodePacked(r, ss, v);
            AttestorRole role = s.attestorRoles[i];
            if (role == AttestorRole.BROKERAGE) brokerage = true;
            else if (role == AttestorRole.CUSTODY) custody = true;
            else stranger = true;
        }
        sigs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            sigs[i] = all[i];
        }
        quorate = n >= s.minter.quorum() && brokerage && custody && !stranger;
    }

    function _upgradeTarget(uint256 target) private view returns (address proxy, address next) {
        if (target == 0) return (address(s.beacon), s.spareTokenImpl);
        if (target == 1) return (address(s.registry), s.spareRegistryImpl);
        if (target == 2) return (address(s.minter), s.spareMinterImpl);
        if (target == 3) return (address(s.vault), s.spareVaultImpl);
        return (address(s.reserves), s.spareReservesImpl);
    }
}
