"""Palantir Foundry containers: the platform's rules as data.

Read by the Foundry templates, by answer validation and by the checker. Source:
Foundry docs, "Container transforms" image requirements, and the pages on transforms
sidecars, bring-your-own-container transforms, container-backed models and compute modules.
"""

from __future__ import annotations

# Plain classes, not dataclasses: the checker reads these on every ``byoi check``, and
# importing ``dataclasses`` costs more than checking a file. A platform is a frozen
# namespace: its values are class attributes, and ``__slots__ = ()`` makes them read-only.
SOURCES = (
    "https://www.palantir.com/docs/foundry/transforms-container/container-overview/",
    "https://www.palantir.com/docs/foundry/transforms-container/transforms-sidecar/",
    "https://www.palantir.com/docs/foundry/transforms-python/bring-container/",
    "https://www.palantir.com/docs/foundry/integrate-models/upload-image-container-model/",
    "https://www.palantir.com/docs/foundry/compute-modules/overview/",
    "https://www.palantir.com/docs/foundry/compute-modules/advanced-custom-client/",
)


class FoundryPlatform:
    """What Foundry requires of every container image it runs."""

    __slots__ = ()

    #: Default numeric user; any numeric non-zero id is accepted, except for BYOC.
    default_uid: int = 5001
    #: Bring-your-own-container transforms must run as exactly this user.
    byoc_uid: int = 5001
    #: Root is refused; names are refused too (a name can map to root).
    forbidden_uid: int = 0
    #: The only platform Foundry runs.
    platform: str = "linux/amd64"
    #: Never run: there is no way to know what ``latest`` points at.
    forbidden_tag: str = "latest"
    #: Exposed ports must be in this range (0-1023 are reserved for root).
    min_port: int = 1024
    max_port: int = 65535
    #: Telemetry needs this shell, supporting these built-ins/commands.
    telemetry_shell: str = "/bin/sh"
    telemetry_commands: tuple[str, ...] = ("set", "tee")
    #: The FAQ's check that an image supports telemetry.
    telemetry_check: str = "set -a && tee -a"
    #: Strongly recommended layer size limit, and where pushes usually time out.
    max_layer_gb: int = 10
    max_image_gb: int = 22
    #: Where ``Volume("shared")`` appears in the sidecar container.
    shared_volume_root: str = "/opt/palantir/sidecars/shared-volumes"
    shared_volume_name: str = "shared"
    #: Flag files of the documented sidecar protocol.
    start_flag: str = "start_flag"
    done_flag: str = "done_flag"
    close_flag: str = "close_flag"
    #: Where BYOC transforms find the repository's code.
    byoc_user_code: str = "$USER_WORKING_DIR/user_code"

    @property
    def shared_dir(self) -> str:
        """The shared volume's mount path in the sidecar container."""
        return f"{self.shared_volume_root}/{self.shared_volume_name}"

    def port_ok(self, port: int) -> bool:
        """True when Foundry will make ``port`` available."""
        return self.min_port <= port <= self.max_port


FOUNDRY = FoundryPlatform()

#: Base images known to lack /bin/sh (telemetry impossible). Matched on the repository.
SHELL_LESS_BASES = (
    "scratch",
    "gcr.io/distroless/",
    "cgr.dev/chainguard/static",
)

#: Default base for Foundry images: small, Debian-based, with /bin/sh, set and tee.
#: Checked 2026-12-02 against docker-library/official-images library/python (copy of
#: 2026-08-21): it lists 3.12.14-slim-bookworm as the newest 3.12 patch; refresh as the README says.
DEFAULT_BASE_IMAGE = "python:3.12.12-slim-bookworm"

#: The log file the documented sidecar entrypoint writes in the shared volume; the
#: documented transform copies it out under this name (transforms-sidecar page).
SIDECAR_LOG_FILE = "logfile"

#: Library a sidecar transform needs (Code Repositories > Libraries).
SIDECAR_LIBRARY = "transforms-sidecar"

#: Python package holding ``ContainerModelAdapter`` (container-model-adapter-example page).
MODEL_ADAPTER_PACKAGE = "palantir_models"

#: Palantir's compute module SDK (PyPI, Apache-2.0, import name ``compute_modules``), pinned to the
#: newest release on PyPI when checked (2026-12-06, ``pip index versions foundry-compute-modules``):
#: the release whose source generator/computemodule/runtime.py was written from. Refresh both together.
COMPUTE_MODULE_SDK = "foundry-compute-modules"
COMPUTE_MODULE_SDK_VERSION = "0.34.0"
