"""Target ``sagemaker-jupyterlab``: a SageMaker Studio JupyterLab custom image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import (
    CONTENTS,
    IDENTITY,
    KIND,
    RANK_CONDA_PACKAGES,
    AnswerError,
    When,
    option,
    parse_conda_spec,
    parse_image_ref,
    parse_name,
    parse_python_version,
    parse_version,
)
from generator.platforms import sagemaker
from generator.platforms.sagemaker import JUPYTERLAB
from generator.targets import studio
from generator.targets.base import CommonAnswers, Target
from generator.targets_catalog import SUMMARIES

#: Where the micromamba-based image puts its start script (the distribution's name for it).
ENTRYPOINT_PATH = "/usr/local/bin/start-jupyter-server"


@dataclass(frozen=True)
class JupyterLabAnswers(CommonAnswers):
    """Answers for a SageMaker Studio JupyterLab custom image."""

    target: ClassVar[str] = "sagemaker-jupyterlab"

    name: str = option("my-jupyterlab", "image (and project) name", parse_name, group=IDENTITY)
    base: str = option(
        "micromamba",
        "base image family: micromamba (build from scratch) or sagemaker-distribution",
        choices=tuple(sagemaker.BASES),
        group=KIND,
    )
    apps: tuple[str, ...] = studio.apps_option()
    base_image: str | None = option(
        None, "full base image reference, overriding the pinned default", parse_image_ref, metavar="REF"
    )
    gpu: bool = option(
        False, "use the GPU flavour of the SageMaker Distribution image", when=When("base", ("sagemaker-distribution",))
    )
    python_version: str = option(
        sagemaker.DEFAULT_PYTHON,
        "Python version in the micromamba environment",
        parse_python_version,
        metavar="X.Y",
        when=When("base", ("micromamba",)),
    )
    jupyterlab_version: str = option(
        sagemaker.DEFAULT_JUPYTERLAB_VERSION,
        "jupyterlab version from conda-forge (micromamba base)",
        parse_version,
        metavar="X.Y",
        when=When("base", ("micromamba",)),
    )
    conda_packages: tuple[str, ...] = option(
        (),
        "conda package to install (repeatable); JupyterLab extensions are Python packages too",
        parse_conda_spec,
        flag="--conda-package",
        multiple=True,
        metavar="SPEC",
        group=CONTENTS,
        rank=RANK_CONDA_PACKAGES,
    )

    def check(self) -> None:
        """Refuse combinations that cannot work."""
        self.served_apps  # noqa: B018  (refuses --app lists that leave out the target's own app)
        if self.gpu and self.base != "sagemaker-distribution":
            raise AnswerError(
                "--gpu picks the GPU flavour of the SageMaker Distribution image; add --base sagemaker-distribution"
            )
        if self.gpu and self.base_image:
            raise AnswerError("--gpu and --base-image both choose the base image; give only one")
        reserved = [e.key for e in self.env if e.key.startswith(JUPYTERLAB.platform_env_prefixes)]
        if reserved:
            raise AnswerError(
                f"--env {reserved[0]}: Studio sets and overrides AWS_* and SAGEMAKER_* variables at run time; "
                "use another name"
            )

    @property
    def served_apps(self) -> tuple[str, ...]:
        """The Studio apps the image serves: this target's own, and any other ``--app``."""
        return studio.served_apps(studio.JUPYTERLAB_APP, self.apps, "sagemaker-jupyterlab")

    @property
    def base_image_ref(self) -> str:
        """The base image the Dockerfile starts from."""
        return self.base_image or sagemaker.BASES[self.base].reference(gpu=self.gpu)

    @property
    def entrypoint(self) -> str:
        """What starts the space: our script, or the distribution image's own."""
        if self.base == "sagemaker-distribution":
            return JUPYTERLAB.distribution_entrypoint
        return ENTRYPOINT_PATH

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the platform's rules."""
        ctx = super().context()
        ctx.update(studio.app_context(self.served_apps, self.base, studio.JUPYTERLAB_APP))
        ctx["base_image_ref"] = self.base_image_ref
        ctx["entrypoint"] = self.entrypoint
        ctx["platform"] = {**JUPYTERLAB.as_dict(), "base_path": JUPYTERLAB.base_path}
        ctx["mamba"] = {
            "user": sagemaker.MAMBA_USER,
            "uid": sagemaker.MAMBA_UID,
            "root_prefix": sagemaker.MAMBA_ROOT_PREFIX,
            "user_file": sagemaker.MAMBA_USER_FILE,
            "channel": sagemaker.CONDA_CHANNEL,
        }
        return ctx


TARGET = Target(
    name="sagemaker-jupyterlab",
    summary=SUMMARIES["sagemaker-jupyterlab"],
    answers=JupyterLabAnswers,
    template="sagemaker-jupyterlab",
)
