"""RAT relayer: turns brokerage fills and custody confirmations into attested, exactly-once mint/burn
fulfilments on the Minter contract.

The daemon is a set of small parts wired by `relayer.daemon`: a chain watcher (`watcher`), a saga engine
(`saga`), a transaction sender with durable intents (`sender`), signers per attestor role (`signers`), adapters
for the regulated world (`adapters`) and one persisted state store (`store`)."""

__all__ = ["__version__"]
__version__ = "0.1.0"
