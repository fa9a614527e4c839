"""Chainlink's CCIP 1.6 lane contracts on two local chains, and a local DON that commits and executes (ADR 0106).

Every CCIP contract here is Chainlink's, deployed from the unmodified bytecode `@chainlink/contracts-ccip` 2.0.0 ships
(`bytecode/v1_6_0`: RMNRemote, NonceManager, FeeQuoter, OnRamp, OffRamp, RegistryModuleOwnerCustom, MessageHasher;
`bytecode/v1_5_0`: TokenAdminRegistry; `bytecode/latest`: Router), on local chains only (BUSL-1.1). The package's
`contracts/` sources are the 2.0 design; the 1.6 sources (in `@chainlink/local`'s nested 1.6.2 copy) do not build into
a deployable OffRamp with our solc 0.8.28 (over EIP-170 with and without via-IR), so nothing is compiled here.

Per chain: RMNRemote (uncursed until its owner curses a subject, no RMN signers: RMN verification is disabled per
source lane, so the OffRamp accepts unblessed roots), the Router (RMNRemote as its curse oracle, as for the ramps and
the pool), TokenAdminRegistry with the asset's RatCcipPool,
NonceManager, FeeQuoter (one ERC-20 fee token, priced by the deployer as price updater) and the OnRamp. Per lane
direction: the destination's OffRamp with the source OnRamp, a commit OCR3 config (F = 1, four local signer keys,
F + 1 signatures per report) and an execute OCR3 config (transmitter only).

`LocalDon` is the committee: it reads the source OnRamp's `CCIPMessageSent`, rebuilds each `Any2EVMRampMessage`,
hashes it as `Internal._hash` does (checked against Chainlink's MessageHasher in the tests), commits a Merkle root
over it signed by the commit signers, then executes it with its proof; a message the destination fails stays
FAILURE on the OffRamp and is retried with `manuallyExecute`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from ape import chain as ape_chain
from ape import networks, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractContainer, ContractInstance
from ape.exceptions import ContractLogicError
from eth_abi import decode, encode
from eth_keys import keys
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType
from pydantic import BaseModel, ConfigDict

from rat.bridge.ccip import (
    CCIP_PACKAGE,
    CCIP_VERSION,
    ZERO_ADDRESS,
    CcipError,
    LanePairLimits,
    _require_local_chain,
    configure_lane,
    deploy_pool,
    encode_address,
)
from rat.bridge.chains import Chain
from rat.deploy import AssetTerms, ComplianceStack, deploy_compliance_stack, list_equity, role

# (bytecode/abi version directory, file stem) of every Chainlink contract this module deploys.
ARTIFACTS: dict[str, tuple[str, str]] = {
    "RMNRemote": ("v1_6_0", "rmn_remote"),
    "Router": ("latest", "router"),
    "TokenAdminRegistry": ("v1_5_0", "token_admin_registry"),
    "RegistryModuleOwnerCustom": ("v1_6_0", "registry_module_owner_custom"),
    "NonceManager": ("v1_6_0", "nonce_manager"),
    "FeeQuoter": ("v1_6_0", "fee_quoter"),
    "OnRamp": ("v1_6_0", "onramp"),
    "OffRamp": ("v1_6_0", "offramp"),
    "MessageHasher": ("v1_6_0", "message_hasher"),
}
COMMIT_PLUGIN = 0
EXECUTE_PLUGIN = 1
OCR_F = 1
OCR_SIGNERS = 3 * OCR_F + 1
EVM_FAMILY = bytes.fromhex("2812d52c")  # Internal.CHAIN_FAMILY_SELECTOR_EVM
GENERIC_EXTRA_ARGS_V2 = bytes.fromhex("181dcf10")  # Client.GENERIC_EXTRA_ARGS_V2_TAG
ANY_2_EVM_MESSAGE_HASH = keccak(text="Any2EVMMessageHashV1")
LEAF_DOMAIN = b"\x00" * 32
INTERNAL_DOMAIN = b"\x00" * 31 + b"\x01"
PERMISSIONLESS_EXECUTION_SECONDS = 3_600
GAS_FOR_CALL_EXACT_CHECK = 5_000
# Gas the OffRamp gives RatCcipPool.releaseOrMint (registry verdict, bucket, mint or quarantine) and the balance
# checks around it; the harness measured ~120k for a whole receive transaction.
POOL_DEST_GAS = 350_000
POOL_DATA_BYTES = 96  # abi.encode(uint8 decimals, uint version, uint splitAt): RatCcipPool's destPoolData
FEE_TOKEN_USD = 10**18  # 1 USD per whole fee token (18 decimals), FeeQuoter's 1e18-scaled price
DEST_GAS_USD = 10**6  # USD per unit of destination gas (1e18 scale): a token fee well under one fee token
ONE_FEE_TOKEN = 10**18
MAX_FEE_JUELS = 10**27
EXECUTION_STATES = ("UNTOUCHED", "IN_PROGRESS", "SUCCESS", "FAILURE")
RAMP_MESSAGE = "((bytes32,uint64,uint64,uint64,uint64),address,bytes,bytes,bytes,address,uint256,uint256," \
               "(address,bytes,bytes,uint256,bytes)[])"
ANY2EVM_MESSAGE = "((bytes32,uint64,uint64,uint64,uint64),bytes,bytes,address,uint256," \
                  "(bytes,address,uint32,bytes,uint256)[])"
EXECUTION_REPORTS = f"(uint64,{ANY2EVM_MESSAGE}[],bytes[][],bytes32[],uint256)[]"
MERKLE_ROOTS = "(uint64,bytes,uint64,uint64,bytes32)[]"
PRICE_UPDATES = "((address,uint224)[],(uint64,uint224)[])"
COMMIT_REPORT = f"({PRICE_UPDATES},{MERKLE_ROOTS},{MERKLE_ROOTS},(bytes32,bytes32)[])"
COMMIT_REPORT_ACCEPTED = keccak(text=f"CommitReportAccepted({MERKLE_ROOTS},{MERKLE_ROOTS},{PRICE_UPDATES})")
MANUALLY_EXECUTE = keccak(text=f"manuallyExecute({EXECUTION_REPORTS},(uint256,uint32[])[][])")[:4]
CCIP_MESSAGE_SENT = keccak(text=f"CCIPMessageSent(uint64,uint64,{RAMP_MESSAGE})")


@cache
def container(name: str) -> ContractContainer:
    """Chainlink's contract `name` (a key of ARTIFACTS) from the pinned package's bytecode and ABI."""
    version, stem = ARTIFACTS[name]
    abi_path = CCIP_PACKAGE / "abi" / version / f"{stem}.json"
    bin_path = CCIP_PACKAGE / "bytecode" / version / f"{stem}.bin"
    if not abi_path.is_file() or not bin_path.is_file():
        raise CcipError(f"{CCIP_PACKAGE} is missing {version}/{stem}: run `npm ci`")
    installed = json.loads((CCIP_PACKAGE / "package.json").read_text())["version"]
    if installed != CCIP_VERSION:
        raise CcipError(f"@chainlink/contracts-ccip {installed} installed, {CCIP_VERSION} pinned: run `npm ci`")
    bytecode = bin_path.read_text().strip()
    return ContractContainer(ContractType.model_validate({
        "contractName": name,
        "abi": json.loads(abi_path.read_text()),
        "deploymentBytecode": {"bytecode": bytecode if bytecode.startswith("0x") else "0x" + bytecode},
    }))


def ocr_keys(label: str) -> tuple[keys.PrivateKey, ...]:
    """Local test keys of a committee's commit signers (derived from `label`; never use outside a local chain)."""
    return tuple(keys.PrivateKey(keccak(text=f"rat-ccip-local-don:{label}:{i}")) for i in range(OCR_SIGNERS))


