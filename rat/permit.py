"""ERC-2612 permit signing for RAT tokens (EIP-712), used by the tests, the demo and integrators."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data

PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def permit_signature(
    private_key: str | bytes,
    *,
    token_name: str,
    token_address: str,
    chain_id: int,
    owner: str,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
) -> bytes:
    """65-byte r‖s‖v signature of a Permit; `owner` may be an ERC-1271 wallet whose signer holds the key."""
    domain = {"name": token_name, "version": "1", "chainId": chain_id, "verifyingContract": token_address}
    message = {"owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline}
    signable = encode_typed_data(domain_data=domain, message_types=PERMIT_TYPES, message_data=message)
    return bytes(Account.sign_message(signable, private_key).signature)
