// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {RatTest} from "./RatTest.sol";
import {ComplianceRegistry} from "../../../contracts/compliance/ComplianceRegistry.sol";
import {IComplianceRecords, HolderClass} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {RealAssetToken, AssetTerms} from "../../../contracts/token/RealAssetToken.sol";
import {EquityBeacon, EquityProxy, SingletonProxy} from "../../../contracts/proxy/Proxies.sol";
import {Minter} from "../../../contracts/minting/Minter.sol";
import {AttestorRole, Fill, Request, RequestKind} from "../../../contracts/interfaces/IMinter.sol";
import {FeeVault} from "../../../contracts/fees/FeeVault.sol";
import {ReserveRegistry} from "../../../contracts/reserves/ReserveRegistry.sol";
import {ReserveFeed} from "../../../contracts/reserves/ReserveFeed.sol";
import {RoundReport} from "../../../contracts/interfaces/IReserveRegistry.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {Listing} from "../../../contracts/governance/AssetLister.sol";
import {RatEip712} from "./RatEip712.sol";

uint256 constant N_ASSETS = 3;
uint256 constant N_COINS = 2;
uint256 constant N_INVESTORS = 4;
// Investors, the never-KYC'd stranger, and the Minter (which holds burn escrow): everyone who can hold tokens.
uint256 constant N_HOLDERS = N_INVESTORS + 2;
uint256 constant N_ATTESTORS = 5; // two brokerage, two custody, one key no one registered

/// @notice Every address and key of one deployed RAT system, as the handlers see it.
struct RatSystem {
    ComplianceRegistry registry;
    IComplianceRecords records;
    EquityBeacon beacon;
    Minter minter;
    FeeVault vault;
    ReserveRegistry reserves;
    RealAssetToken[N_ASSETS] assets;
    TestStablecoin[N_COINS] coins;
    address[N_HOLDERS] holders; // investors first, then the stranger, then the Minter
    uint256[N_ATTESTORS] attestorKeys;
    AttestorRole[N_ATTESTORS] attestorRoles;
    uint256 custodianKey;
    address timelock; // the only upgrade authority (stand-in until contracts/governance hands over)
    address operator; // every operational role: KYC, sanctions, policy, pauser, submitter, rejecter, publisher...
    address settlement; // receives mint payments, funds burn proceeds
    // Spare implementations the upgrade handler may point proxies at.
    address spareTokenImpl;
    address spareRegistryImpl;
    address spareMinterImpl;
    address spareVaultImpl;
    address spareReservesImpl;
}