# Given the chain's Router and RMNRemote (the curse oracle the pool must ask), deploys and returns (token, pool).
PoolFactory = Callable[[ContractInstance, ContractInstance], tuple[ContractInstance, ContractInstance]]


@dataclass(frozen=True)
class ChainStack:
    """One chain's CCIP contracts and the RAT asset's pool on them."""

    chain: Chain
    stack: ComplianceStack | None  # None when the pool came from a pool factory or the stack was attached
    token: ContractInstance
    rmn: ContractInstance
    router: ContractInstance
    token_admin_registry: ContractInstance
    registry_module: ContractInstance
    nonce_manager: ContractInstance
    fee_quoter: ContractInstance
    fee_token: ContractInstance
    on_ramp: ContractInstance
    pool: ContractInstance
    off_ramps: dict[int, ContractInstance] = field(default_factory=dict)  # by source selector

    @property
    def selector(self) -> int:
        return self.chain.selector


def deploy_chain_stack(chain: Chain, admin: AccountAPI, kyc_operator: AccountAPI, fee_token: ContractInstance,
                       stack: ComplianceStack | None = None, token: ContractInstance | None = None,
                       terms: AssetTerms | None = None, pool_factory: PoolFactory | None = None) -> ChainStack:
    """Deploys on `chain` the RAT stack and asset (unless given), Chainlink's CCIP 1.6 contracts and a RatCcipPool
    registered for the asset in the TokenAdminRegistry. `admin` owns every CCIP contract and stands for governance;
    `fee_token` is the ERC-20 the FeeQuoter accepts (its LINK as well, on a local chain). `pool_factory` (the gas
    benchmark's plain baseline) replaces the asset and its RatCcipPool: given the Router and RMNRemote, it deploys
    and returns (token, pool), and that pair is registered instead; `stack` is then only carried along (None: none deployed)."""
    with chain.active():
        _require_local_chain()
        if stack is None and pool_factory is None:
            stack = deploy_compliance_stack(admin)
            stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
            stack.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
        if token is None and pool_factory is None:
            token = list_equity(admin, stack, terms or AssetTerms.example(), admin)
        rmn = admin.deploy(container("RMNRemote"), chain.selector, ZERO_ADDRESS)
        router = admin.deploy(container("Router"), ZERO_ADDRESS, rmn.address)
        registry = admin.deploy(container("TokenAdminRegistry"))
        module = admin.deploy(container("RegistryModuleOwnerCustom"), registry.address)
        registry.addRegistryModule(module.address, sender=admin)
        nonce_manager = admin.deploy(container("NonceManager"), [])
        # static config (max fee, LINK, token price staleness), price updaters, fee tokens, no price feeds, no
        # token fee configs yet, the fee token's premium multiplier (1x), no destinations yet
        fee_quoter = admin.deploy(container("FeeQuoter"), (MAX_FEE_JUELS, fee_token.address, 24 * 3600),
                                  [admin.address], [fee_token.address], [], [], [(fee_token.address, 10**18)], [])
        fee_quoter.updatePrices(([(fee_token.address, FEE_TOKEN_USD)], []), sender=admin)
        on_ramp = admin.deploy(container("OnRamp"),
                               (chain.selector, rmn.address, nonce_manager.address, registry.address),
                               (fee_quoter.address, False, ZERO_ADDRESS, admin.address, ZERO_ADDRESS), [])
        if pool_factory is not None:
            token, pool = pool_factory(router, rmn)
        else:
            assert token is not None and stack is not None  # set above when no pool factory is given
            pool = deploy_pool(admin, token, stack.registry, router, rmn.address, admin)
        # The token has no owner() or getCCIPAdmin() for RegistryModuleOwnerCustom to read, so the registry's owner
        # proposes governance as the token's administrator, which accepts and sets the pool.
        registry.proposeAdministrator(token.address, admin.address, sender=admin)
        registry.acceptAdminRole(token.address, sender=admin)
        registry.setPool(token.address, pool.address, sender=admin)
    return ChainStack(chain, stack, token, rmn, router, registry, module, nonce_manager, fee_quoter, fee_token,
                      on_ramp, pool)


