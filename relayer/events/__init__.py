"""Protocol events: a transactional outbox in the state store, drained to NATS JetStream when one is configured.

Importing this package has no side effects and does not import the store, so the store can write outbox rows."""
