"""A fake ``podman`` for fast tests of ``byoi verify``: it records each command and answers it.

Stand-in for the container engine *and* the image (the real ones are exercised by the slow
engine tests of test_verify.py, which run the same steps with podman on built images). It
answers only the commands ``byoi verify`` sends, in podman's shapes:

- ``image inspect REF``: the image's ``inspect`` JSON (a list of one), or exit 125;
- ``run --detach ... IMAGE``: starts the image's ``program`` (a host process, see
  tests/fake_image.py) with the published ports, volumes and user it was given;
- ``run ... --entrypoint PROGRAM ... IMAGE ARGS``: runs PROGRAM from the image's files;
- ``exec NAME ARGS``, ``inspect --format {{.State.Running}} NAME``, ``logs``, ``wait``,
  ``stop -t N``, ``rm --force``.

A container has no namespaces here: the fake translates the container paths of the command
to host paths (a volume's destination to its source, ``/proc/self/status`` to a status file
that shows the container's user, anything else to the image's ``rootfs`` folder), and the
host paths of what it prints back. ``exec`` runs as the container's user when the fake runs
as root (podman's exec does), so permissions hold as in a container.

State lives in ``$FAKE_PODMAN_DIR``: ``images.json`` ({reference: spec}, written by the
test), ``calls.jsonl`` (every argv, one JSON list a line) and one folder per container.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STATE = Path(os.environ["FAKE_PODMAN_DIR"])
#: Container paths passed through unchanged (devices the shell redirects to).
PASSTHROUGH = ("/dev/",)
_PATH = re.compile(r"(?<![\w.~$-])/[A-Za-z0-9_.@/-]*")


def images() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STATE / "images.json").read_text())
    return data


def fail(code: int, message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


def parse_run(args: list[str]) -> tuple[dict[str, Any], str, list[str]]:
    """Options of ``podman run`` (those verify uses), the image, and the arguments after it."""
    options: dict[str, Any] = {"publish": [], "volume": [], "env": [], "detach": False}
    valued = {"--name", "--label", "--entrypoint", "--publish", "--user", "--volume", "--env"}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        flag = args[i]
        if flag in valued:
            key = flag[2:]
            if isinstance(options.get(key), list):
                options[key].append(args[i + 1])
            else:
                options[key] = args[i + 1]
            i += 2
        elif flag in ("--detach", "--rm", "--interactive"):
            options[flag[2:]] = True
            i += 1
        else:
            fail(125, f"unknown flag: {flag}")
    return options, args[i], args[i + 1 :]


class Container:
    """What the fake keeps of one container, as JSON in its folder."""

    def __init__(self, name: str) -> None:
        self.dir = STATE / "containers" / name
        self.file = self.dir / "state.json"

    def load(self) -> dict[str, Any]:
        if not self.file.exists():
            fail(125, f"no container with name or ID {self.dir.name!r} found: no such container")
        data: dict[str, Any] = json.loads(self.file.read_text())
        return data

    def exit_code(self) -> int | None:
        path = self.dir / "exit"
        text = path.read_text().strip() if path.exists() else ""
        return int(text) if text else None


def mounts(spec: dict[str, Any], volumes: list[str], status: Path) -> list[tuple[str, str]]:
    """(container path, host path), the most specific first."""
    table = [tuple(v.split(":", 1)[::-1]) for v in volumes]
    table.append(("/proc/self/status", str(status)))
    table.append(("/", spec["rootfs"]))
    return sorted(((c, h) for c, h in table), key=lambda pair: -len(pair[0]))


def to_host(path: str, table: list[tuple[str, str]]) -> str:
    if path.startswith(PASSTHROUGH):
        return path
    for inside, outside in table:
        if path == inside or path.startswith(inside.rstrip("/") + "/"):
            return outside.rstrip("/") + "/" + path[len(inside) :].lstrip("/") if path != inside else outside
    return path


def to_container(text: str, table: list[tuple[str, str]]) -> str:
    for inside, outside in sorted(table, key=lambda pair: -len(pair[1])):
        if inside != "/proc/self/status":
            outside = re.escape(outside.rstrip("/"))
            text = re.sub(outside + "(?=/)", inside.rstrip("/"), text)
            text = re.sub(outside, inside, text)
    return text


def translate(words: list[str], table: list[tuple[str, str]]) -> list[str]:
    return [_PATH.sub(lambda m: to_host(m.group(0), table), w) for w in words]


def ids_of(spec: dict[str, Any], user: str | None) -> tuple[int, int]:
    if user:
        uid, _, gid = user.partition(":")
        return int(uid), int(gid or 0)
    return int(spec["user"][0]), int(spec["user"][1])


def write_status(path: Path, uid: int, gid: int) -> None:
    path.write_text(f"Name:\tfake\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\n")


def as_user(uid: int, gid: int) -> dict[str, Any]:
    """subprocess arguments that run as ``uid:gid`` when the fake can (as root), else as itself."""
    return {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}


def container_env(spec: dict[str, Any], given: list[str], table: list[tuple[str, str]]) -> dict[str, str]:
    env = dict(item.partition("=")[::2] for item in spec["inspect"]["Config"].get("Env") or [])
    env.update(dict(item.partition("=")[::2] for item in given))
    env["PATH"] = ":".join(to_host(p, table) for p in env.get("PATH", "/usr/bin:/bin").split(":"))
    return env


def run(args: list[str]) -> None:
    options, ref, rest = parse_run(args)
    spec = images().get(ref)
    if spec is None:
        fail(125, f"{ref}: image not known")
    name = options.get("name") or f"fake-{time.monotonic_ns()}"
    box = Container(name)
    box.dir.mkdir(parents=True)
    uid, gid = ids_of(spec, options.get("user"))
    write_status(box.dir / "status", uid, gid)
    table = mounts(spec, options["volume"], box.dir / "status")
    workdir = spec["inspect"]["Config"].get("WorkingDir") or "/"
    state = {"image": ref, "volume": options["volume"], "uid": uid, "gid": gid, "workdir": workdir}
    box.file.write_text(json.dumps(state))
    if "entrypoint" in options:
        program = to_host(options["entrypoint"], table)
        if not os.path.isfile(program):
            fail(127, f"crun: executable file `{options['entrypoint']}` not found: No such file or directory")
        proc = subprocess.run(
            [program, *translate(rest, table)],
            cwd=to_host(workdir, table),
            env=container_env(spec, options["env"], table),
            capture_output=True,
            text=True,
            check=False,
        )
        sys.stdout.write(to_container(proc.stdout, table))
        sys.stderr.write(to_container(proc.stderr, table))
        sys.exit(proc.returncode)
    ports = {}
    for item in options["publish"]:
        _, host, inside = item.rsplit(":", 2)
        ports[inside] = int(host)
    env = {
        **os.environ,
        **container_env(spec, options["env"], table),
        "FAKE_PORTS": json.dumps(ports),
        "FAKE_VOLUMES": json.dumps(dict(tuple(v.split(":", 1)[::-1]) for v in options["volume"])),
        "PATH": os.environ["PATH"],
        "FAKE_READY": str(box.dir / "ready"),
    }
    log = (box.dir / "log").open("w")
    # A shell around the program keeps its exit status for `wait` (the fake itself exits now).
    proc = subprocess.Popen(
        ["/bin/sh", "-c", '"$@"; echo $? >"$0.tmp" && mv "$0.tmp" "$0"', str(box.dir / "exit"), *spec["program"]],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    state["pid"] = proc.pid
    box.file.write_text(json.dumps(state))
    # podman returns once the process runs; a Python program takes a while to get there, which
    # would count against verify's step budgets on a loaded machine: wait until it says it is up.
    deadline = time.monotonic() + 60
    while not (box.dir / "ready").exists() and box.exit_code() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    print(name)


def running(box: Container) -> bool:
    state = box.load()
    if box.exit_code() is not None:
        return False
    try:
        stat = Path(f"/proc/{state['pid']}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def signal_group(box: Container, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, KeyError):
        os.killpg(int(box.load()["pid"]), signum)


def main(argv: list[str]) -> None:
    with (STATE / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps(argv) + "\n")
    command, args = argv[0], argv[1:]
    if command == "image" and args[0] == "inspect":
        spec = images().get(args[1])
        if spec is None:
            fail(125, f"{args[1]}: image not known")
        print(json.dumps([spec["inspect"]]))
    elif command == "run":
        run(args)
    elif command == "inspect":  # inspect --format {{.State.Running}} NAME
        print("true" if running(Container(args[-1])) else "false")
    elif command == "exec":
        box = Container(args[0])
        state = box.load()
        spec = images()[state["image"]]
        table = mounts(spec, state["volume"], box.dir / "status")
        proc = subprocess.run(
            translate(args[1:], table),
            cwd=to_host(state["workdir"], table),
            capture_output=True,
            text=True,
            check=False,
            **as_user(state["uid"], state["gid"]),
        )
        sys.stdout.write(to_container(proc.stdout, table))
        sys.stderr.write(to_container(proc.stderr, table))
        sys.exit(proc.returncode)
    elif command == "logs":
        box = Container(args[0])
        box.load()
        sys.stdout.write((box.dir / "log").read_text() if (box.dir / "log").exists() else "")
    elif command == "wait":
        box = Container(args[0])
        while running(box):
            time.sleep(0.1)
        print(box.exit_code() if box.exit_code() is not None else -1)
    elif command == "stop":  # stop -t N NAME
        box = Container(args[-1])
        signal_group(box, signal.SIGTERM)
        deadline = time.monotonic() + float(args[1])
        while running(box) and time.monotonic() < deadline:
            time.sleep(0.1)
        signal_group(box, signal.SIGKILL)
    elif command == "rm":  # rm --force NAME
        box = Container(args[-1])
        if box.file.exists():
            signal_group(box, signal.SIGKILL)
            (box.dir / "removed").write_text("")
    else:
        fail(125, f"unrecognized command `podman {command}`")


if __name__ == "__main__":
    main(sys.argv[1:])
