"""Where a service's YAML config comes from, and the settings it takes from the environment.

A config is read from a file (`--config FILE`, the laptop and the local demo) or from an environment variable that
holds the whole YAML text (`--config-env NAME`, the cloud: ECS injects the `<prefix>/config/<workload>` Secrets
Manager secret as that variable, because a Fargate task has no host file to mount). The text is validated the
same way either way, and every error names its source.

Relative paths in a config file are resolved against the file's folder; a config read from the environment has no
folder, so a relative path in it is refused (write the absolute path the container has, e.g. `/tmp/tls/cert.pem`).

Settings the platform hands a task (RPC URL, bus URL and token, database host and user, KMS key ARN) are named in
the config by the environment variable that holds them (`rpc_url_env: RAT_RPC_URL`), like `passphrase_env`: the
file says which variable, the environment says what value. A field and its `_env` twin are never both given, and a
named variable that is unset or empty is a config error naming it."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from pydantic import BaseModel, ValidationError, ValidationInfo

from relayer.errors import ConfigError

ENVIRON = "environ"  # validation-context key: the environment a config's `_env` fields are read from

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class ConfigSource:
    """A config file, or the environment variable holding a config's YAML text: exactly one of the two."""

    path: Path | None = None
    env: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.env is None):
            raise ValueError("a config source is a file or an environment variable, exactly one")

    @classmethod
    def of(cls, source: Path | str | ConfigSource) -> ConfigSource:
        return source if isinstance(source, ConfigSource) else cls(path=Path(source))

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else f"environment variable {self.env}"

    @property
    def base(self) -> Path | None:
        """The folder relative paths are resolved against; none for a config from the environment."""
        return self.path.parent if self.path is not None else None

    def read(self, environ: Mapping[str, str], example_hint: str) -> Any:
        """The parsed YAML document (None for an empty one)."""
        if self.path is not None:
            if not self.path.is_file():
                raise ConfigError(f"config file {self.path} not found", hint=example_hint)
            text = self.path.read_text()
        else:
            assert self.env is not None
            value = environ.get(self.env)
            if value is None or not value.strip():
                raise ConfigError(
                    f"environment variable {self.env} holds no config (it is unset or empty)",
                    hint=f"set {self.env} to the YAML config text (the cloud task gets it from its "
                         "`<prefix>/config/<workload>` secret), or pass --config FILE")
            text = value
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self} is not valid YAML: {exc}") from None

    def validated(self, model: type[Model], environ: Mapping[str, str], cli: str) -> Model:
        """The config read from this source and validated as `model`, its `_env` fields read from `environ`; every
        problem is a ConfigError naming the source. `cli` is the service's command (`rat-relayer`), for hints."""
        data = self.read(environ, f"write one with `{cli} config-example > config.yaml` and edit it, "
                                  "or pass --config FILE or --config-env NAME")
        try:
            return model.model_validate(data or {}, context={ENVIRON: environ})
        except ValidationError as exc:
            raise ConfigError(f"{self}: {validation_problems(exc, f'{cli} config-example')}",
                              hint=f"compare with `{cli} config-example`") from None

    def rooted(self, path: Path, field: str) -> Path:
        """`path` made absolute against the file's folder; refused when relative in a config from the environment."""
        if path.is_absolute():
            return path
        if self.base is None:
            raise ConfigError(f"{self}: {field}: {str(path)!r} is a relative path, and a config read from the "
                              "environment has no folder to resolve it against",
                              hint=f"write the absolute path the container has for {field}")
        return self.base / path


def validation_problems(exc: ValidationError, example_command: str) -> str:
    """Every problem pydantic found, each as `where: what` (a problem of a whole section names the section)."""
    problems = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e["loc"])
        what = (f"unknown key (a typo? `{example_command}` lists every key)" if e["type"] == "extra_forbidden"
                else str(e["msg"]).removeprefix("Value error, "))
        problems.append(f"{where}: {what}" if where else what)
    return "; ".join(problems)


def environment_of(info: ValidationInfo) -> Mapping[str, str]:
    """The environment a config is validated against: the loader's (tests pass their own), else the process's."""
    context = info.context or {}
    return context.get(ENVIRON, os.environ)


def required_env(environ: Mapping[str, str], name: str, field: str) -> str:
    value = environ.get(name)
    if value is None or value == "":
        raise ValueError(f"{field}: environment variable {name} is not set (or empty)")
    return value


def from_env_twin(data: Any, info: ValidationInfo, *fields: str) -> Any:
    """For each of `fields`: when the raw section names `<field>_env`, the field's value is read from that
    environment variable. Giving both the field and its `_env` twin is refused: one source per setting."""
    if not isinstance(data, dict):
        return data
    environ = environment_of(info)
    data = dict(data)
    for field in fields:
        twin = f"{field}_env"
        if data.get(twin) is None:
            continue
        if data.get(field) is not None:
            raise ValueError(f"give {field} or {twin}, not both")
        data[field] = required_env(environ, str(data[twin]), twin)
    return data


def config_options(default_file: str, file_envvar: str, example: str) -> Callable[[Callable[..., Any]], Any]:
    """`--config FILE` and `--config-env NAME` for a click command, handed to it as one `source: ConfigSource`."""

    def decorate(fn: Callable[..., Any]) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, config_path: Path, config_env: str | None, **kwargs: Any) -> Any:
            if config_env is not None:
                given = click.get_current_context().get_parameter_source("config_path")
                if given not in (click.core.ParameterSource.DEFAULT, None):
                    raise click.UsageError(f"give --config (or ${file_envvar}) or --config-env, not both")
                return fn(*args, source=ConfigSource(env=config_env), **kwargs)
            return fn(*args, source=ConfigSource(path=config_path), **kwargs)

        wrapper = click.option(
            "--config-env", "config_env", metavar="NAME", default=None,
            help="read the YAML config text from environment variable NAME instead of a file (the cloud tasks: "
                 "--config-env RAT_CONFIG_YAML, filled from the `<prefix>/config/<workload>` secret); paths in it "
                 "must be absolute")(wrapper)
        return click.option(
            "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar=file_envvar,
            default=default_file, show_default=True,
            help=f"config file (YAML); see `{example}`. Relative paths in it are read from its folder")(wrapper)

    return decorate
