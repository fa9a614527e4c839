"""Runs the Pulumi program against Pulumi's in-process mocks: no CLI, no cloud, no plugins. Every resource the
program declares is recorded with its resolved inputs, for the tests and the cost model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from rat_infra.settings import StackSettings
from rat_infra.stack import RatStack

MOCK_ACCOUNT_ID = "111122223333"


def mock_arn(typ: str, name: str) -> str:
    return f"arn:mock:{typ}:{name}"


@dataclass(frozen=True)
class Declared:
    type: str
    name: str
    inputs: Mapping[str, Any]
    provider: str | None
    id: str

    @property
    def tags(self) -> Mapping[str, str]:
        return self.inputs.get("tags") or {}


STACK_REFERENCE = "pulumi:pulumi:StackReference"


def primary_outputs(primary_stack: str) -> dict[str, Any]:
    """What `pulumi up` of `primary_stack` exports for its standby (infra/__main__.py), as the mocks name it: the
    ARN of the instance and keys it declares, and its signer task roles' names."""
    from rat_infra.stack_files import load_stack_settings
    from rat_infra.workloads import signer_of

    primary = load_stack_settings(primary_stack)
    signers = signer_of(primary.workloads)
    return {
        "db_arn": mock_arn("aws:rds/instance:Instance", f"{primary.prefix}-db"),
        "signing_key_arns": {r.value: mock_arn("aws:kms/key:Key", f"{primary.prefix}-{r.value}-signing")
                             for r in signers},
        "signer_role_names": {r.value: f"{primary.prefix}-{w.name}-task" for r, w in signers.items()},
    }


@dataclass
class _RecordingMocks(pulumi.runtime.Mocks):
    resources: list[Declared] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            stack_name = args.inputs["name"].rsplit("/", 1)[-1]
            state = {"name": args.inputs["name"], "outputs": primary_outputs(stack_name), "secretOutputNames": []}
            self.resources.append(Declared(args.typ, args.name, args.inputs, args.provider, args.name))
            return args.name, state
        # Unique across types: an RDS parameter group and a security group may share a logical name.
        resource_id = f"{args.name}.{args.typ.rsplit(':', 1)[-1]}"
        # Outputs mirror inputs plus what AWS would compute, so dependants resolve to traceable values.
        state = {
            **args.inputs,
            "arn": mock_arn(args.typ, args.name),
            "name": args.inputs.get("name", args.name),
        }
        if args.typ == "aws:rds/instance:Instance":
            state |= {
                "address": f"{args.name}.db.internal",
                "resourceId": f"db-{args.name}",
                "masterUserSecrets": [{"secretArn": f"arn:mock:secret:{args.name}-master"}],
            }
        if args.typ in ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"):
            state["keyId"] = resource_id
        if args.typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
            # What CloudWatch dimensions name a load balancer and a target group by.
            state["arnSuffix"] = f"{args.name}/mock-suffix"
        if args.typ == "aws:lb/loadBalancer:LoadBalancer":
            state["dnsName"] = f"{args.name}.elb.mock"
        self.resources.append(Declared(args.typ, args.name, args.inputs, args.provider, resource_id))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": MOCK_ACCOUNT_ID,
                "arn": f"arn:aws:iam::{MOCK_ACCOUNT_ID}:user/mock",
                "userId": "mock",
                "id": MOCK_ACCOUNT_ID,
            }
        raise NotImplementedError(f"no mock for {args.token}")


def declare_program(stack: str, program: Callable[[], Any]) -> list[Declared]:
    """Runs `program` as stack `stack` under mocks and returns every resource in declaration order."""
    mocks = _RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="rat", stack=stack, preview=False)
    pulumi.runtime.test(program)()
    return list(mocks.resources)


def declare(settings: StackSettings) -> list[Declared]:
    def program() -> pulumi.Output[Any]:
        stack = RatStack(settings)
        return pulumi.Output.all(stack.api_hostname, stack.db_endpoint)

    return declare_program(settings.stack, program)
