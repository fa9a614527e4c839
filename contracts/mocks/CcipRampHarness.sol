// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pool} from "@chainlink/contracts-ccip/contracts/libraries/Pool.sol";
import {RatCcipPool} from "../bridge/RatCcipPool.sol";

/// @title CcipRampHarness
/// @notice Test stand-in for CCIP's OnRamp and OffRamp (whose full deployment is not wired yet, ADR 0106): registered
/// on the real CCIP Router as a lane's ramp, it does what Router.ccipSend + OnRamp do to a pool in one transaction
/// (pull the sender's tokens into the pool, then `lockOrBurn`), and what the OffRamp does (`releaseOrMint`).
/// On two chains, the source harness numbers each send and emits `MessageSent`; a relay (`rat/bridge/relay.py`) carries
/// it to the destination harness's `execute`, which runs each (source, sequence number) at most once, as the OffRamp's
/// execution state does.
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

    /// @notice The message was executed already.
    error AlreadyExecuted(uint64 source, uint64 sequenceNumber);

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
