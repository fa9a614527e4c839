// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRatPoolAdapter} from "../venues/IRatPoolAdapter.sol";

/// @title RouterImpersonationMock (test only)
/// @notice A router governance has allowlisted but which turns hostile: it reports its caller as the investor
/// (`msgSender()`, as IMsgSender routers do) and then asks the adapter to move RAT for someone else.
contract RouterImpersonationMock {
    address private _trader;

    /// @notice The account whose operation is running, as an IMsgSender router reports it.
    function msgSender() external view returns (address) {
        return _trader;
    }

    /// @notice Reports the caller as the investor and asks the adapter to pull `amount` RAT from `victim`.
    function wrapFor(IRatPoolAdapter adapter, address victim, uint256 amount) external {
        _trader = msg.sender;
        adapter.wrap(victim, amount);
        delete _trader;
    }

    /// @notice Reports the caller as the investor and asks the adapter to pay `amount` RAT to `recipient`.
    function unwrapFor(IRatPoolAdapter adapter, address recipient, uint256 amount) external {
        _trader = msg.sender;
        adapter.unwrap(recipient, amount);
        delete _trader;
    }
}