# FeeQuoter.DestChainConfig for a local EVM destination, in the 1.6.0 ABI's field order (a test checks the names).
DEST_CHAIN_CONFIG: dict[str, object] = {
    "isEnabled": True, "maxNumberOfTokensPerMsg": 1, "maxDataBytes": 30_000, "maxPerMsgGasLimit": 3_000_000,
    "destGasOverhead": 350_000, "destGasPerPayloadByteBase": 16, "destGasPerPayloadByteHigh": 40,
    "destGasPerPayloadByteThreshold": 3_000, "destDataAvailabilityOverheadGas": 0,
    "destGasPerDataAvailabilityByte": 0, "destDataAvailabilityMultiplierBps": 0, "chainFamilySelector": EVM_FAMILY,
    "enforceOutOfOrder": False, "defaultTokenFeeUSDCents": 25, "defaultTokenDestGasOverhead": 90_000,
    "defaultTxGasLimit": 200_000, "gasMultiplierWeiPerEth": 10**18, "gasPriceStalenessThreshold": 0,
    "networkFeeUSDCents": 10,
}
# FeeQuoter.TokenTransferFeeConfig of the RAT asset: 0.10 to 10 USD, no bps fee (so no asset price is needed), the
# pool's gas and pool-data size.
TOKEN_TRANSFER_FEE_CONFIG: dict[str, object] = {
    "minFeeUSDCents": 10, "maxFeeUSDCents": 1_000, "deciBps": 0, "destGasOverhead": POOL_DEST_GAS,
    "destBytesOverhead": POOL_DATA_BYTES, "isEnabled": True,
}


