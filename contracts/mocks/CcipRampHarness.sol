// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pool} from "@chainlink/contracts-ccip/contracts/libraries/Pool.sol";
import {Client} from "@chainlink/contracts-ccip/contracts/libraries/Client.sol";
import {RatCcipPool} from "../bridge/RatCcipPool.sol";

/// @title CcipRampHarness
/// @notice Test stand-in for CCIP's OnRamp and OffRamp (whose full deployment is not wired yet, ADR 0106): registered
/// on the real CCIP Router as a lane's ramp, it does what Router.ccipSend + OnRamp do to a pool in one transaction
/// (pull the sender's tokens into the pool, then `lockOrBurn`), and what the OffRamp does (`releaseOrMint`).
/// On two chains, the source harness numbers each send and emits `MessageSent`; a relay (`rat/bridge/relay.py`) carries
/// it to the destination harness's `execute`, which runs each (source, sequence number) at most once, as the OffRamp's
/// execution state does. A pool that originates a message itself (`RatCcipPool.returnQuarantined`) goes through the
/// real Router's `ccipSend`, which calls this harness as the OnRamp (`getFee`, `getPoolBySourceToken`,
/// `forwardFromRouter`): the same `lockOrBurn` and `MessageSent` as `send`.
contract CcipRampHarness {
    using SafeERC20 for IERC20;

    /// @notice Sequence number of the last message sent to each destination.
    mapping(uint64 dest => uint64 sequenceNumber) public lastSequenceNumber;
    /// @notice Whether a message from `source` with this sequence number has been executed here.
    mapping(uint64 source => mapping(uint64 sequenceNumber => bool)) public executed;

    /// @notice A send burned on this chain and is waiting for the relay.
    event MessageSent(
        uint64 indexed dest, uint64 indexed sequenceNumber, address pool, address sender, address recipient,
        uint256 amount, bytes destPoolData
    );
    /// @notice A relayed message was executed here (tokens released or minted).
    event MessageExecuted(uint64 indexed source, uint64 indexed sequenceNumber, address recipient, uint256 amount);

    /// @notice The Router allowed to forward messages (set with `registerPool`).
    address public router;
    /// @notice The pool of each token, as CCIP's TokenAdminRegistry records it.
    mapping(address token => RatCcipPool pool) public poolOf;
    /// @notice The native fee quoted for a message (wei); the Router pays it here in wrapped native.
    uint256 public fee;

    /// @notice The message was executed already.
    error AlreadyExecuted(uint64 source, uint64 sequenceNumber);
    /// @notice Only the Router forwards messages.
    error OnlyRouter(address caller);
    /// @notice A message must carry exactly one token amount (the pool's asset).
    error UnsupportedMessage();

    /// @notice Test set-up: the Router that forwards messages and the pool of `token` (TokenAdminRegistry's role).
    /// @param router_ The CCIP Router this harness is registered on as OnRamp.
    /// @param token A RAT asset.
    /// @param pool Its RatCcipPool.
    function registerPool(address router_, address token, RatCcipPool pool) external {
        router = router_;
        poolOf[token] = pool;
    }

    /// @notice Test set-up: the fee `getFee` quotes.
    /// @param fee_ Wei.
    function setFee(uint256 fee_) external {
        fee = fee_;
    }

    /// @notice The fee of a message, as the OnRamp quotes it to the Router.
    /// @return The configured fee.
    function getFee(uint64, Client.EVM2AnyMessage calldata) external view returns (uint256) {
        return fee;
    }

    /// @notice The pool the Router moves `sourceToken` into before forwarding.
    /// @param sourceToken The token sent.
    /// @return The registered pool.
    function getPoolBySourceToken(uint64, IERC20 sourceToken) external view returns (address) {
        return address(poolOf[address(sourceToken)]);
    }

    /// @notice What the OnRamp does once the Router has moved the tokens into the pool: `lockOrBurn`, then number the
    /// message and emit `MessageSent` for the relay.
    /// @param dest The destination chain selector.
    /// @param message The message (one token amount; the receiver abi-encoded).
    /// @param originalSender The Router's caller.
    /// @return messageId keccak256 of (dest, sequence number), unique per harness.
    function forwardFromRouter(uint64 dest, Client.EVM2AnyMessage calldata message, uint256, address originalSender)
        external
        returns (bytes32 messageId)
    {
        if (msg.sender != router) revert OnlyRouter(msg.sender);
        if (message.tokenAmounts.length != 1) revert UnsupportedMessage();
        Client.EVMTokenAmount calldata sent = message.tokenAmounts[0];
        RatCcipPool pool = poolOf[sent.token];
        address recipient = abi.decode(message.receiver, (address));
        Pool.LockOrBurnOutV1 memory out = pool.lockOrBurn(
            Pool.LockOrBurnInV1({
                receiver: message.receiver,
                remoteChainSelector: dest,
                originalSender: originalSender,
                amount: sent.amount,
                localToken: sent.token
            })
        );
        uint64 sequenceNumber = ++lastSequenceNumber[dest];
        emit MessageSent(dest, sequenceNumber, address(pool), originalSender, recipient, sent.amount, out.destPoolData);
        return keccak256(abi.encode(dest, sequenceNumber));
    }

    /// @notice Moves `amount` from the caller into `pool` and asks it to burn them for `recipient` on `dest`.
    /// @param pool The source pool.
    /// @param dest The destination chain selector.
    /// @param recipient The recipient on the destination.
    /// @param amount Token units.
    /// @return out The pool's lock-or-burn output.
    function send(RatCcipPool pool, uint64 dest, address recipient, uint256 amount)
        external
        returns (Pool.LockOrBurnOutV1 memory out)
    {
        address token = pool.getToken();
        IERC20(token).safeTransferFrom(msg.sender, address(pool), amount);
        out = pool.lockOrBurn(
            Pool.LockOrBurnInV1({
                receiver: abi.encode(recipient),
                remoteChainSelector: dest,
                originalSender: msg.sender,
                amount: amount,
                localToken: token
            })
        );
        uint64 sequenceNumber = ++lastSequenceNumber[dest];
        emit MessageSent(dest, sequenceNumber, address(pool), msg.sender, recipient, amount, out.destPoolData);
    }

    /// @notice Executes a relayed message once: delivers it to `pool` as the OffRamp does.
    /// @param pool The destination pool.
    /// @param source The source chain selector.
    /// @param sequenceNumber The source harness's sequence number of the message.
    /// @param sourcePool abi.encode of the source pool address.
    /// @param sender The original sender on the source.
    /// @param recipient The recipient here.
    /// @param amount Token units.
    /// @param sourcePoolData The source pool's `destPoolData`.
    /// @return minted The amount minted.
    function execute(
        RatCcipPool pool,
        uint64 source,
        uint64 sequenceNumber,
        bytes calldata sourcePool,
        address sender,
        address recipient,
        uint256 amount,
        bytes calldata sourcePoolData
    ) external returns (uint256 minted) {
        if (executed[source][sequenceNumber]) revert AlreadyExecuted(source, sequenceNumber);
        executed[source][sequenceNumber] = true;
        minted = this.deliver(pool, source, sourcePool, sender, recipient, amount, sourcePoolData);
        emit MessageExecuted(source, sequenceNumber, recipient, minted);
    }

    /// @notice Delivers a message's tokens on the destination as the OffRamp does.
    /// @param pool The destination pool.
    /// @param source The source chain selector.
    /// @param sourcePool abi.encode of the source pool address.
    /// @param sender The original sender on the source.
    /// @param recipient The recipient here.
    /// @param amount Token units.
    /// @param sourcePoolData The source pool's `destPoolData`.
    /// @return The amount minted.
    function deliver(
        RatCcipPool pool,
        uint64 source,
        bytes calldata sourcePool,
        address sender,
        address recipient,
        uint256 amount,
        bytes calldata sourcePoolData
    ) external returns (uint256) {
        return pool.releaseOrMint(
            Pool.ReleaseOrMintInV1({
                originalSender: abi.encode(sender),
                remoteChainSelector: source,
                receiver: recipient,
                sourceDenominatedAmount: amount,
                localToken: pool.getToken(),
                sourcePoolAddress: sourcePool,
                sourcePoolData: sourcePoolData,
                offchainTokenData: ""
            })
        ).destinationAmount;
    }
}
