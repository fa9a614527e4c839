"""What ECS runs: the relayer restarts when /healthz fails, and its Prometheus metrics are collected."""

from __future__ import annotations

import json

from infra_queries import DeclaredStack
from rat_infra.workloads import RELAYER_METRICS_PORT


def containers(stack: DeclaredStack, workload: str) -> dict[str, dict]:
    task = next(
        t
        for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
        if t.name == f"{stack.settings.prefix}-{workload}"
    )
    return {c["name"]: c for c in json.loads(task.inputs["containerDefinitions"])}


def test_relayer_health_check_probes_its_healthz_endpoint(stack: DeclaredStack) -> None:
    check = containers(stack, "relayer")["relayer"]["healthCheck"]["command"]
    assert f"http://127.0.0.1:{RELAYER_METRICS_PORT}/healthz" in " ".join(check)


def test_relayer_prometheus_metrics_are_scraped_by_the_collector(stack: DeclaredStack) -> None:
    sidecar = containers(stack, "relayer")["otel-collector"]
    config = json.loads(next(e["value"] for e in sidecar["environment"] if e["name"] == "AOT_CONFIG_CONTENT"))
    targets = config["receivers"]["prometheus"]["config"]["scrape_configs"][0]["static_configs"][0]["targets"]
    assert targets == [f"localhost:{RELAYER_METRICS_PORT}"]
    assert "prometheus" in config["service"]["pipelines"]["metrics"]["receivers"]


def test_every_app_container_has_a_read_only_root_filesystem(stack: DeclaredStack) -> None:
    for task in stack.of("aws:ecs/taskDefinition:TaskDefinition"):
        app = json.loads(task.inputs["containerDefinitions"])[0]
        assert app["readonlyRootFilesystem"] is True, task.name


def test_every_task_runs_on_graviton(stack: DeclaredStack) -> None:
    platforms = {
        (t.inputs["runtimePlatform"]["operatingSystemFamily"], t.inputs["runtimePlatform"]["cpuArchitecture"])
        for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert platforms == {("LINUX", "ARM64")}


def test_the_collector_takes_the_services_otlp_http_traces_on_the_tasks_loopback(stack: DeclaredStack) -> None:
    from rat_infra.observability import OTLP_HTTP_PORT

    sidecar = containers(stack, "relayer")["otel-collector"]
    config = json.loads(next(e["value"] for e in sidecar["environment"] if e["name"] == "AOT_CONFIG_CONTENT"))
    assert config["receivers"]["otlp"]["protocols"]["http"] == {"endpoint": f"127.0.0.1:{OTLP_HTTP_PORT}"}
    assert "otlp" in config["service"]["pipelines"]["traces"]["receivers"]
