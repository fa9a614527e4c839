"""Production is built to survive a zone loss and an operator's mistake; staging is built to be cheap."""

from __future__ import annotations

from infra_queries import DeclaredStack

DB = "aws:rds/instance:Instance"


def test_prod_database_has_deletion_protection(prod: DeclaredStack) -> None:
    assert prod.one(DB).inputs["deletionProtection"] is True


def test_staging_database_can_be_deleted(staging: DeclaredStack) -> None:
    assert staging.one(DB).inputs["deletionProtection"] is False


def test_prod_database_is_multi_az(prod: DeclaredStack) -> None:
    assert prod.one(DB).inputs["multiAz"] is True


def test_staging_database_is_single_az(staging: DeclaredStack) -> None:
    assert staging.one(DB).inputs["multiAz"] is False


def test_prod_keeps_at_least_a_week_of_point_in_time_recovery(prod: DeclaredStack) -> None:
    assert prod.one(DB).inputs["backupRetentionPeriod"] >= 7


def test_staging_keeps_shorter_backups_than_prod(staging: DeclaredStack, prod: DeclaredStack) -> None:
    assert 0 < staging.one(DB).inputs["backupRetentionPeriod"] < prod.one(DB).inputs["backupRetentionPeriod"]


def test_prod_takes_a_final_snapshot_before_deletion(prod: DeclaredStack) -> None:
    assert prod.one(DB).inputs["skipFinalSnapshot"] is False


def test_prod_has_a_nat_gateway_in_every_zone(prod: DeclaredStack) -> None:
    nat_zones = {n.inputs["subnetId"] for n in prod.of("aws:ec2/natGateway:NatGateway")}
    assert len(nat_zones) == len(prod.settings.availability_zones)


def test_staging_shares_one_nat_gateway(staging: DeclaredStack) -> None:
    assert len(staging.of("aws:ec2/natGateway:NatGateway")) == 1


def test_prod_bus_runs_an_odd_quorum_of_at_least_three_servers(prod: DeclaredStack) -> None:
    servers = [s for s in prod.of("aws:ecs/service:Service") if s.inputs.get("serviceRegistries")]
    assert len(servers) >= 3 and len(servers) % 2 == 1


def test_every_prod_load_balancer_has_deletion_protection(prod: DeclaredStack) -> None:
    balancers = prod.of("aws:lb/loadBalancer:LoadBalancer")
    assert balancers and all(lb.inputs["enableDeletionProtection"] is True for lb in balancers)
