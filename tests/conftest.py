"""Shared fixtures: one compliance stack and one listed equity per test module, rolled back between tests by
Ape's snapshot isolation, so each test starts from the same chain state."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rat.deploy import AssetTerms, ComplianceStack, approve_investor, deploy_compliance_stack, list_equity, role


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def kyc_operator(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def sanctions_officer(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def minter(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def pauser(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def recovery_agent(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def mallory(accounts):
    """Holds no role and no KYC record."""
    return accounts[8]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts[9]


def _revert_selector(error: Any) -> bytes | None:
    """The 4-byte selector a revert carried: from a decoded custom error's ABI, else from undecoded revert data
    (Ape leaves it in `revert_message` when the reverting contract's ABI does not hold the error)."""
    from ape.exceptions import CustomError
    from eth_utils import keccak

    if isinstance(error, CustomError):
        return keccak(text=error.abi.selector)[:4]
    # Undecoded data reads "0x<selector><args>" from a transaction and "custom error 0x<selector>: <args>" from a
    # call (anvil's wording).
    found = re.match(r"(?:custom error )?0x([0-9a-fA-F]{8})", error.revert_message or "")
    return bytes.fromhex(found.group(1)) if found else None


def _strict_custom_error_reverts() -> None:
    """`ape.reverts(contract.SomeError)` passes on *any* revert Ape cannot decode as a custom error (Ape 0.8.51
    checks the class only when the raised error is itself a decoded `CustomError`), so an error bubbling up from
    another contract, a panic or a string reason would satisfy every custom-error expectation. Every test in this
    tree gets the strict form instead: the revert's selector must be the expected error's."""
    from ape.exceptions import ContractLogicError, CustomError
    from ape.pytest.contextmanagers import RevertsContextManager
    from eth_utils import keccak

    lenient_exit = RevertsContextManager.__exit__
    if getattr(lenient_exit, "strict", False):
        return

    def strict_exit(self, exc_type, exc_value, traceback) -> bool:
        expected = self.expected_message
        if (isinstance(expected, type) and issubclass(expected, CustomError)
                and isinstance(exc_value, ContractLogicError)):
            wanted = keccak(text=expected.abi.selector)[:4]
            if _revert_selector(exc_value) != wanted:
                raise AssertionError(f"expected the custom error {expected.abi.selector} (0x{wanted.hex()}) but the "
                                     f"call reverted with {type(exc_value).__name__}: {exc_value.revert_message!r}")
        return lenient_exit(self, exc_type, exc_value, traceback)

    strict_exit.strict = True
    RevertsContextManager.__exit__ = strict_exit


_strict_custom_error_reverts()


GAS_MONEY = 10**21  # wei: 1,000 ETH, more than any test spends on gas


@pytest.fixture(scope="session")
def new_account(accounts) -> Callable[[], Any]:
    """Makes a fresh account with gas money, for a role that must not be one of the ten named accounts."""

    def make() -> Any:
        account = accounts.generate_test_account()
        account.balance = GAS_MONEY
        return account

    return make


@pytest.fixture(scope="session", autouse=True)
def _named_accounts(admin, kyc_operator, sanctions_officer, minter, pauser, recovery_agent, alice, bob, carol, mallory):
    """Resolves every account fixture before any chain-changing fixture, so Ape's snapshot isolation never has
    to rebase a module fixture because a session one was requested late. Each folder whose conftest defines session
    fixtures does the same with an autouse `_session_fixtures_first`: a session fixture first requested late in a
    module once made Ape rebase that module's fixtures and re-run a listing against a beacon the rebase had reverted
    away (ERC1967InvalidBeacon at setup, in CI, depending on how xdist spread the files)."""


@pytest.fixture(scope="module")
def stack(admin, kyc_operator, sanctions_officer) -> ComplianceStack:
    s = deploy_compliance_stack(admin)
    s.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
    s.registry.grantRole(role("SANCTIONS_OFFICER_ROLE"), sanctions_officer, sender=admin)
    s.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    return s


@pytest.fixture(scope="module")
def registry(stack):
    return stack.registry


@pytest.fixture(scope="module")
def token(stack, admin, minter, pauser, recovery_agent):
    t = list_equity(admin, stack, AssetTerms.example(), admin)
    t.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    t.grantRole(role("PAUSER_ROLE"), pauser, sender=admin)
    t.grantRole(role("UNPAUSER_ROLE"), pauser, sender=admin)
    t.grantRole(role("FORCED_TRANSFER_ROLE"), recovery_agent, sender=admin)
    return t


@pytest.fixture(scope="module")
def kyc(stack, kyc_operator, chain):
    """Approves an account: kyc(account, tier=1, country="BR", valid_for=...)."""

    def approve(account, tier: int = 1, country: str = "BR", valid_for: int = 365 * 24 * 3600) -> None:
        approve_investor(stack, kyc_operator, account.address if hasattr(account, "address") else account,
                         tier, country, valid_for, now=chain.pending_timestamp)

    return approve


@pytest.fixture(scope="module")
def funded(token, kyc, minter, alice, bob):
    """Alice and Bob approved (Brazil, retail); Alice holds 100 shares."""
    kyc(alice)
    kyc(bob)
    token.mint(alice, 100 * 10**18, sender=minter)
    return token


ROOT = Path(__file__).resolve().parents[1]
# Runs OpenZeppelin's StandardMerkleTree (node) for the reserve and dividend trees' byte-compatibility checks.
OZ_SCRIPT = ROOT / "tests" / "reserves" / "oz_tree.js"


@pytest.fixture(scope="session")
def oz() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Runs one request through OpenZeppelin's library (tests/reserves/oz_tree.js) and returns its answer."""
    node = shutil.which("node")
    module = ROOT / "node_modules" / "@openzeppelin" / "merkle-tree"
    if node is None or not module.is_dir():
        pytest.fail("node and node_modules/@openzeppelin/merkle-tree are required: run `make bootstrap`")

    def run(request: dict[str, Any]) -> dict[str, Any]:
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(request, f)
        try:
            done = subprocess.run([node, str(OZ_SCRIPT), f.name], capture_output=True, text=True, cwd=ROOT,
                                  timeout=120, check=False)
        finally:
            os.unlink(f.name)
        if done.returncode != 0:
            raise AssertionError(f"OpenZeppelin helper failed: {done.stderr}")
        return json.loads(done.stdout)

    return run
