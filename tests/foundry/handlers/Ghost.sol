// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title What the handlers observed, kept apart from the contracts under test. Violation counters only ever
/// increase when a handler saw the system do something an invariant forbids; the invariants assert they are zero.
/// It also holds the independent model of every asset's share multiplier (splits, reverse splits, management fee),
/// folded exactly when the token folds (schedule, cancel, fee change, checkpoint), and the custodian's holdings in
/// shares, which follow the multiplier: a split scales them when it activates, fee shares are sold off them.
/// @dev Not a fuzz target: only the handlers write it.
contract Ghost {
    uint256 private constant SCALE = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;

    /// The multiplier `m` as of `t`; the fee accrues linearly from `t`; a split (`num`/`den`) applies at `splitAt`.
    struct Model {
        uint256 m;
        uint256 t;
        uint256 feeBps;
        uint256 splitAt;
        uint256 num;
        uint256 den;
        bool feeEver; // a non-zero management fee has been in force (it may take the multiplier below the floor)
    }

    mapping(address asset => Model) private _model;
    mapping(address asset => uint256) public custody; // shares the custodian holds; every round it signs reports it
    mapping(address asset => uint256) private _custodyFollowed; // activation time of the last split custody applied
    mapping(address asset => bool) public custodyDirty; // custody changed since the custodian's last round
    mapping(bytes32 requestId => uint256) public multiplierAtRequest;

    uint256 public corporateActionMispredictions; // a schedule/cancel/fee call succeeded or reverted against the model
    uint256 public unauthorisedCorporateActions;
    uint256 public feeShareMismatches; // checkpoint's reported fee shares or multiplier differ from the model
    uint256 public missettledFills; // a fill moved other token or stablecoin amounts than its own terms say

    bytes32[] public requestIds;
    mapping(bytes32 requestId => uint256) public closes; // successful fulfil + cancel + reject
    mapping(address token => uint256) public feesIn;
    mapping(address token => uint256) public feesOut;
    mapping(address proxyOrBeacon => address) public expectedImplementation;

    uint256 public fulfilmentsOverReserves;
    uint256 public fillsWithoutQuorum;
    uint256 public heartbeatMisses; // fills settled a second past the reserve heartbeat, or refused as stale at it
    uint256 public ineligibleGains;
    uint256 public pausedMoves;
    uint256 public unauthorisedUpgrades;

    /// Coverage counters, printed by the suite so a run that never reached the interesting states is visible.
    mapping(bytes32 action => uint256) public successes;

    function addRequest(bytes32 id, uint256 multiplierNow) external {
        requestIds.push(id);
        multiplierAtRequest[id] = multiplierNow;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function closed(bytes32 id) external {
        ++closes[id];
    }

    function feeIn(address token, uint256 amount) external {
        feesIn[token] += amount;
    }

    function feeOut(address token, uint256 amount) external {
        feesOut[token] += amount;
    }

    function expectImplementation(address proxy, address implementation) external {
        expectedImplementation[proxy] = implementation;
    }

    function overReserves() external {
        ++fulfilmentsOverReserves;
    }

    function withoutQuorum() external {
        ++fillsWithoutQuorum;
    }

    function heartbeatMiss() external {
        ++heartbeatMisses;
    }

    function ineligibleGain() external {
        ++ineligibleGains;
    }

    function pausedMove() external {
        ++pausedMoves;
    }

    function unauthorisedUpgrade() external {
        ++unauthorisedUpgrades;
    }

    function succeeded(bytes32 action) external {
        ++successes[action];
    }

    function corporateActionMispredicted() external {
        ++corporateActionMispredictions;
    }

    function unauthorisedCorporateAction() external {
        ++unauthorisedCorporateActions;
    }

    function feeShareMismatch() external {
        ++feeShareMismatches;
    }

    function missettled() external {
        ++missettledFills;
    }

    // ------------------------------------------------------------------ multiplier model

    function initAsset(address asset, uint256 custodyShares) external {
        _model[asset] = Model({m: SCALE, t: block.timestamp, feeBps: 0, splitAt: 0, num: 0, den: 0, feeEver: false});
        custody[asset] = custodyShares;
    }

    /// The modelled multiplier at `timestamp` (>= the last fold): fee to the split, the split rounded up, fee after.
    function multiplierAt(address asset, uint256 timestamp) public view returns (uint256 m) {
        Model storage g = _model[asset];
        m = g.m;
        uint256 from = g.t;
        if (g.splitAt != 0 && timestamp >= g.splitAt) {
            m = _afterFee(m, g.feeBps, g.splitAt > from ? g.splitAt - from : 0);
            m = _ceilDiv(m * g.num, g.den);
            from = g.splitAt;
        }
        if (timestamp > from) m = _afterFee(m, g.feeBps, timestamp - from);
    }

    function multiplierNow(address asset) external view returns (uint256) {
        return multiplierAt(asset, block.timestamp);
    }

    function pendingSplit(address asset) external view returns (uint256 splitAt, uint256 num, uint256 den) {
        Model storage g = _model[asset];
        return (g.splitAt, g.num, g.den);
    }

    function feeEver(address asset) external view returns (bool) {
        return _model[asset].feeEver;
    }

    /// What the token's checkpoint does now: folds the accrued fee and an activated split into the anchor. Returns
    /// the fee shares the fold realises (supply x the multiplier's drop below the fee-free value, rounded down).
    function fold(address asset, uint256 supply) external returns (uint256 feeShares) {
        followSplit(asset);
        Model storage g = _model[asset];
        bool applies = g.splitAt != 0 && block.timestamp >= g.splitAt;
        uint256 gross = applies ? _ceilDiv(g.m * g.num, g.den) : g.m;
        uint256 next = multiplierAt(asset, block.timestamp);
        feeShares = supply * (gross - next) / SCALE;
        g.m = next;
        g.t = block.timestamp;
        if (applies) (g.splitAt, g.num, g.den) = (0, 0, 0);
    }

    function scheduleSplit(address asset, uint256 splitAt, uint256 num, uint256 den) external {
        Model storage g = _model[asset];
        (g.splitAt, g.num, g.den) = (splitAt, num, den);
    }

    function cancelSplit(address asset) external {
        Model storage g = _model[asset];
        (g.splitAt, g.num, g.den) = (0, 0, 0);
    }

    function setFee(address asset, uint256 bps) external {
        Model storage g = _model[asset];
        g.feeBps = bps;
        if (bps != 0) g.feeEver = true;
    }

    // ------------------------------------------------------------------ custody

    /// Once a split has activated, the custodian's holdings are in post-split shares (rounded down: the broker
    /// credits whole units of the 1e18 share and pays cash in lieu of the rest).
    function followSplit(address asset) public {
        Model storage g = _model[asset];
        if (g.splitAt == 0 || block.timestamp < g.splitAt || _custodyFollowed[asset] == g.splitAt) return;
        custody[asset] = custody[asset] * g.num / g.den;
        _custodyFollowed[asset] = g.splitAt;
        custodyDirty[asset] = true;
        ++successes["splitActivated"];
    }

    /// The custodian sold `shares` for the management fee.
    function sellCustody(address asset, uint256 shares) external {
        custody[asset] = shares > custody[asset] ? 0 : custody[asset] - shares;
        custodyDirty[asset] = true;
    }

    /// The custodian signed and published a round reporting `shares` (it holds what it reports).
    function reported(address asset, uint256 shares) external {
        custody[asset] = shares;
        custodyDirty[asset] = false;
    }

    function _afterFee(uint256 m, uint256 feeBps, uint256 elapsed) private pure returns (uint256) {
        uint256 fee = m * feeBps * elapsed / (BPS * YEAR);
        return fee >= m ? 0 : m - fee;
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
