"""What the Foundry targets share: answers, parsers and checks.

``foundry-sidecar``, ``foundry-byoc``, ``foundry-model`` and ``foundry-compute-module`` all build one image that
Foundry runs as a numeric, non-root user, on ``linux/amd64``, with ports in Foundry's
range and (optionally) telemetry. Every rule value is read from
:mod:`generator.platforms.foundry`; this module turns those rules into answers and checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import CONTENTS, RANK_APT_PACKAGES, AnswerError, option, parse_image_ref
from generator.platforms import foundry
from generator.platforms.foundry import FOUNDRY
from generator.targets.base import CommonAnswers
from generator.targets.base_images import known_base

#: Where the generated projects put their own files in the image.
APP_DIR = "/app"
#: Port a generated HTTP server listens on when no ``--port`` is given (ours, not Foundry's).
DEFAULT_PORT = 8080
#: Largest user id ``useradd`` and the kernel accept everywhere (2**31 - 1).
MAX_UID = 2**31 - 1
#: Environment variables ``build.sh`` reads (our names, shown in every README).
BUILD_ENV = {"registry": "FOUNDRY_REGISTRY", "username": "FOUNDRY_USERNAME", "token": "FOUNDRY_TOKEN"}

_DIGITS = re.compile(r"[0-9]+")
# Debian package names (policy 5.6.1), optionally pinned: name=version.
_APT_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?")


def parse_uid(value: Any) -> int:
    """A numeric user id Foundry accepts: digits only, not root (0)."""
    text = str(value).strip()
    if isinstance(value, bool) or not _DIGITS.fullmatch(text):
        raise AnswerError(
            f"{text!r} is not a numeric user id; Foundry needs a number (a user name can map to root), e.g. "
            f"{FOUNDRY.default_uid}"
        )
    uid = int(text)
    if uid == FOUNDRY.forbidden_uid:
        raise AnswerError(f"{uid} is root, which Foundry refuses to run; use e.g. {FOUNDRY.default_uid}")
    if uid > MAX_UID:
        raise AnswerError(f"{uid} is larger than the largest user id, {MAX_UID}")
    return uid


def parse_port(value: Any) -> int:
    """A port Foundry makes available: an integer in its allowed range."""
    text = str(value).strip()
    if isinstance(value, bool) or not _DIGITS.fullmatch(text):
        raise AnswerError(f"{text!r} is not a port number")
    port = int(text)
    if not FOUNDRY.port_ok(port):
        reserved = " (0-1023 are reserved for root, and Foundry never runs as root)" if port < FOUNDRY.min_port else ""
        raise AnswerError(f"port {port} is outside {FOUNDRY.min_port}-{FOUNDRY.max_port}{reserved}")
    return port


def parse_apt_package(value: Any) -> str:
    """A Debian package name, optionally pinned (``curl`` or ``curl=7.88.1-10+deb12u8``)."""
    text = str(value).strip()
    if not _APT_PACKAGE.fullmatch(text):
        raise AnswerError(
            f"{text!r} is not a Debian package name; use lower-case letters, digits and '+-.', "
            "optionally pinned as name=version"
        )
    return text


def lacks_shell(image: str) -> bool:
    """True when ``image`` is a base known to have no ``/bin/sh`` (scratch, distroless, ...)."""
    repository = image.split("@", 1)[0]
    # A tag is what follows the last ':' after the last '/' (a registry port has a '/' after it).
    head, _, last = repository.rpartition("/")
    repository = (head + "/" if head else "") + last.split(":", 1)[0]
    for known in foundry.SHELL_LESS_BASES:
        if repository == known.rstrip("/") or (known.endswith("/") and repository.startswith(known)):
            return True
    return False


def parse_base_image(value: Any) -> str:
    """A pinned base image reference, or ``scratch`` (the empty image, which has no tag)."""
    text = str(value).strip()
    if text == "scratch":
        return text
    return parse_image_ref(text)


@dataclass(frozen=True)
class FoundryAnswers(CommonAnswers):
    """Answers every Foundry target asks for, and the checks Foundry's rules imply."""

    #: Name of the user the image creates for ``uid`` (Foundry only looks at the number).
    user_name: ClassVar[str] = "app"
    #: Whether this target can be built on a base without a shell (no RUN steps at all).
    shell_less_ok: ClassVar[bool] = False
    #: Why this target cannot use a shell-less base (when ``shell_less_ok`` is false).
    needs_shell_because: ClassVar[str] = ""

    base_image: str = option(
        foundry.DEFAULT_BASE_IMAGE,
        "base image, pinned (REPOSITORY:TAG or @sha256:...); Debian or Ubuntu based, since apt-get and "
        "useradd are used",
        parse_base_image,
        metavar="REF",
    )
    uid: int = option(
        FOUNDRY.default_uid,
        "numeric user id the container runs as; never 0 (root)",
        parse_uid,
        metavar="UID",
    )
    ports: tuple[int, ...] = option(
        (),
        f"port to EXPOSE, {FOUNDRY.min_port}-{FOUNDRY.max_port} (repeatable)",
        parse_port,
        flag="--port",
        multiple=True,
        metavar="PORT",
    )
    apt_packages: tuple[str, ...] = option(
        (),
        "Debian package to install with apt-get (repeatable)",
        parse_apt_package,
        flag="--apt-package",
        group=CONTENTS,
        rank=RANK_APT_PACKAGES,
        multiple=True,
        metavar="NAME[=VERSION]",
    )
    telemetry: bool = option(
        True,
        f"keep Foundry's container telemetry working: {FOUNDRY.telemetry_shell} with "
        f"{' and '.join(FOUNDRY.telemetry_commands)}, checked at build time",
    )

    @property
    def needs_python(self) -> str:
        """Why the image needs Python ("" when it does not): subclasses with a Python server say so."""
        return "--pip-package installs Python packages" if self.pip_packages else ""

    @property
    def adds_python(self) -> bool:
        """True when the base is known to lack Python, the image needs it, and apt-get will install it."""
        base = known_base(self.base_image)
        wanted = any(p.split("=", 1)[0] == "python3" for p in self.apt_packages)
        return base is not None and not base.python and bool(self.needs_python) and not wanted

    def check(self) -> None:
        """Refuse answers Foundry's rules (or the image's own needs) rule out."""
        dupes = sorted({p for p in self.ports if self.ports.count(p) > 1})
        if dupes:
            raise AnswerError(f"--port {dupes[0]} is given twice; keep one")
        base = known_base(self.base_image)
        if base is not None and base.package_manager != "apt-get":
            raise AnswerError(
                f"--base-image {self.base_image} is {base.family} ({base.package_manager}, not apt-get), and the "
                "Foundry Dockerfiles create their user with useradd and install with apt-get: use a Debian or Ubuntu "
                f"based image, e.g. {foundry.DEFAULT_BASE_IMAGE}"
            )
        if base is not None and not base.python and self.pip_packages:
            raise AnswerError(
                f"--pip-package needs Python with pip, and --base-image {self.base_image} has no Python "
                f"({base.family}'s own python3 refuses pip installs, PEP 668): use a Python image, e.g. "
                f"{foundry.DEFAULT_BASE_IMAGE}"
            )
        if not self.shell_less:
            return
        if self.telemetry:
            raise AnswerError(
                f"--base-image {self.base_image} has no {FOUNDRY.telemetry_shell}, which Foundry's telemetry needs "
                f"({' and '.join(FOUNDRY.telemetry_commands)}); choose a base with a shell or pass --no-telemetry"
            )
        if not self.shell_less_ok:
            raise AnswerError(f"--base-image {self.base_image} has no /bin/sh, which {self.needs_shell_because}")
        for flag, given in (
            ("--apt-package", self.apt_packages),
            ("--pip-package", self.pip_packages),
            ("--ca-cert", self.ca_certs),
        ):
            if given:
                raise AnswerError(
                    f"{flag} needs a RUN step, and --base-image {self.base_image} has no /bin/sh to run it; "
                    "use a base with a shell"
                )

    @property
    def shell_less(self) -> bool:
        """True when the base image has no shell, so the Dockerfile can have no RUN step."""
        return lacks_shell(self.base_image)

    @property
    def listen_port(self) -> int:
        """The port a generated server listens on: the first ``--port``, else our default."""
        return self.ports[0] if self.ports else DEFAULT_PORT

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and Foundry's rules."""
        ctx = super().context()
        ctx["shell_less"] = self.shell_less
        ctx["python_added"] = self.needs_python if self.adds_python else ""
        if self.adds_python:
            ctx["apt_packages"] = [*self.apt_packages, "python3"]
        ctx["user_name"] = self.user_name
        ctx["app_dir"] = APP_DIR
        ctx["build_env"] = dict(BUILD_ENV)
        ctx["foundry"] = {
            "platform": FOUNDRY.platform,
            "forbidden_tag": FOUNDRY.forbidden_tag,
            "min_port": FOUNDRY.min_port,
            "max_port": FOUNDRY.max_port,
            "telemetry_shell": FOUNDRY.telemetry_shell,
            "telemetry_commands": list(FOUNDRY.telemetry_commands),
            "telemetry_check": FOUNDRY.telemetry_check,
            "max_layer_gb": FOUNDRY.max_layer_gb,
            "shared_volume_root": FOUNDRY.shared_volume_root,
            "shared_volume_name": FOUNDRY.shared_volume_name,
            "shared_dir": FOUNDRY.shared_dir,
            "start_flag": FOUNDRY.start_flag,
            "done_flag": FOUNDRY.done_flag,
            "close_flag": FOUNDRY.close_flag,
            "log_file": foundry.SIDECAR_LOG_FILE,
            "sidecar_library": foundry.SIDECAR_LIBRARY,
            "model_adapter_package": foundry.MODEL_ADAPTER_PACKAGE,
            "byoc_user_code": FOUNDRY.byoc_user_code,
        }
        return ctx