def _config_digest(off_ramp: str, plugin: int, signers: list[str], transmitters: list[str]) -> bytes:
    return keccak(encode(["address", "uint8", "address[]", "address[]", "uint8"],
                         [off_ramp, plugin, signers, transmitters, OCR_F]))


def open_outbound(source: ChainStack, dest_selector: int, admin: AccountAPI) -> None:
    """The source half of source → dest: the OnRamp and FeeQuoter of `source` learn the destination (the pool's
    token-transfer fee config carries its gas and pool-data size), the NonceManager its OnRamp, the Router its
    OnRamp for `dest_selector`."""
    with source.chain.active():
        source.on_ramp.applyDestChainConfigUpdates([(dest_selector, source.router.address, False)], sender=admin)
        source.fee_quoter.applyDestChainConfigUpdates([(dest_selector, tuple(DEST_CHAIN_CONFIG.values()))],
                                                      sender=admin)
        source.fee_quoter.applyTokenTransferFeeConfigUpdates(
            [(dest_selector, [(source.token.address, tuple(TOKEN_TRANSFER_FEE_CONFIG.values()))])], [],
            sender=admin)
        source.fee_quoter.updatePrices(([], [(dest_selector, DEST_GAS_USD)]), sender=admin)
        source.nonce_manager.applyAuthorizedCallerUpdates(([source.on_ramp.address], []), sender=admin)
        source.router.applyRampUpdates([(dest_selector, source.on_ramp.address)], [], [], sender=admin)


def open_inbound(dest: ChainStack, source_selector: int, source_on_ramp: str, admin: AccountAPI, transmitter: str,
                 signer_keys: tuple[keys.PrivateKey, ...]) -> ContractInstance:
    """The destination half of source → dest: an OffRamp on `dest` from `source_on_ramp` (RMN verification disabled
    for the lane: unblessed roots), its commit and execute OCR3 configs (`signer_keys` sign commits, `transmitter`
    sends both), and the NonceManager, FeeQuoter and Router know it. Returns the OffRamp (also kept in
    `dest.off_ramps`)."""
    with dest.chain.active():
        off_ramp = admin.deploy(
            container("OffRamp"),
            (dest.selector, GAS_FOR_CALL_EXACT_CHECK, dest.rmn.address, dest.token_admin_registry.address,
             dest.nonce_manager.address),
            (dest.fee_quoter.address, PERMISSIONLESS_EXECUTION_SECONDS, ZERO_ADDRESS),
            [(dest.router.address, source_selector, True, True, encode_address(source_on_ramp))])
        signers = [to_checksum_address(k.public_key.to_canonical_address()) for k in signer_keys]
        transmitters = [to_checksum_address(transmitter)]
        off_ramp.setOCR3Configs([
            (_config_digest(off_ramp.address, COMMIT_PLUGIN, signers, transmitters), COMMIT_PLUGIN, OCR_F, True,
             signers, transmitters),
            (_config_digest(off_ramp.address, EXECUTE_PLUGIN, [], transmitters), EXECUTE_PLUGIN, OCR_F, False, [],
             transmitters),
        ], sender=admin)
        dest.nonce_manager.applyAuthorizedCallerUpdates(([off_ramp.address], []), sender=admin)
        dest.fee_quoter.applyAuthorizedCallerUpdates(([off_ramp.address], []), sender=admin)
        dest.router.applyRampUpdates([], [], [(source_selector, off_ramp.address)], sender=admin)
    dest.off_ramps[source_selector] = off_ramp
    return off_ramp