/// @title Deploys RAT wired as `rat/deploy.py` and `rat/minting.py` wire it, with one timelock stand-in holding every
/// admin and upgrade authority and one operator holding every operational role.
abstract contract RatFixture is RatTest {
    uint256 internal constant SHARE = 1e18;
    uint256 internal constant START = 1_767_225_600; // 2026-01-01T00:00:00Z
    uint16 internal constant INSURANCE_SHARE_BPS = 2_000;
    uint32 internal constant RESERVE_HEARTBEAT = 3 days;

    RatSystem internal sys;

    function _deploySystem() internal {
        vm.warp(START);
        sys.timelock = makeAddr("timelock");
        sys.operator = makeAddr("operator");
        sys.settlement = makeAddr("settlement");
        address tl = sys.timelock;
        address op = sys.operator;

        vm.startPrank(tl);
        ComplianceRegistry registryImpl = new ComplianceRegistry();
        sys.registry = ComplianceRegistry(
            address(new SingletonProxy(address(registryImpl), abi.encodeCall(ComplianceRegistry.initialize, (tl))))
        );
        sys.records = sys.registry.records();
        sys.registry.grantRole(sys.registry.KYC_OPERATOR_ROLE(), op);
        sys.registry.grantRole(sys.registry.SANCTIONS_OFFICER_ROLE(), op);
        sys.registry.grantRole(sys.registry.ASSET_POLICY_ROLE(), op);

        RealAssetToken tokenImpl = new RealAssetToken(sys.registry);
        sys.beacon = new EquityBeacon(address(tokenImpl), tl);

        FeeVault vaultImpl = new FeeVault();
        sys.vault = FeeVault(
            address(new SingletonProxy(address(vaultImpl), abi.encodeCall(FeeVault.initialize, (tl, INSURANCE_SHARE_BPS))))
        );
        ReserveRegistry reservesImpl = new ReserveRegistry();
        sys.reserves = ReserveRegistry(
            address(new SingletonProxy(address(reservesImpl), abi.encodeCall(ReserveRegistry.initialize, (tl))))
        );
        Minter minterImpl = new Minter(sys.registry, sys.vault, sys.reserves);
        sys.minter = Minter(
            address(new SingletonProxy(address(minterImpl), abi.encodeCall(Minter.initialize, (tl, sys.settlement))))
        );
        sys.vault.setMinter(address(sys.minter));
        sys.vault.grantRole(sys.vault.FEE_GOVERNOR_ROLE(), op);
        sys.vault.grantRole(sys.vault.FEE_WITHDRAWER_ROLE(), op);
        // The custody side reports its sales of management-fee shares and deposits the proceeds.
        sys.vault.grantRole(sys.vault.MANAGEMENT_FEE_REPORTER_ROLE(), sys.settlement);
        sys.reserves.grantRole(sys.reserves.PUBLISHER_ROLE(), op);
        sys.reserves.grantRole(sys.reserves.CUSTODIAN_MANAGER_ROLE(), tl);
        sys.minter.grantRole(sys.minter.ASSET_MANAGER_ROLE(), tl);
        sys.minter.grantRole(sys.minter.ATTESTOR_MANAGER_ROLE(), tl);
        sys.minter.grantRole(sys.minter.SUBMITTER_ROLE(), op);
        sys.minter.grantRole(sys.minter.REJECTER_ROLE(), op);

        sys.spareTokenImpl = address(new RealAssetToken(sys.registry));
        sys.spareRegistryImpl = address(new ComplianceRegistry());
        sys.spareMinterImpl = address(new Minter(sys.registry, sys.vault, sys.reserves));
        sys.spareVaultImpl = address(new FeeVault());
        sys.spareReservesImpl = address(new ReserveRegistry());

        sys.coins[0] = new TestStablecoin("Test USD Coin", "USDC", 6, tl);
        sys.coins[1] = new TestStablecoin("Test Dollar", "TUSD", 18, tl);
        for (uint256 c; c < N_COINS; ++c) {
            // The Minter keeps ESCROW_KEEPALIVE units of every payment token for good (pulled at listing).
            sys.coins[c].mint(tl, sys.minter.ESCROW_KEEPALIVE());
            sys.coins[c].approve(address(sys.minter), sys.minter.ESCROW_KEEPALIVE());
            sys.minter.listPaymentToken(address(sys.coins[c]));
            sys.coins[c].mint(sys.settlement, 1e12 * 10 ** sys.coins[c].decimals());
        }
        sys.minter.setTierLimits(1, 50_000e18, 200_000e18);
        sys.minter.setTierLimits(2, 250_000e18, 1_000_000e18);
        sys.minter.setTierLimits(3, 5_000_000e18, 20_000_000e18);

        sys.custodianKey = uint256(keccak256("rat-fuzz:custodian"));
        for (uint256 i; i < N_ATTESTORS; ++i) {
            sys.attestorKeys[i] = uint256(keccak256(abi.encodePacked("rat-fuzz:attestor", i)));
            sys.attestorRoles[i] = i < 2 ? AttestorRole.BROKERAGE : (i < 4 ? AttestorRole.CUSTODY : AttestorRole.NONE);
            if (sys.attestorRoles[i] != AttestorRole.NONE) {
                sys.minter.setAttestor(vm.addr(sys.attestorKeys[i]), sys.attestorRoles[i]);
            }
        }
        vm.stopPrank();

        vm.startPrank(op);
        sys.registry.setInvestor(address(sys.minter), 3, "SC", uint40(START + 3650 days), keccak256("rat-minter"));
        // As rat/minting.py deploys it: the Minter holds escrow on investors' behalf, a PROTOCOL holder (ADR 0084).
        sys.registry.setHolderClass(address(sys.minter), HolderClass.PROTOCOL, keccak256("rat-minter"));
        for (uint256 i; i < N_INVESTORS; ++i) {
            address investor = makeAddr(string(abi.encodePacked("investor", vm.toString(i))));
            sys.holders[i] = investor;
            sys.registry.setInvestor(investor, uint8(1 + i % 3), i % 2 == 0 ? bytes2("BR") : bytes2("AR"),
                uint40(START + 180 days), keccak256(abi.encodePacked("applicant", i)));
        }
        vm.stopPrank();
        sys.holders[N_INVESTORS] = makeAddr("stranger");
        sys.holders[N_INVESTORS + 1] = address(sys.minter);

        vm.prank(sys.settlement);
        sys.coins[0].approve(address(sys.minter), type(uint256).max);
        vm.prank(sys.settlement);
        sys.coins[1].approve(address(sys.minter), type(uint256).max);
        for (uint256 c; c < N_COINS; ++c) {
            vm.prank(sys.settlement);
            sys.coins[c].approve(address(sys.vault), type(uint256).max);
        }

        _listAssets();
    }

    function _listAssets() private {
        string[N_ASSETS] memory symbols = ["rAAPL", "rMSFT", "rTSLA"];
        string[N_ASSETS] memory isins = ["US0378331005", "US5949181045", "US88160R1014"];
        address tl = sys.timelock;
        for (uint256 a; a < N_ASSETS; ++a) {
            AssetTerms memory terms = AssetTerms({
                name: string.concat("RAT ", symbols[a]),
                symbol: symbols[a],
                isin: isins[a],
                mic: "XNAS",
                custodian: "Seychelles SPV custody account",
                legalTermsURI: string.concat("ipfs://rat/legal/", symbols[a]),
                legalTermsHash: keccak256(bytes(symbols[a]))
            });
            vm.startPrank(tl);
            RealAssetToken t = RealAssetToken(
                address(new EquityProxy(address(sys.beacon), abi.encodeCall(RealAssetToken.initialize, (terms, tl))))
            );
            sys.assets[a] = t;
            t.grantRole(t.MINTER_ROLE(), address(sys.minter));
            t.grantRole(t.PAUSER_ROLE(), sys.operator);
            t.grantRole(t.UNPAUSER_ROLE(), sys.operator);
            t.grantRole(t.FORCED_TRANSFER_ROLE(), sys.operator);
            // As AssetLister lists: governance schedules corporate actions, the vault sets the management fee.
            t.grantRole(t.CORPORATE_ACTIONS_ROLE(), tl);
            t.grantRole(t.MANAGEMENT_FEE_ROLE(), address(sys.vault));
            sys.reserves.setCustodian(address(t), vm.addr(sys.custodianKey));
            // The first asset's guard reads a Chainlink-shaped ReserveFeed, the others read the registry directly.
            address source = a == 0 ? address(new ReserveFeed(sys.reserves, address(t), symbols[a])) : address(sys.reserves);
            sys.minter.listAsset(address(t), source, RESERVE_HEARTBEAT, type(uint96).max, type(uint96).max);
            vm.stopPrank();

            vm.startPrank(sys.operator);
            // The third asset caps its holders, so the holder-count rule is exercised too.
            sys.registry.registerAsset(address(t), a == 1 ? 2 : 1, a == 2 ? 3 : 0);
            sys.vault.setFees(address(t), uint16(10 * a), uint16(25 * a));
            vm.stopPrank();
            _publishRound(address(t), 1_000 * SHARE, uint64(block.timestamp));
        }
    }

    /// @notice Signs (as the custodian) and publishes (as the operator) the asset's next reserve round.
    function _publishRound(address asset, uint256 shares, uint64 asOf) internal {
        RoundReport memory r = RoundReport({
            asset: asset,
            roundId: sys.reserves.latestRoundId(asset) + 1,
            shares: shares,
            asOf: asOf,
            merkleRoot: keccak256(abi.encodePacked("lots", asset, asOf)),
            statementURI: "ipfs://rat/reserves/statement.json",
            statementHash: keccak256(abi.encodePacked("statement", asset, asOf))
        });
        (uint8 v, bytes32 rs, bytes32 ss) = vm.sign(sys.custodianKey, RatEip712.roundDigest(address(sys.reserves), r));
        vm.prank(sys.operator);
        sys.reserves.publishRound(r, abi.encodePacked(rs, ss, v));
    }

    // ------------------------------------------------------------------ helpers the suites share

    /// Governance seeds a balance outside the Minter: it grants itself `t`'s minter role, mints, and revokes it.
    function _mintTo(RealAssetToken t, address to, uint256 amount) internal {
        vm.startPrank(sys.timelock);
        t.grantRole(t.MINTER_ROLE(), sys.timelock);
        t.mint(to, amount);
        t.revokeRole(t.MINTER_ROLE(), sys.timelock);
        vm.stopPrank();
    }

    /// `who` receives `amount` of `coin` and lets the Minter take any of it (a mint request's escrow).
    function _fundPayment(TestStablecoin coin, address who, uint256 amount) internal {
        vm.prank(sys.timelock);
        coin.mint(who, amount);
        vm.prank(who);
        coin.approve(address(sys.minter), type(uint256).max);
    }

    /// The signatures of the fixture's first brokerage and first custody attestor over `fill`, sorted by signer
    /// address as the Minter requires.
    function _attestFill(Fill memory fill) internal view returns (bytes[] memory sigs) {
        Request memory req = sys.minter.getRequest(fill.requestId);
        bytes32 digest =
            RatEip712.fillDigest(address(sys.minter), fill, sys.minter.assetById(req.assetId), req.account);
        uint256[2] memory keys = [sys.attestorKeys[0], sys.attestorKeys[2]];
        if (vm.addr(keys[0]) > vm.addr(keys[1])) (keys[0], keys[1]) = (keys[1], keys[0]);
        sigs = new bytes[](2);
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    /// An ERC-2612 permit of `value` from `owner` to `spender` on `t` at the owner's next nonce, signed with `key`
    /// (65 bytes, r s v).
    function _signPermit(RealAssetToken t, uint256 key, address owner, address spender, uint256 value,
        uint256 deadline) internal view returns (bytes memory) {
        bytes32 digest = _permitDigest(IERC20Permit(address(t)), owner, spender, value, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// The EIP-712 digest of an ERC-2612 permit on `t` (a RAT or a stablecoin) at the owner's current nonce.
    function _permitDigest(IERC20Permit t, address owner, address spender, uint256 value, uint256 deadline)
        internal view returns (bytes32) {
        bytes32 permitHash = keccak256(abi.encode(
            keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
            owner, spender, value, t.nonces(owner), deadline));
        return keccak256(abi.encodePacked(hex"1901", t.DOMAIN_SEPARATOR(), permitHash));
    }

    /// Valid listing terms (NVIDIA on Nasdaq) that listing tests use as they are or change one field of.
    function _nvdaTerms() internal pure returns (AssetTerms memory) {
        return AssetTerms({
            name: "RAT rNVDA",
            symbol: "rNVDA",
            isin: "US67066G1040",
            mic: "XNAS",
            custodian: "Seychelles SPV custody account",
            legalTermsURI: "ipfs://rat/legal/rNVDA",
            legalTermsHash: keccak256("rNVDA")
        });
    }

    /// A fill of mint request `id` for `shares` at `price` per token, carrying the vault's fee on its cost rounded
    /// up, attestable until `deadline`.
    function _mintFill(bytes32 id, uint256 shares, uint256 price, uint256 deadline)
        internal
        view
        returns (Fill memory)
    {
        address asset = sys.minter.assetById(sys.minter.getRequest(id).assetId);
        return Fill({
            requestId: id,
            shares: shares,
            price: price,
            fees: sys.vault.quote(asset, RequestKind.MINT, (shares * price + SHARE - 1) / SHARE),
            brokerOrderRef: keccak256(abi.encodePacked("broker", id)),
            custodyRef: keccak256(abi.encodePacked("custody", id)),
            deadline: deadline
        });
    }

    /// NVIDIA as governance lists it in the listing tests: tier 2, a 500-holder cap, a day's reserve heartbeat,
    /// bounded mints, 25 / 30 bps fees.
    function _nvdaListing() internal returns (Listing memory listing) {
        listing.terms = _nvdaTerms();
        listing.minTier = 2;
        listing.maxHolders = 500;
        listing.custodianSigner = makeAddr("nvda-custodian");
        listing.reserveHeartbeat = 1 days;
        listing.mintCap = 1_000_000e18;
        listing.mintRatePerDay = 50_000e18;
        listing.mintFeeBps = 25;
        listing.burnFeeBps = 30;
    }

    /// The private key of fixture investor `who` (a `makeAddr("investor<i>")` account: its key is keccak256 of its
    /// name), for the signatures an investor makes itself (permits).
    function _investorKey(address who) internal view returns (uint256) {
        for (uint256 i; i < N_INVESTORS; ++i) {
            if (sys.holders[i] == who) return uint256(keccak256(bytes(string.concat("investor", vm.toString(i)))));
        }
        revert("not a fixture investor");
    }

    /// The operator submits `fill` of a mint request with the fixture's brokerage and custody attestations.
    function _fulfil(Fill memory fill) internal {
        bytes[] memory sigs = _attestFill(fill);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    /// A one-account list, for the registry's batch calls (freeze, unfreeze, setInvestors, ...).
    function _one(address account) internal pure returns (address[] memory accounts) {
        accounts = new address[](1);
        accounts[0] = account;
    }
}
