"""One long-lived `ape` process that runs `ape run SCRIPT ...` commands one after another, as the `ape` executable
would (Ape's own root command, the same arguments, the same exit codes and output), without paying Ape's start-up
(plugins, the project, every script in scripts/ imported) for each command: the script tests' harness sends it
the commands, a few tests still spawn `ape run` itself so the operator's real process path stays covered.

    host = ScriptHost.start()
    result = host.run(["run", "collateral", "oracle", "rAAPL", "--network", ...])  # a CompletedProcess
    host.close()

The host answers one JSON line per command on a private pipe; whatever a command writes to its standard output or
error is captured by click's CliRunner and returned, never mixed with the protocol."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import traceback
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
APE_ENV = {"APE_LOGGING_LEVEL": "WARNING"}  # the scripts' output without Ape's INFO lines


class ScriptHost:
    """The client side: a host process, started in the repository (ape's project) with the caller's environment."""

    def __init__(self, process: subprocess.Popen[str], replies: IO[str]) -> None:
        self._process = process
        self._replies = replies

    @classmethod
    def start(cls, env: dict[str, str] | None = APE_ENV) -> ScriptHost:
        read_fd, write_fd = os.pipe()
        # -P: tests/ is not put first on sys.path (its folders would shadow packages of the same name).
        process = subprocess.Popen([sys.executable, "-P", __file__, str(write_fd)], cwd=ROOT, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(write_fd,),
                                   env={**os.environ, **(env or {})})
        os.close(write_fd)
        return cls(process, os.fdopen(read_fd, "r"))

    def run(self, args: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """`ape *args` in the host: its exit code, standard output and standard error. A command still running
        after `timeout` seconds stops the host (as subprocess.run's timeout would stop an `ape` process)."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(args) + "\n")
        self._process.stdin.flush()
        if not select.select([self._replies], [], [], timeout)[0]:
            self._process.kill()
            raise subprocess.TimeoutExpired(["ape", *args], timeout)
        line = self._replies.readline()
        if not line:
            raise RuntimeError(f"the ape script host exited ({self._process.wait(timeout=10)}) during ape {args}")
        reply = json.loads(line)
        return subprocess.CompletedProcess(["ape", *args], reply["returncode"], reply["stdout"], reply["stderr"])

    def close(self) -> None:
        """Stops the host (it keeps nothing to flush: each command wrote its records before answering)."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._replies.close()
        self._process.terminate()
        self._process.wait(timeout=30)


def ape(arguments: list[str], host: ScriptHost | None) -> subprocess.CompletedProcess[str]:
    """`ape ARGUMENTS` in `host`, or, with None, as its own `ape` process (the executable an operator runs)."""
    if host is not None:
        return host.run(arguments)
    return subprocess.run([str(Path(sys.executable).with_name("ape")), *arguments], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **APE_ENV})


def serve(reply_fd: int) -> None:
    """The host side: reads one JSON list of arguments a line from stdin, runs `ape ARGS` through Ape's root command
    under click's CliRunner, writes {returncode, stdout, stderr} a line to `reply_fd`."""
    from ape._cli import cli
    from click.testing import CliRunner

    replies = os.fdopen(reply_fd, "w")
    runner = CliRunner(mix_stderr=False)
    for line in sys.stdin:
        result = runner.invoke(cli, json.loads(line), prog_name="ape")
        stderr = result.stderr
        if result.exc_info is not None and not isinstance(result.exception, SystemExit):
            # An uncaught exception: the executable would print its traceback and exit 1, as CliRunner reports.
            stderr += "".join(traceback.format_exception(*result.exc_info))
        replies.write(json.dumps({"returncode": result.exit_code, "stdout": result.stdout, "stderr": stderr}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
