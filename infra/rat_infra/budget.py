"""A monthly AWS Budget per stack, so real spend is watched against the same figure the cost model is tested
against. Alerts go to the stack's encrypted alarm topic: forecast at 80 %, actual at 100 %."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from rat_infra.settings import StackSettings

FORECAST_ALERT_PERCENT = 80.0
ACTUAL_ALERT_PERCENT = 100.0


def _topic_policy(topic_arn: str, account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AwsBudgetsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "budgets.amazonaws.com"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                },
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                },
            ],
        }
    )


def build_budget(
    settings: StackSettings, topic: aws.sns.Topic, account_id: pulumi.Output[str], parent: pulumi.Resource
) -> aws.budgets.Budget:
    opts = pulumi.ResourceOptions(parent=parent)
    aws.sns.TopicPolicy(
        f"{settings.prefix}-alarms",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, account_id).apply(lambda a: _topic_policy(a[0], a[1])),
        opts=opts,
    )

    def alert(kind: str, percent: float) -> aws.budgets.BudgetNotificationArgs:
        return aws.budgets.BudgetNotificationArgs(
            comparison_operator="GREATER_THAN",
            notification_type=kind,
            threshold=percent,
            threshold_type="PERCENTAGE",
            subscriber_sns_topic_arns=[topic.arn],
        )

    return aws.budgets.Budget(
        f"{settings.prefix}-monthly",
        budget_type="COST",
        time_unit="MONTHLY",
        limit_amount=f"{settings.monthly_budget_usd:.2f}",
        limit_unit="USD",
        # One account per stack is the intended layout; the tag filter keeps the budget honest if a stack
        # ever shares an account.
        cost_filters=[
            aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[f"user:stack${settings.stack}"])
        ],
        notifications=[alert("FORECASTED", FORECAST_ALERT_PERCENT), alert("ACTUAL", ACTUAL_ALERT_PERCENT)],
        opts=opts,
    )