def open_direction(source: ChainStack, dest: ChainStack, admin: AccountAPI, transmitter: AccountAPI,
                   signer_keys: tuple[keys.PrivateKey, ...]) -> None:
    """Opens source → dest: `open_outbound` on `source`, then `open_inbound` on `dest`."""
    open_outbound(source, dest.selector, admin)
    open_inbound(dest, source.selector, source.on_ramp.address, admin, transmitter.address, signer_keys)


def attach_chain_stack(chain: Chain, token: str, pool: str, addresses: dict[str, str],
                       off_ramps: dict[int, str]) -> ChainStack:
    """The ChainStack of contracts deployed earlier (`ape run bridge`'s records): `addresses` by ChainStack field
    name (rmn, router, token_admin_registry, registry_module, nonce_manager, fee_quoter, fee_token, on_ramp), the
    OffRamps by source selector. The compliance stack is not attached (None)."""
    names = {"rmn": "RMNRemote", "router": "Router", "token_admin_registry": "TokenAdminRegistry",
             "registry_module": "RegistryModuleOwnerCustom", "nonce_manager": "NonceManager",
             "fee_quoter": "FeeQuoter", "on_ramp": "OnRamp"}
    with chain.active():
        contracts = {field_name: container(name).at(addresses[field_name]) for field_name, name in names.items()}
        return ChainStack(chain=chain, stack=None, token=project.RealAssetToken.at(token),
                          fee_token=project.PlainERC20.at(addresses["fee_token"]),
                          pool=project.RatCcipPool.at(pool),
                          off_ramps={selector: container("OffRamp").at(address)
                                     for selector, address in off_ramps.items()}, **contracts)


def connect(a: ChainStack, b: ChainStack, limits: LanePairLimits, admin: AccountAPI, transmitter: AccountAPI,
            signer_keys: tuple[keys.PrivateKey, ...], a_min_tier: int = 1, b_min_tier: int = 1) -> None:
    """Opens both directions and sets the lane on both pools (`limits` a checked matched pair)."""
    open_direction(a, b, admin, transmitter, signer_keys)
    open_direction(b, a, admin, transmitter, signer_keys)
    with a.chain.active():
        configure_lane(a.pool, b.selector, b.pool.address, b.token.address, b_min_tier, limits.a_outbound,
                       limits.a_inbound, admin)
    with b.chain.active():
        configure_lane(b.pool, a.selector, a.pool.address, a.token.address, a_min_tier, limits.b_outbound,
                       limits.b_inbound, admin)


def extra_args(gas_limit: int = 0, out_of_order: bool = True) -> bytes:
    """`Client._argsToBytes(GenericExtraArgsV2)`: no receiver gas (tokens to an address), out-of-order execution."""
    return GENERIC_EXTRA_ARGS_V2 + encode(["uint256", "bool"], [gas_limit, out_of_order])


def _message(side: ChainStack, recipient: str, amount: int) -> tuple[object, ...]:
    return (encode_address(recipient), b"", [(side.token.address, amount)], side.fee_token.address, extra_args())


def fee(source: ChainStack, dest: ChainStack, recipient: str, amount: int) -> int:
    """The fee `Router.getFee` quotes for the send, in fee-token units."""
    with source.chain.active():
        return int(source.router.getFee(dest.selector, _message(source, recipient, amount)))


def send(source: ChainStack, dest: ChainStack, sender: AccountAPI, recipient: str, amount: int) -> ReceiptAPI:
    """`Router.ccipSend` of `amount` of the asset to `recipient` on `dest`, the fee paid in the fee token: the Router
    moves the tokens into the pool and calls the OnRamp's `forwardFromRouter`, whose `lockOrBurn` runs the pool's
    checks and burns (or the whole send reverts)."""
    quoted = fee(source, dest, recipient, amount)
    with source.chain.active():
        if source.token.allowance(sender, source.router) < amount:
            source.token.approve(source.router, amount, sender=sender)
        if source.fee_token.allowance(sender, source.router) < quoted:
            source.fee_token.approve(source.router, quoted, sender=sender)
        return source.router.ccipSend(dest.selector, _message(source, recipient, amount), sender=sender)


