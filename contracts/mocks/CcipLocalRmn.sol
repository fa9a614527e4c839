// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CcipLocalRmn
/// @notice Local stand-in for CCIP's Risk Management Network proxy, which the Router asks before every `ccipSend`
/// and the pools before every `lockOrBurn` and `releaseOrMint` (`isCursed(subject)`). Uncursed until its owner (the
/// deployer) curses a subject, as RMNRemote's owner can: a lane's `bytes16(uint128(chainSelector))`, or
/// `GLOBAL_CURSE_SUBJECT` for every lane. Local chains only (ADR 0106: RMNRemote itself belongs to the full lane).
contract CcipLocalRmn {
    /// @notice RMNRemote's subject that curses every lane at once.
    bytes16 public constant GLOBAL_CURSE_SUBJECT = 0x01000000000000000000000000000001;

    /// @notice The account that may curse and lift curses (the deployer).
    address public immutable OWNER;
    /// @notice Whether a subject is cursed now.
    mapping(bytes16 subject => bool) public cursed;

    /// @notice `subject` was cursed.
    event Cursed(bytes16 indexed subject);
    /// @notice The curse on `subject` was lifted.
    event Uncursed(bytes16 indexed subject);

    /// @notice Only the owner curses and lifts curses.
    error OnlyOwner(address caller);

    constructor() {
        OWNER = msg.sender;
    }

    /// @notice Curses `subject` (owner only).
    /// @param subject A lane's `bytes16(uint128(chainSelector))`, or GLOBAL_CURSE_SUBJECT.
    function curse(bytes16 subject) external {
        if (msg.sender != OWNER) revert OnlyOwner(msg.sender);
        cursed[subject] = true;
        emit Cursed(subject);
    }

    /// @notice Lifts the curse on `subject` (owner only).
    /// @param subject A cursed subject.
    function uncurse(bytes16 subject) external {
        if (msg.sender != OWNER) revert OnlyOwner(msg.sender);
        cursed[subject] = false;
        emit Uncursed(subject);
    }

    /// @notice Whether every lane is cursed (a global curse).
    /// @return True under a global curse.
    function isCursed() external view returns (bool) {
        return cursed[GLOBAL_CURSE_SUBJECT];
    }

    /// @notice Whether `subject` is cursed, or every lane is.
    /// @param subject A lane's `bytes16(uint128(chainSelector))`.
    /// @return True when cursed.
    function isCursed(bytes16 subject) external view returns (bool) {
        return cursed[subject] || cursed[GLOBAL_CURSE_SUBJECT];
    }
}
