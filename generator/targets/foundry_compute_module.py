"""Target ``foundry-compute-module``: a Foundry compute module in functions mode.

The image runs ``app.py``, which registers the module's functions with Palantir's SDK
(``foundry-compute-modules``, pinned in :mod:`generator.platforms.foundry`) and starts it:
the SDK posts each function's schema, inferred from its typed input, to Foundry's runtime,
then polls the runtime for jobs and posts each result back. The module serves no port, so
this target has no ``--port``. ``byoi verify`` plays the runtime's part
(:mod:`generator.computemodule.runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import IDENTITY, AnswerError, option, parse_name
from generator.platforms import foundry
from generator.targets.base import Target
from generator.targets.base_images import known_base
from generator.targets.foundry_common import APP_DIR, FoundryAnswers
from generator.targets_catalog import SUMMARIES

#: The example functions the project ships (a user replaces them); verify calls the same two.
EXAMPLE_FUNCTIONS = ("add", "hello")


@dataclass(frozen=True)
class ComputeModuleAnswers(FoundryAnswers):
    """Answers for the image of a compute module."""

    target: ClassVar[str] = "foundry-compute-module"
    user_name: ClassVar[str] = "module"
    needs_shell_because: ClassVar[str] = "this image needs: its user is created and the SDK installed with RUN steps"

    name: str = option("my-compute-module", "image (and project) name", parse_name, group=IDENTITY)
    # Not a question: a compute module polls Foundry's runtime and listens on no port.
    ports: tuple[int, ...] = ()

    @property
    def needs_python(self) -> str:
        """The module is a Python program using Palantir's SDK."""
        return f"the module (app.py) runs with python3 and {foundry.COMPUTE_MODULE_SDK}"

    def check(self) -> None:
        """Foundry's rules, plus a base whose Python can install the SDK."""
        super().check()
        base = known_base(self.base_image)
        if base is not None and not base.python:
            raise AnswerError(
                f"--base-image {self.base_image} has no Python that pip can install {foundry.COMPUTE_MODULE_SDK} into "
                f"({base.family}'s own python3 refuses pip installs, PEP 668): use a Python image, e.g. "
                f"{foundry.DEFAULT_BASE_IMAGE}"
            )

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the SDK pin."""
        ctx = super().context()
        ctx["exposed_ports"] = []
        ctx["sdk"] = {"package": foundry.COMPUTE_MODULE_SDK, "version": foundry.COMPUTE_MODULE_SDK_VERSION}
        ctx["app_path"] = f"{APP_DIR}/app.py"
        ctx["paste_hint"] = [
            "use it from Foundry: in the Configure tab of the compute module, add a container with image %s and tag %s"
        ]
        return ctx


TARGET = Target(
    name="foundry-compute-module",
    summary=SUMMARIES["foundry-compute-module"],
    answers=ComputeModuleAnswers,
    template="foundry-compute-module",
)
