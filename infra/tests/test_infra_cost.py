"""The cost model prices what the program declares, cites its prices, and keeps RAT under budget."""

from __future__ import annotations

import re

import pytest
from infra_queries import DeclaredStack
from rat_infra.cost import BUDGET_USD_PER_MONTH, estimate, unpriced_types
from rat_infra.offline import declare
from rat_infra.prices import PRICES, RDS_US_EAST_1_HOURLY, rds_instance_hour

AWS_PRICING_PAGE = re.compile(r"https://aws\.amazon\.com/[a-z0-9-]+(/[a-z0-9-]+)?/pricing/")


def test_all_stacks_together_stay_under_the_monthly_budget(
    declared_stacks: dict[str, DeclaredStack], capsys: pytest.CaptureFixture[str]
) -> None:
    breakdowns = [estimate(s.settings, s.resources) for s in declared_stacks.values()]
    total = sum(b.total for b in breakdowns)
    with capsys.disabled():
        print(
            "\n\nRAT monthly run-rate (on-demand list prices, see rat_infra/prices.py for sources and dates)"
        )
        for b in breakdowns:
            print(b.render())
        print(f"all stacks: USD {total:,.2f}/month; budget USD {BUDGET_USD_PER_MONTH:,.0f}/month\n")
    assert total <= BUDGET_USD_PER_MONTH


def test_staging_and_prod_stay_under_the_monthly_budget(staging: DeclaredStack, prod: DeclaredStack) -> None:
    assert sum(estimate(s.settings, s.resources).total for s in (staging, prod)) <= BUDGET_USD_PER_MONTH


def test_every_declared_resource_type_is_priced_or_known_to_be_free(stack: DeclaredStack) -> None:
    assert unpriced_types(stack.resources) == set()


def test_every_price_cites_an_aws_pricing_page_and_a_date() -> None:
    prices = [p for region in PRICES.values() for p in region.values()]
    prices += [rds_instance_hour(region, c) for region in PRICES for c in RDS_US_EAST_1_HOURLY]
    assert all(
        AWS_PRICING_PAGE.fullmatch(p.source) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.as_of) for p in prices
    )


def test_prod_costs_more_than_staging(staging: DeclaredStack, prod: DeclaredStack) -> None:
    assert estimate(prod.settings, prod.resources).total > estimate(staging.settings, staging.resources).total


def test_more_api_tasks_cost_more_fargate(staging: DeclaredStack) -> None:
    services = dict(staging.settings.services)
    services["api"] = services["api"].model_copy(update={"count": services["api"].count + 2})
    bigger = staging.settings.model_copy(update={"services": services})

    def fargate(settings, resources) -> float:
        return sum(i.usd for i in estimate(settings, resources).items if i.component.startswith("Fargate"))

    assert fargate(bigger, declare(bigger)) > fargate(staging.settings, staging.resources)


def test_multi_az_database_is_priced_at_two_instances(prod: DeclaredStack) -> None:
    db = next(i for i in estimate(prod.settings, prod.resources).items if i.component.startswith("RDS db."))
    hourly = rds_instance_hour(prod.settings.region, prod.settings.database.instance_class).usd
    assert db.usd == pytest.approx(2 * 730 * hourly)


def test_stack_budgets_add_up_to_no_more_than_the_total_budget(declared_stacks) -> None:
    assert sum(s.settings.monthly_budget_usd for s in declared_stacks.values()) <= BUDGET_USD_PER_MONTH


def test_each_stack_estimate_fits_its_own_budget(stack: DeclaredStack) -> None:
    assert estimate(stack.settings, stack.resources).total <= stack.settings.monthly_budget_usd


def test_aws_budget_watches_real_spend_at_the_stack_budget(stack: DeclaredStack) -> None:
    budget = stack.one("aws:budgets/budget:Budget")
    assert float(budget.inputs["limitAmount"]) == stack.settings.monthly_budget_usd
    assert budget.inputs["limitUnit"] == "USD" and budget.inputs["timeUnit"] == "MONTHLY"


def test_aws_budget_alerts_on_forecast_and_on_actual_spend(stack: DeclaredStack) -> None:
    topic = f"arn:mock:aws:sns/topic:Topic:{stack.settings.prefix}-alarms"
    alerts = {
        (n["notificationType"], tuple(n["subscriberSnsTopicArns"]))
        for n in stack.one("aws:budgets/budget:Budget").inputs["notifications"]
    }
    assert alerts == {("FORECASTED", (topic,)), ("ACTUAL", (topic,))}
