"""Pulumi entry point: `pulumi up -s staging` (or prod, prod-eea) from infra/."""

import pulumi
from rat_infra.secrets import RUNTIME_SECRETS
from rat_infra.settings import StackSettings
from rat_infra.stack import RatStack
from rat_infra.stack_files import check_standby_pairs

config = pulumi.Config("rat")
settings = StackSettings.from_config(pulumi.get_stack(), config.require_object("settings"))
# A primary and its standby are checked together (same jurisdiction, other region, never both active) before anything
# is declared: `pulumi up` of either is refused while its partner's stack file disagrees (decision 0073).
check_standby_pairs(settings)
# Optional: values may instead be written straight into Secrets Manager by an operator.
secret_values = {name: value for name in RUNTIME_SECRETS if (value := config.get_secret(name)) is not None}
stack = RatStack(settings, secret_values, image_tag=config.get("imageTag") or "bootstrap")

pulumi.export("api_hostname", stack.api_hostname)
pulumi.export("trp_hostname", stack.trp_hostname)
pulumi.export("custody_attestor_hostname", stack.custody_attestor_hostname)  # deploys: custody-attestor only
pulumi.export("db_endpoint", stack.db_endpoint)
pulumi.export("repository_url", stack.repository_url)
pulumi.export("signing_key_ids", stack.signing_key_ids)
pulumi.export("db_arn", stack.db_arn)
pulumi.export("signing_key_arns", stack.signing_key_arns)
pulumi.export("signer_role_names", stack.signer_role_names)
