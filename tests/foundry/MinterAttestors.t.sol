// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AttestorRole} from "../../contracts/interfaces/IMinter.sol";
import {RatFixture, N_ATTESTORS} from "./helpers/RatFixture.sol";

/// @title The Minter's attestor set as integrators read it: the role each key signs for, NONE for any other key.
contract MinterAttestors is RatFixture {
    function setUp() public {
        _deploySystem();
    }

    /// Relayers and auditors check a signer's role through `attestorRole` before collecting its signature; every
    /// configured key reads back the role it was given, and an unconfigured key reads NONE.
    function test_everyAttestorKeyReadsBackItsRoleAndAnyOtherKeyReadsNone() public {
        for (uint256 i; i < N_ATTESTORS; ++i) {
            assertEq(
                uint8(sys.minter.attestorRole(vm.addr(sys.attestorKeys[i]))), uint8(sys.attestorRoles[i]), "role"
            );
        }
        assertEq(uint8(sys.minter.attestorRole(makeAddr("stranger"))), uint8(AttestorRole.NONE), "stranger");
    }

    /// Removing an attestor (role NONE) is visible at once: its key reads NONE afterwards.
    function test_anAttestorSetToNoneReadsNone() public {
        address key = vm.addr(sys.attestorKeys[0]);
        vm.prank(sys.timelock);
        sys.minter.setAttestor(key, AttestorRole.NONE);
        assertEq(uint8(sys.minter.attestorRole(key)), uint8(AttestorRole.NONE), "removed");
    }
}
