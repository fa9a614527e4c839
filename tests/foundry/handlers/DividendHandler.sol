// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DividendDistributor, DistributionTerms} from "../../../contracts/corporate/DividendDistributor.sol";
import {ComplianceRegistry} from "../../../contracts/compliance/ComplianceRegistry.sol";
import {IComplianceRecords} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {PathModel} from "../helpers/PathModel.sol";
import {DividendTree} from "../helpers/DividendTree.sol";

/// @title Random sequences over every path that moves a dividend's money — create (fund), claim, cancel, sweep —
/// with the withholding table, freezes and the clock changing in between; claims and sweeps land on the deadline
/// second and the second after it.
/// @dev The ghost here is an independent model: per distribution the funded gross, the gross paid, the holders
/// paid, cancelled / swept; the withholding table and the freezes as set. Each action predicts its outcome (success
/// or refusal, and the amounts) from the model before calling, and counts per path the outcomes that differ; the
/// invariants require zero differences and the distributor's balance to equal the model's unpaid money.
contract DividendHandler is PathModel {
    DividendDistributor public immutable dist;
    TestStablecoin public immutable usdc;
    ComplianceRegistry public immutable registry;
    IComplianceRecords public immutable records;
    address public immutable asset;
    address public immutable operator;
    address public immutable admin;
    address[4] public holders;
    bytes2[3] private jurisdictions = [bytes2("BR"), "AR", "US"];

    struct Model {
        DividendTree.Tree tree;
        uint256 total;
        uint256 paid; // gross of every claim
        uint40 deadline;
        bool cancelled;
        bool swept;
        mapping(address => bool) claimed;
    }

    uint256 public count; // distributions created (ids 1..count)
    mapping(uint256 id => Model) private _m;
    mapping(bytes2 => bool) private _rateSet;
    mapping(bytes2 => uint16) private _rate;
    uint16 private _default;
    mapping(address => bool) private _frozen;

    uint256 public netPaid; // to holders
    uint256 public withheldPaid; // to the tax account
    uint256 public returned; // to the treasury (sweeps and cancellations)
    uint256 public funded;

    constructor(
        DividendDistributor dist_,
        TestStablecoin usdc_,
        ComplianceRegistry registry_,
        address asset_,
        address operator_,
        address admin_,
        address[4] memory holders_
    ) {
        dist = dist_;
        usdc = usdc_;
        registry = registry_;
        records = registry_.records();
        asset = asset_;
        operator = operator_;
        admin = admin_;
        holders = holders_;
        _path("create");
        _path("claim");
        _path("cancel");
        _path("sweep");
    }

    // ------------------------------------------------------------------ value paths

    /// Creates and funds a distribution over the four holders; the funding is sometimes short of the leaves' sum
    /// (the last claims then exceed what is left) and sometimes above it (dust for the treasury).
    function create(uint256 a0, uint256 a1, uint256 a2, uint256 a3, uint256 fundMode, uint256 period) external {
        if (count >= 24) return;
        uint256[4] memory gross = [_amt(a0), _amt(a1), _amt(a2), _amt(a3)];
        uint256 sum = gross[0] + gross[1] + gross[2] + gross[3];
        uint256 total = fundMode % 3 == 0 ? sum / 2 : (fundMode % 3 == 1 ? sum : sum + fundMode % 1_000);
        DividendTree.Tree memory tree = DividendTree.build(holders, gross);
        uint40 deadline = uint40(block.timestamp + 30 days + period % 60 days);
        DistributionTerms memory t = DistributionTerms({
            asset: asset,
            payoutToken: address(usdc),
            merkleRoot: tree.root,
            recordBlock: uint64(block.number - 1),
            amountPerShare: 1e6,
            totalGross: total,
            claimDeadline: deadline,
            metadataURI: "ipfs://rat/dividends/fuzz.json",
            metadataHash: keccak256(abi.encode(tree.root))
        });
        uint256 before = usdc.balanceOf(address(dist));
        vm.prank(admin);
        uint256 id = dist.createDistribution(t);
        count = id;
        Model storage m = _m[id];
        m.tree = tree;
        m.total = total;
        m.deadline = deadline;
        funded += total;
        _check("create", usdc.balanceOf(address(dist)) - before == total, RULE_AMOUNTS);
        pathSuccesses["create"]++;
    }

    /// Claims one leaf of one distribution, sometimes in the deadline second or the second after it.
    function claim(uint256 idSeed, uint256 leafSeed, uint256 clock) external {
        if (count == 0) return;
        uint256 id = _recent(idSeed);
        Model storage m = _m[id];
        _clock(m.deadline, clock);
        uint256 i = leafSeed % 4;
        address holder = m.tree.who[i];
        uint256 gross = m.tree.gross[i];
        bool ok = !m.cancelled && block.timestamp <= m.deadline && !m.claimed[holder] && !_frozen[holder]
            && gross <= m.total - m.paid;
        uint16 bps = _bps(records.investor(holder).jurisdiction);
        uint256 withheld = gross * bps / 10_000;
        uint256 h0 = usdc.balanceOf(holder);
        uint256 t0 = usdc.balanceOf(dist.taxAccount());
        bool done;
        try dist.claim(id, holder, gross, DividendTree.proof(m.tree, i)) {
            done = true;
        } catch {}
        _check("claim", done == ok, RULE_OUTCOME);
        if (!done) return;
        m.claimed[holder] = true;
        m.paid += gross;
        netPaid += gross - withheld;
        withheldPaid += withheld;
        pathSuccesses["claim"]++;
        _check("claim", usdc.balanceOf(holder) - h0 == gross - withheld
            && usdc.balanceOf(dist.taxAccount()) - t0 == withheld, RULE_AMOUNTS);
    }

    /// Cancels a distribution (allowed until it is swept, the deadline notwithstanding).
    function cancel(uint256 idSeed, uint256 often) external {
        if (count == 0 || often % 4 != 0) return; // a quarter of the calls: cancelling ends a distribution's claims
        uint256 id = 1 + idSeed % count;
        Model storage m = _m[id];
        bool ok = !m.cancelled && !m.swept;
        uint256 t0 = usdc.balanceOf(dist.treasury());
        bool done;
        vm.prank(admin);
        try dist.cancelDistribution(id) returns (uint256 amount) {
            done = true;
            _check("cancel", amount == m.total - m.paid, RULE_AMOUNTS);
        } catch {}
        _check("cancel", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("cancel", usdc.balanceOf(dist.treasury()) - t0 == m.total - m.paid, RULE_AMOUNTS);
        returned += m.total - m.paid;
        m.cancelled = true;
        m.swept = true;
        pathSuccesses["cancel"]++;
    }

    /// Sweeps a distribution, sometimes in the deadline second (refused) or the second after (allowed).
    function sweep(uint256 idSeed, uint256 clock) external {
        if (count == 0) return;
        uint256 id = 1 + idSeed % count;
        Model storage m = _m[id];
        _clock(m.deadline, clock);
        bool ok = !m.cancelled && !m.swept && block.timestamp > m.deadline;
        uint256 t0 = usdc.balanceOf(dist.treasury());
        bool done;
        try dist.sweep(id) returns (uint256 amount) {
            done = true;
            _check("sweep", amount == m.total - m.paid, RULE_AMOUNTS);
        } catch {}
        _check("sweep", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("sweep", usdc.balanceOf(dist.treasury()) - t0 == m.total - m.paid, RULE_AMOUNTS);
        returned += m.total - m.paid;
        m.swept = true;
        pathSuccesses["sweep"]++;
    }

    // ------------------------------------------------------------------ what changes between claims

    function setRate(uint256 jSeed, uint16 bps) external {
        bytes2 j = jurisdictions[jSeed % 3];
        bps = uint16(bps % 5_001);
        vm.prank(admin);
        dist.setWithholdingRate(j, bps);
        _rateSet[j] = true;
        _rate[j] = bps;
    }

    function clearRate(uint256 jSeed) external {
        bytes2 j = jurisdictions[jSeed % 3];
        if (!_rateSet[j]) return;
        vm.prank(admin);
        dist.clearWithholdingRate(j);
        _rateSet[j] = false;
    }

    function setDefaultRate(uint16 bps) external {
        bps = uint16(bps % 5_001);
        vm.prank(admin);
        dist.setDefaultWithholdingRate(bps);
        _default = bps;
    }

    function toggleFreeze(uint256 hSeed) external {
        address h = holders[hSeed % 4];
        if (!_frozen[h] && (hSeed >> 2) % 3 != 0) return; // freezes a third as often as it unfreezes
        address[] memory who = new address[](1);
        who[0] = h;
        vm.prank(operator);
        if (_frozen[h]) registry.unfreeze(who, "fuzz");
        else registry.freeze(who, "fuzz");
        _frozen[h] = !_frozen[h];
    }

    function wait(uint256 secs) external {
        vm.warp(block.timestamp + secs % 3 days);
        vm.roll(block.number + 1);
    }

    // ------------------------------------------------------------------ reads for the invariants

    function model(uint256 id) external view returns (uint256 total, uint256 paid, bool cancelled, bool swept) {
        Model storage m = _m[id];
        return (m.total, m.paid, m.cancelled, m.swept);
    }

    // ------------------------------------------------------------------ internals

    /// Mostly one of the last three distributions (the open ones), sometimes any.
    function _recent(uint256 seed) private view returns (uint256) {
        if (seed % 4 == 0 || count <= 3) return 1 + (seed >> 2) % count;
        return count - (seed >> 2) % 3;
    }

    function _bps(bytes2 j) private view returns (uint16) {
        return _rateSet[j] ? _rate[j] : _default;
    }

    /// One call in six lands on the deadline second (mode 1) or the second after it (mode 2); rarely, as either ends
    /// the distribution's claims once the clock moves on.
    function _clock(uint40 deadline, uint256 clock) private {
        uint256 mode = clock % 12;
        if (mode == 1 && block.timestamp <= deadline) {
            vm.warp(deadline);
            boundaryHits["deadline==now"]++;
        } else if (mode == 2 && block.timestamp <= uint256(deadline) + 1) {
            vm.warp(uint256(deadline) + 1);
            boundaryHits["deadline+1==now"]++;
        }
    }

    function _amt(uint256 seed) private pure returns (uint256) {
        return 1 + seed % 1_000e6;
    }
}
