"""Target ``foundry-sidecar``: an image Foundry runs beside each executor of a Spark transform.

Two ways for the transform to drive it (``--mode``): the documented shared-volume
protocol with flag files, or an HTTP server the transform calls on ``localhost``. Both
run the same ``--command``; the project also holds the transform side of the protocol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import CONTENTS, IDENTITY, KIND, AnswerError, When, option, parse_name
from generator.platforms.foundry import FOUNDRY
from generator.targets.base import Target
from generator.targets.foundry_common import APP_DIR, FoundryAnswers, parse_port
from generator.targets_catalog import SUMMARIES

MODES = ("flags", "server")
#: The example work script the project ships; the default command runs it.
WORK_SCRIPT = f"{APP_DIR}/work.sh"
#: Where flags mode installs its entrypoint (the container's PID 1).
ENTRYPOINT_PATH = "/usr/local/bin/sidecar-entrypoint"
#: Where server mode installs its HTTP server.
SERVER_PATH = f"{APP_DIR}/server.py"
#: Folders of the shared volume the transform fills and empties (ours, not Foundry's).
INPUT_SUBDIR = "input"
OUTPUT_SUBDIR = "output"
#: How long the command may run by default: an hour, then TERM (and KILL after a grace period).
DEFAULT_TIMEOUT = 3600
#: Seconds between TERM and KILL when the command overruns or the container is stopped.
KILL_GRACE = 10

_DIGITS = re.compile(r"[0-9]+")


def parse_command(value: Any) -> str:
    """A shell command line: one line, not empty."""
    text = str(value).strip()
    if not text:
        raise AnswerError(f"the command is empty; give the command the image runs, e.g. {WORK_SCRIPT!r}")
    if "\n" in text or "\r" in text or "\0" in text:
        raise AnswerError("the command spans several lines; put longer logic in a script and give its path")
    return text


def parse_seconds(value: Any) -> int:
    """A whole number of seconds; 0 means no limit."""
    text = str(value).strip()
    if isinstance(value, bool) or not _DIGITS.fullmatch(text):
        raise AnswerError(f"{text!r} is not a number of seconds (0 for no limit)")
    return int(text)


@dataclass(frozen=True)
class SidecarAnswers(FoundryAnswers):
    """Answers for a Foundry transforms sidecar image."""

    target: ClassVar[str] = "foundry-sidecar"
    user_name: ClassVar[str] = "sidecar"
    needs_shell_because: ClassVar[str] = (
        "a sidecar needs: the shared volume folder is made with a RUN step, and the entrypoint is a shell script"
    )

    name: str = option("my-sidecar", "image (and project) name", parse_name, group=IDENTITY)
    mode: str = option(
        "flags",
        "how the transform drives the sidecar: flags (start/done/close files in the shared volume) or server "
        "(HTTP on localhost; needs python3 in the base image)",
        choices=MODES,
        group=KIND,
    )
    ports: tuple[int, ...] = option(
        (),
        f"port to EXPOSE, {FOUNDRY.min_port}-{FOUNDRY.max_port}; the server listens on the first (repeatable)",
        parse_port,
        flag="--port",
        multiple=True,
        metavar="PORT",
        # Asked only for the server; flags mode still takes --port, for a command that listens.
        when=When("mode", ("server",), refuse=False),
    )
    # Not named "command": the CLI's own sub-command is stored under that name.
    command_line: str = option(
        WORK_SCRIPT,
        "command the sidecar runs with /bin/sh -c: once after start_flag (flags), or on each POST /run (server)",
        parse_command,
        flag="--command",
        metavar="COMMAND",
        group=CONTENTS,
    )
    timeout: int = option(
        DEFAULT_TIMEOUT,
        "seconds the command may run before it is stopped (0: no limit)",
        parse_seconds,
        metavar="SECONDS",
    )

    def check(self) -> None:
        """Foundry's rules, plus a command the image can run."""
        super().check()
        program = self.command_line.split()[0]
        if program.startswith(f"{APP_DIR}/") and program not in (WORK_SCRIPT, SERVER_PATH):
            raise AnswerError(
                f"--command runs {program}, which the project does not put in the image (it ships {WORK_SCRIPT}): "
                f"keep --command {WORK_SCRIPT} and write your work into the project's work.sh, or name a program "
                "the base image has"
            )

    @property
    def needs_python(self) -> str:
        """Server mode's HTTP server is a Python program."""
        if self.mode == "server":
            return "server mode's HTTP server (server.py) runs with python3"
        return super().needs_python

    @property
    def uses_work_script(self) -> bool:
        """True when the command runs the example work script, so the image needs it."""
        return WORK_SCRIPT in self.command_line

    @property
    def exposed_ports(self) -> list[int]:
        """Ports to EXPOSE: the given ones; in server mode at least the one it listens on."""
        if self.mode == "server":
            return list(self.ports) or [self.listen_port]
        return list(self.ports)

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the sidecar's paths."""
        ctx = super().context()
        ctx["uses_work_script"] = self.uses_work_script
        ctx["exposed_ports"] = self.exposed_ports
        ctx["listen_port"] = self.listen_port
        ctx["sidecar"] = {
            "work_script": WORK_SCRIPT,
            "entrypoint": ENTRYPOINT_PATH,
            "server": SERVER_PATH,
            "input_subdir": INPUT_SUBDIR,
            "output_subdir": OUTPUT_SUBDIR,
            "kill_grace": KILL_GRACE,
        }
        ctx["paste_hint"] = [
            "use it from the transform: in transform/sidecar_transform.py, "
            'IMAGE = "%s" and TAG = "%s" (the @sidecar image and tag)'
        ]
        return ctx


TARGET = Target(
    name="foundry-sidecar",
    summary=SUMMARIES["foundry-sidecar"],
    answers=SidecarAnswers,
    template="foundry-sidecar",
)
