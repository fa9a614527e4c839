// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title RatGovernanceToken
/// @notice The voting token of RAT governance (ERC20Votes, checkpointed by block number). It is separate from
/// the equity tokens: holding an equity never gives a vote. The whole supply is minted once, at deployment; no
/// account, governance included, can mint more.
contract RatGovernanceToken is ERC20, ERC20Permit, ERC20Votes {
    error ZeroAddress();
    error ZeroSupply();

    /// @param name_ ERC-20 name, also the EIP-712 domain name of permits.
    /// @param symbol_ ERC-20 symbol.
    /// @param holder Receives the fixed supply (a distribution contract or a treasury multisig in production).
    /// @param supply Total supply, token units (18 decimals).
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (holder == address(0)) revert ZeroAddress();
        if (supply == 0) revert ZeroSupply();
        _mint(holder, supply);
    }

    /// @notice Next permit / delegation-by-signature nonce of `owner`.
    /// @param owner The account.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
