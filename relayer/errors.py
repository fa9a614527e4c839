"""Typed failures. Each carries a message an operator can act on; none ever includes key material."""

from __future__ import annotations


class RelayerError(Exception):
    """Base class: everything the relayer raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def explain(self) -> str:
        return f"{self}\n  fix: {self.hint}" if self.hint else str(self)


class ConfigError(RelayerError):
    hint = "check the relayer config file (rat-relayer doctor --config FILE shows every problem)"


class StoreError(RelayerError):
    hint = "check the database URL and that the database is reachable"


class SchemaTooNew(StoreError):
    hint = "this database was migrated by a newer relayer; upgrade the relayer instead of downgrading the schema"


class LeaseLost(StoreError):
    hint = "another relayer instance holds the work lease; only one instance processes sagas at a time"


class SignerError(RelayerError):
    hint = "check the signer configuration for this attestor role"


class SignerLocked(SignerError):
    hint = "set the keystore passphrase in the environment variable named by the signer config"


class KmsSignatureMismatch(SignerError):
    hint = "the KMS key did not produce a signature recoverable to its own address; check the key spec is ECC_SECG_P256K1"


class RpcError(RelayerError):
    hint = "check the RPC URL and that the node is synced"

    def __init__(self, message: str, code: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


class RpcUnavailable(RpcError):
    hint = ("the node did not answer: check rpc_url and the node. A running daemon keeps retrying with backoff; "
            "`rat-relayer run` and `doctor` stop at start until the node answers")


class AdapterError(RelayerError):
    """A vendor (broker, custodian, oracle) failed. `retryable` tells the saga whether waiting can help."""

    hint = "check the adapter's base URL and credentials"

    def __init__(self, message: str, retryable: bool, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.retryable = retryable


class OrderRejected(RelayerError):
    """The broker refused the order for good: the request is rejected on-chain and its escrow refunded."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"order rejected: {reason}")
        self.reason = reason


class CircuitOpen(RelayerError):
    hint = (
        "custody and on-chain supply disagree; reconcile the custody account, then run "
        "`rat-relayer breaker reset` once the books match"
    )