class RampMessage(BaseModel):
    """One `Any2EVMRampMessage`, rebuilt from the source OnRamp's `CCIPMessageSent` as the DON does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: bytes
    source_selector: int
    dest_selector: int
    sequence_number: int
    nonce: int
    sender: bytes
    data: bytes
    receiver: str
    gas_limit: int
    token_amounts: tuple[tuple[bytes, str, int, bytes, int], ...]
    source_tx: str

    def as_tuple(self) -> tuple[object, ...]:
        return ((self.message_id, self.source_selector, self.dest_selector, self.sequence_number, self.nonce),
                self.sender, self.data, self.receiver, self.gas_limit, [list(t) for t in self.token_amounts])

    def with_amount(self, amount: int) -> RampMessage:
        """The same message with every token amount replaced (a forgery, for tests)."""
        return self.model_copy(update={"token_amounts": tuple((t[0], t[1], t[2], t[3], amount)
                                                               for t in self.token_amounts)})


def _gas_limit(args: bytes) -> int:
    if args[:4] != GENERIC_EXTRA_ARGS_V2:
        raise CcipError(f"extra args tagged 0x{args[:4].hex()}: only GenericExtraArgsV2 is relayed")
    return int(decode(["uint256", "bool"], args[4:])[0])


def sent_messages(source: ChainStack, dest_selector: int, from_block: int = 0) -> list[RampMessage]:
    """Every message the source OnRamp sent to `dest_selector` from `from_block` on."""
    with source.chain.active():
        logs = networks.provider.web3.eth.get_logs({
            "address": source.on_ramp.address, "fromBlock": from_block, "toBlock": "latest",
            "topics": ["0x" + CCIP_MESSAGE_SENT.hex(), "0x" + encode(["uint64"], [dest_selector]).hex()]})
    out = []
    for log in logs:
        (header, sender, data, receiver, args, _fee_token, _fee, _juels, tokens), = decode([RAMP_MESSAGE],
                                                                                          bytes(log["data"]))
        out.append(RampMessage(
            message_id=header[0], source_selector=header[1], dest_selector=header[2], sequence_number=header[3],
            nonce=header[4], sender=encode_address(sender), data=data,
            receiver=to_checksum_address(decode(["address"], receiver)[0]), gas_limit=_gas_limit(args),
            token_amounts=tuple((encode_address(pool), to_checksum_address(decode(["address"], dest_token)[0]),
                                 int(decode(["uint32"], exec_data)[0]), extra, amount)
                                for pool, dest_token, extra, amount, exec_data in tokens),
            source_tx="0x" + bytes(log["transactionHash"]).hex()))
    return out


def metadata_hash(source_selector: int, dest_selector: int, on_ramp: str) -> bytes:
    """The OffRamp's per-lane metadata hash (`ANY_2_EVM_MESSAGE_HASH`, source, destination, keccak of the OnRamp)."""
    return keccak(encode(["bytes32", "uint64", "uint64", "bytes32"],
                         [ANY_2_EVM_MESSAGE_HASH, source_selector, dest_selector, keccak(encode_address(on_ramp))]))


def leaf_hash(message: RampMessage, on_ramp: str) -> bytes:
    """`Internal._hash(Any2EVMRampMessage, metadataHash)`: the Merkle leaf the OffRamp recomputes."""
    fixed = keccak(encode(["bytes32", "address", "uint64", "uint256", "uint64"],
                          [message.message_id, message.receiver, message.sequence_number, message.gas_limit,
                           message.nonce]))
    tokens = keccak(encode(["(bytes,address,uint32,bytes,uint256)[]"], [list(message.token_amounts)]))
    return keccak(encode(["bytes32"] * 6, [LEAF_DOMAIN, metadata_hash(message.source_selector,
                                                                      message.dest_selector, on_ramp),
                                           fixed, keccak(message.sender), keccak(message.data), tokens]))


