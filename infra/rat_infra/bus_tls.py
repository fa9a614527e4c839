"""The certificate NATS servers present to bus clients (relayer, API, KYC operator) on the client port 4222
(ADR 0042).

A CA of its own, not the route CA (rat_infra/route_tls.py): a client must trust only the bus's client port, and the
two secrets are handed to different tasks. Had the clients been given the route CA, the trust anchor every API task
holds would also vouch for route peers, and rotating one certificate would force rotating the other. So: one
bundle per stack, a private CA made for it, and one server-only certificate (no client-auth usage: it cannot join a
route) for `*.<namespace>`, which every server `nats-<i>.<namespace>` matches. The CA's key is thrown away once the
certificate is signed: nothing can issue a second bus certificate, and rotating means issuing a new bundle.

The bundle is the stack's `nats-client-tls` secret (JSON: `ca`, `cert`, `key`): ECS hands `cert` and `key` to each
server and `ca` to each bus client, which verifies the server's certificate and name against it.

    python -m rat_infra.bus_tls issue --namespace prod.rat.internal > bundle.json
    aws secretsmanager put-secret-value --secret-id rat-prod/nats-client-tls --secret-string file://bundle.json

Rotation: store the new bundle, then restart the bus clients' tasks and the servers together (a client holding the
old CA refuses a server with the new certificate, and the reverse), e.g. `aws ecs update-service
--force-new-deployment` for each nats-<i>, api and kyc-operator service. The clients keep their events in the
outbox while the bus is unreachable, so nothing is lost across the gap.
"""

from __future__ import annotations

import datetime as dt
import json

import click

from rat_infra.route_tls import DEFAULT_DAYS, issue_bundle, namespace_wildcard


def issue_bus_bundle(host: str, days: int = DEFAULT_DAYS, now: dt.datetime | None = None) -> dict[str, str]:
    """A fresh CA and the server-only client-port certificate for `host` (`*.<namespace>` in a stack)."""
    return issue_bundle([host], days, now, purpose="bus client-port", client_auth=False)


@click.group()
def cli() -> None:
    """Client-port TLS for the stack's NATS servers (the `nats-client-tls` secret)."""


@cli.command()
@click.option("--namespace", required=True, metavar="NAME",
              help="The stack's Cloud Map namespace, e.g. prod.rat.internal: the certificate names *.NAME, which "
                   "covers every server nats-<i>.NAME the clients' RAT_NATS_URL lists, also ones added later.")
@click.option("--days", type=click.IntRange(min=1), default=DEFAULT_DAYS, show_default=True,
              help="Validity. Before it ends, issue and store a new bundle, then redeploy the servers and the bus "
                   "clients (api, kyc-operator) together; events wait in the outbox meanwhile.")
def issue(namespace: str, days: int) -> None:
    """Print a new client-port TLS bundle as JSON, for `aws secretsmanager put-secret-value`."""
    click.echo(json.dumps(issue_bus_bundle(namespace_wildcard(namespace), days), indent=2))


if __name__ == "__main__":
    cli()
