"""`rat-attestor`: one attestor role (brokerage or custody) as its own service, in its own trust domain.

It holds the only copy of its role's key, reads the chain and its own vendor itself, and signs a Minter `Fill`
only when both confirm it; the relayer asks it over mutual TLS and keeps nothing but the submitter key
(docs/decisions/0048-attestors-as-separate-services.md)."""