def merkle_root(leaves: list[bytes]) -> bytes:
    """`MerkleMultiProof._merkleRoot(leaves, [], flags)` with every leaf given: pairs taken in queue order, each pair
    sorted before hashing, as the OffRamp combines them (so no proofs are needed to execute them all at once)."""
    queue = list(leaves)
    while len(queue) > 1:
        a, b = queue.pop(0), queue.pop(0)
        low, high = sorted((a, b))
        queue.append(keccak(INTERNAL_DOMAIN + low + high))
    return queue[0]


def all_leaves_flags(count: int) -> int:
    """Proof flag bits for executing all `count` leaves of a root with no proofs."""
    return (1 << (count - 1)) - 1 if count > 1 else 0


DeliveryStatus = Literal["executed", "failed", "already-executed"]


class Delivery(BaseModel):
    """What the DON did with one message, and the OffRamp's verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: RampMessage
    status: DeliveryStatus
    detail: str = ""


@dataclass
class LocalDon:
    """The committee of a local lane: commit signers' keys and the transmitter account. Each run commits one root over
    the messages not committed yet and executes those not executed yet."""

    signer_keys: tuple[keys.PrivateKey, ...]
    transmitter: AccountAPI
    ocr_sequence: int = 0

    def commit(self, source: ChainStack, dest: ChainStack, messages: list[RampMessage],
               signer_keys: tuple[keys.PrivateKey, ...] | None = None) -> ReceiptAPI:
        """Commits one root over `messages` (consecutive sequence numbers), signed by F + 1 of `signer_keys`."""
        off_ramp = dest.off_ramps[source.selector]
        root = merkle_root([leaf_hash(m, source.on_ramp.address) for m in messages])
        report = encode([COMMIT_REPORT], [(([], []), [], [(source.selector, encode_address(source.on_ramp.address),
                                                              messages[0].sequence_number,
                                                              messages[-1].sequence_number, root)], [])])
        with dest.chain.active():
            context = self._context(off_ramp, COMMIT_PLUGIN)
            digest = keccak(keccak(report) + context[0] + context[1])
            signatures = [k.sign_msg_hash(digest) for k in (signer_keys or self.signer_keys)[:OCR_F + 1]]
            raw_vs = bytes(s.v for s in signatures).ljust(32, b"\x00")
            return off_ramp.commit(context, report, [s.r.to_bytes(32, "big") for s in signatures],
                                   [s.s.to_bytes(32, "big") for s in signatures], raw_vs, sender=self.transmitter)

    def execute(self, source: ChainStack, dest: ChainStack, messages: list[RampMessage]) -> ReceiptAPI:
        """Executes every message of one committed root (all leaves, no proofs) through the OCR `execute`."""
        off_ramp = dest.off_ramps[source.selector]
        with dest.chain.active():
            return off_ramp.execute(self._context(off_ramp, EXECUTE_PLUGIN), execution_report(source, messages),
                                    sender=self.transmitter)

    def run(self, source: ChainStack, dest: ChainStack, from_block: int = 0) -> list[Delivery]:
        """Commits and executes every message from `source` to `dest` the OffRamp has not seen, executes one
        committed earlier but never executed, and retries a FAILURE with `manuallyExecute`. Returns one Delivery per
        message seen."""
        off_ramp = dest.off_ramps[source.selector]
        messages = sent_messages(source, dest.selector, from_block)
        with dest.chain.active():
            next_seq = int(off_ramp.getSourceChainConfig(source.selector).minSeqNr)
        fresh = [m for m in messages if m.sequence_number >= next_seq]
        if fresh:
            self.commit(source, dest, fresh)
            self.execute(source, dest, fresh)
        deliveries = []
        for message in messages:
            state = execution_state(dest, message)
            acted = message in fresh
            detail = ""
            if state == "UNTOUCHED" and not acted:  # committed by an earlier run that stopped before executing
                self.execute(source, dest, self._root_of(messages, message, source, dest))
                state, acted = execution_state(dest, message), True
            if state == "FAILURE" and not acted:
                try:  # a manual retry that fails again reverts (ExecutionError), leaving the message FAILURE
                    manually_execute(source, dest, [message], self.transmitter, messages_in_root=self._root_of(
                        messages, message, source, dest))
                except ContractLogicError as refused:
                    detail = str(refused.revert_message or refused)
                state, acted = execution_state(dest, message), True
            status: DeliveryStatus = "failed" if state != "SUCCESS" else "executed" if acted else "already-executed"
            deliveries.append(Delivery(message=message, status=status, detail=detail))
        return deliveries

    def _root_of(self, messages: list[RampMessage], message: RampMessage, source: ChainStack,
                 dest: ChainStack) -> list[RampMessage]:
        """The committed batch `message` belongs to: the messages of the interval of the OffRamp's accepted root
        (`CommitReportAccepted`) that holds its sequence number."""
        off_ramp = dest.off_ramps[source.selector]
        with dest.chain.active():
            logs = networks.provider.web3.eth.get_logs({
                "address": off_ramp.address, "fromBlock": 0, "toBlock": "latest",
                "topics": ["0x" + COMMIT_REPORT_ACCEPTED.hex()]})
        for log in logs:
            _blessed, unblessed, _prices = decode([MERKLE_ROOTS, MERKLE_ROOTS, PRICE_UPDATES], bytes(log["data"]))
            for selector, _on_ramp, low, high, _root in unblessed:
                if selector == source.selector and low <= message.sequence_number <= high:
                    batch = [m for m in messages if low <= m.sequence_number <= high]
                    if len(batch) != high - low + 1:
                        raise CcipError(f"messages {low}..{high} are not all in the range read: read from an "
                                        "earlier block")
                    return batch
        raise CcipError(f"no committed root holds message {message.sequence_number}")

    def _context(self, off_ramp: ContractInstance, plugin: int) -> tuple[bytes, bytes]:
        self.ocr_sequence += 1
        digest = bytes(off_ramp.latestConfigDetails(plugin).configInfo.configDigest)
        return digest, self.ocr_sequence.to_bytes(32, "big")


def execution_report(source: ChainStack, messages: list[RampMessage]) -> bytes:
    """`abi.encode(ExecutionReport[])` with one report: `messages` (one root, all leaves), no token data, no proofs."""
    return encode([EXECUTION_REPORTS], [[(source.selector, [m.as_tuple() for m in messages],
                                          [[b"" for _ in m.token_amounts] for m in messages], [],
                                          all_leaves_flags(len(messages)))]])


def manually_execute(source: ChainStack, dest: ChainStack, messages: list[RampMessage], caller: AccountAPI,
                     messages_in_root: list[RampMessage] | None = None) -> ReceiptAPI:
    """`OffRamp.manuallyExecute` (anyone): a FAILURE message at once, an untouched one once its root is older than the
    permissionless threshold. `messages_in_root` is the committed batch when `messages` is only part of it."""
    batch = messages_in_root or messages
    off_ramp = dest.off_ramps[source.selector]
    report = (source.selector, [m.as_tuple() for m in batch], [[b"" for _ in m.token_amounts] for m in batch], [],
              all_leaves_flags(len(batch)))
    overrides = [(0, [0 for _ in m.token_amounts]) for m in batch]
    # Encoded here: Ape's ABI parser drops a dimension of `GasLimitOverride[][]` (it encodes `(uint256,uint32[])[]`).
    data = MANUALLY_EXECUTE + encode([EXECUTION_REPORTS, "(uint256,uint32[])[][]"], [[report], [overrides]])
    with dest.chain.active():
        return caller.call(networks.ethereum.create_transaction(receiver=off_ramp.address, data=data,
                                                                 sender=caller.address))


def execution_state(dest: ChainStack, message: RampMessage) -> str:
    """The OffRamp's execution state of `message`: UNTOUCHED, IN_PROGRESS, SUCCESS or FAILURE."""
    with dest.chain.active():
        return EXECUTION_STATES[int(dest.off_ramps[message.source_selector].getExecutionState(
            message.source_selector, message.sequence_number))]


def head(side: ChainStack) -> int:
    """The chain's latest block number."""
    with side.chain.active():
        return int(ape_chain.blocks.height)
