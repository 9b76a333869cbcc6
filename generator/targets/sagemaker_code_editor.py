"""Target ``sagemaker-code-editor``: a SageMaker Studio Code Editor custom image."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlparse

from generator.answers import (
    CONTENTS,
    IDENTITY,
    KIND,
    RANK_CONDA_PACKAGES,
    RANK_EXTENSIONS,
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
from generator.platforms.sagemaker import CODE_EDITOR
from generator.targets import studio
from generator.targets.base import CommonAnswers, Target
from generator.targets_catalog import SUMMARIES

#: Where the micromamba-based image puts its start script.
ENTRYPOINT_PATH = "/usr/local/bin/start-code-editor"

_OPEN_VSX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z0-9][A-Za-z0-9-]*")
# An exact semantic version (semver.org's grammar: no leading zeros, optional pre-release and
# build): what Open VSX publishes and ``--install-extension id@version`` takes.
_NUMBER = r"(?:0|[1-9][0-9]*)"
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_VSIX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.vsix$")
_URL_SAFE = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$")


@dataclass(frozen=True)
class Extension:
    """A VS Code extension baked into the image: an Open VSX id or a ``.vsix`` URL."""

    id: str | None = None
    version: str | None = None
    url: str | None = None

    @property
    def filename(self) -> str:
        """For a URL, the ``.vsix`` file name it downloads to."""
        return urlparse(self.url or "").path.rsplit("/", 1)[-1]

    @property
    def install_arg(self) -> str:
        """What ``--install-extension`` gets: ``id[@version]`` or the downloaded file."""
        if self.url:
            return f"/tmp/extensions/{self.filename}"
        return f"{self.id}@{self.version}" if self.version else str(self.id)

    def __str__(self) -> str:
        return self.url or self.install_arg


def parse_extension(value: Any) -> Extension:
    """``publisher.name``, ``publisher.name@1.2.3`` or ``https://.../file.vsix``."""
    text = str(value).strip()
    if text.startswith(("https://", "http://")):
        parsed = urlparse(text)
        if parsed.scheme != "https":
            raise AnswerError(f"{text!r}: download extensions over https, not http")
        if not _URL_SAFE.fullmatch(text) or "'" in text:
            raise AnswerError(f"{text!r} has characters a URL cannot hold; percent-encode them")
        if "$" in text:
            # The Dockerfile's ADD would expand $NAME in the URL; %24 is the same URL, kept as is.
            raise AnswerError(f"{text!r}: write '$' in the URL as %24 (ADD would expand $NAMES)")
        name = parsed.path.rsplit("/", 1)[-1]
        if not _VSIX_NAME.fullmatch(name):
            raise AnswerError(f"{text!r} does not end in a .vsix file name; give the URL of a .vsix file")
        return Extension(url=text)
    ext_id, at, version = text.partition("@")
    if not _OPEN_VSX_ID.fullmatch(ext_id):
        raise AnswerError(
            f"{text!r} is not an Open VSX extension id; use publisher.name or publisher.name@1.2.3 "
            "(e.g. ms-python.python), or the https URL of a .vsix file"
        )
    if at and not _SEMVER.fullmatch(version):
        raise AnswerError(
            f"{text!r}: the version {version!r} is not an exact version such as 1.2.3 "
            "(no 'latest', ranges or leading zeros); leave out @VERSION for the newest"
        )
    return Extension(id=ext_id, version=version or None)


@dataclass(frozen=True)
class CodeEditorAnswers(CommonAnswers):
    """Answers for a SageMaker Studio Code Editor custom image."""

    target: ClassVar[str] = "sagemaker-code-editor"

    name: str = option("my-code-editor", "image (and project) name", parse_name, group=IDENTITY)
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
    code_editor_version: str = option(
        sagemaker.DEFAULT_CODE_EDITOR_VERSION,
        "sagemaker-code-editor version from conda-forge (micromamba base)",
        parse_version,
        metavar="X.Y",
        when=When("base", ("micromamba",)),
    )
    conda_packages: tuple[str, ...] = option(
        (),
        "conda package to install (repeatable)",
        parse_conda_spec,
        flag="--conda-package",
        multiple=True,
        metavar="SPEC",
        group=CONTENTS,
        rank=RANK_CONDA_PACKAGES,
    )
    extensions: tuple[Extension, ...] = option(
        (),
        "VS Code extension to bake in: Open VSX id[@version] or https URL of a .vsix (repeatable)",
        parse_extension,
        flag="--extension",
        multiple=True,
        metavar="ID|URL",
        group=CONTENTS,
        rank=RANK_EXTENSIONS,
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
        reserved = [e.key for e in self.env if e.key.startswith(CODE_EDITOR.platform_env_prefixes)]
        if reserved:
            raise AnswerError(
                f"--env {reserved[0]}: Studio sets and overrides AWS_* and SAGEMAKER_* variables at run time; "
                "use another name"
            )
        ids = [e.id for e in self.extensions if e.id]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise AnswerError(f"--extension {dupes[0]} is given twice; keep one")

    @property
    def served_apps(self) -> tuple[str, ...]:
        """The Studio apps the image serves: this target's own, and any other ``--app``."""
        return studio.served_apps(studio.CODE_EDITOR_APP, self.apps, "sagemaker-code-editor")

    @property
    def base_image_ref(self) -> str:
        """The base image the Dockerfile starts from."""
        return self.base_image or sagemaker.BASES[self.base].reference(gpu=self.gpu)

    @property
    def entrypoint(self) -> str:
        """What starts the space: our script, or the distribution image's own."""
        if self.base == "sagemaker-distribution":
            return CODE_EDITOR.distribution_entrypoint
        return ENTRYPOINT_PATH

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the platform's rules."""
        ctx = super().context()
        ctx["extensions"] = [
            {"id": e.id, "version": e.version, "url": e.url, "filename": e.filename, "install_arg": e.install_arg}
            for e in self.extensions
        ]
        ctx["vsix_urls"] = [e.url for e in self.extensions if e.url]
        ctx.update(studio.app_context(self.served_apps, self.base, studio.CODE_EDITOR_APP))
        ctx["base_image_ref"] = self.base_image_ref
        ctx["entrypoint"] = self.entrypoint
        ctx["platform"] = {
            **CODE_EDITOR.as_dict(),
            "base_path": CODE_EDITOR.base_path,
            "extensions_dir": CODE_EDITOR.extensions_dir,
            "home_extensions_dir": CODE_EDITOR.home_extensions_dir,
        }
        ctx["mamba"] = {
            "user": sagemaker.MAMBA_USER,
            "uid": sagemaker.MAMBA_UID,
            "root_prefix": sagemaker.MAMBA_ROOT_PREFIX,
            "user_file": sagemaker.MAMBA_USER_FILE,
            "channel": sagemaker.CONDA_CHANNEL,
        }
        return ctx


TARGET = Target(
    name="sagemaker-code-editor",
    summary=SUMMARIES["sagemaker-code-editor"],
    answers=CodeEditorAnswers,
    template="sagemaker-code-editor",
)
