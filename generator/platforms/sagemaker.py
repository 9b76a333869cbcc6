"""Amazon SageMaker Studio, Code Editor custom images: the platform's rules as data.

Every value here is read by the templates, by answer validation and by the checker;
none of them is typed anywhere else. Sources are named per value; the project's
``docs/platform-facts.md`` (shared with the team) has the long form.
"""

from __future__ import annotations

# Plain classes, not dataclasses: the checker reads these on every ``byoi check``, and
# importing ``dataclasses`` costs more than checking a file. A platform is a frozen
# namespace: its values are class attributes, and ``__slots__ = ()`` makes them read-only.
#: Documentation the rules come from.
SOURCES = (
    "https://docs.aws.amazon.com/sagemaker/latest/dg/code-editor-custom-images.html",
    "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-byoi-specs.html",
)


class CodeEditorPlatform:
    """What Studio requires of a Code Editor custom image."""

    __slots__ = ()

    #: Studio runs the container as this user and group (the spec's "supported" UID/GID).
    uid: int = 1000
    gid: int = 100
    #: Name used by the SageMaker Distribution image for that user.
    user: str = "sagemaker-user"
    #: The space's EBS volume is mounted here; the mount path cannot change.
    home: str = "/home/sagemaker-user"
    #: Studio's health check: the server must answer here.
    host: str = "0.0.0.0"
    port: int = 8888
    #: Studio authenticates users itself; the server must not ask for a token.
    auth_flag: str = "--without-connection-token"
    #: Studio sets this; the base path is ``/<value lower-cased>/default``.
    app_type_env: str = "SAGEMAKER_APP_TYPE"
    app_type_default: str = "CodeEditor"
    #: Only one app per space, always named ``default``.
    app_name: str = "default"
    #: The server binary (conda-forge package of the same name, linux-64 only).
    server: str = "sagemaker-code-editor"
    #: Where images bake extensions (seed example 2; the distribution image's layout).
    image_server_data_dir: str = "/opt/amazon/sagemaker/sagemaker-code-editor-server-data"
    #: Server data on the EBS home, so settings and user extensions persist.
    home_server_data_dir: str = "/home/sagemaker-user/sagemaker-code-editor-server-data"
    #: The distribution image's own entrypoint (without it the space never starts).
    distribution_entrypoint: str = "entrypoint-code-editor"
    #: Reserved by the platform: an image must not write there.
    reserved_paths: tuple[str, ...] = ("/opt/ml", "/opt/.sagemakerinternal", "/var/log/studio")
    #: Injected and overridden by Studio at run time; an image must not rely on setting them.
    platform_env_prefixes: tuple[str, ...] = ("AWS_", "SAGEMAKER_")
    #: Images must be linux/amd64 (the server package is linux-64 only).
    platform: str = "linux/amd64"
    #: CloudWatch log group where Studio app failures are reported.
    log_group: str = "/aws/sagemaker/studio"
    #: AppImageConfig API limits for Code Editor.
    max_entrypoint_items: int = 1
    max_arguments: int = 50
    max_environment_variables: int = 25

    def as_dict(self) -> dict[str, object]:
        """Every value by name (what the templates get), properties excluded."""
        return {name: getattr(self, name) for name in type(self).__annotations__}

    @property
    def base_path(self) -> str:
        """The URL base path the server must use, as Studio computes it by default."""
        return f"/{self.app_type_default.lower()}/{self.app_name}"

    @property
    def extensions_dir(self) -> str:
        """Where extensions baked into the image live."""
        return f"{self.image_server_data_dir}/extensions"

    @property
    def home_extensions_dir(self) -> str:
        """Where the server reads extensions at run time (on the EBS home)."""
        return f"{self.home_server_data_dir}/extensions"


CODE_EDITOR = CodeEditorPlatform()


class JupyterLabPlatform:
    """What Studio requires of a JupyterLab custom image (the same Studio, its default app).

    Source: aws/sagemaker-distribution ``template/v3/dirs/usr/local/bin/entrypoint-jupyter-server``
    and ``start-jupyter-server`` (read 2026-12-06), and the SageMaker API reference for
    ``JupyterLabAppImageConfig``; ``docs/platform-facts.md``, "JupyterLab images".
    """

    __slots__ = ()

    #: The same user, group, home and port as Code Editor.
    uid: int = 1000
    gid: int = 100
    user: str = "sagemaker-user"
    home: str = "/home/sagemaker-user"
    host: str = "0.0.0.0"
    port: int = 8888
    #: Studio sets this (``JupyterLab`` in a JupyterLab space); the base path is its lower-cased form.
    app_type_env: str = "SAGEMAKER_APP_TYPE"
    app_type_default: str = "JupyterLab"
    app_name: str = "default"
    #: ``shared`` in a shared space, where the distribution starts JupyterLab collaborative.
    space_type_env: str = "SAGEMAKER_SPACE_TYPE_LOWERCASE"
    #: The program that serves (``jupyter lab``), and the conda-forge packages behind it.
    server: str = "jupyter"
    server_subcommand: str = "lab"
    #: The real-time collaboration extension the distribution ships (conda-forge and PyPI name).
    collaboration_package: str = "jupyter-collaboration"
    #: The distribution image's own entrypoint for JupyterLab.
    distribution_entrypoint: str = "entrypoint-jupyter-server"
    reserved_paths: tuple[str, ...] = ("/opt/ml", "/opt/.sagemakerinternal", "/var/log/studio")
    platform_env_prefixes: tuple[str, ...] = ("AWS_", "SAGEMAKER_")
    platform: str = "linux/amd64"
    log_group: str = "/aws/sagemaker/studio"

    def as_dict(self) -> dict[str, object]:
        """Every value by name (what the templates get), properties excluded."""
        return {name: getattr(self, name) for name in type(self).__annotations__}

    @property
    def base_path(self) -> str:
        """The URL base path the server must use, as Studio computes it by default."""
        return f"/{self.app_type_default.lower()}/{self.app_name}"


JUPYTERLAB = JupyterLabPlatform()


class BaseImage:
    """A base image the generator knows, with its pinned default reference."""

    __slots__ = ("gpu_tag", "key", "repository", "tag")

    def __init__(self, key: str, repository: str, tag: str, gpu_tag: str | None = None) -> None:
        self.key = key
        self.repository = repository
        self.tag = tag
        self.gpu_tag = gpu_tag

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseImage) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"BaseImage({self.key!r}, {self.repository!r}, {self.tag!r}, {self.gpu_tag!r})"

    def _key(self) -> tuple[str, str, str, str | None]:
        return (self.key, self.repository, self.tag, self.gpu_tag)

    def reference(self, gpu: bool = False) -> str:
        """The pinned ``repository:tag`` for the CPU or GPU flavour."""
        if gpu:
            if self.gpu_tag is None:
                raise ValueError(f"{self.key} has no GPU flavour")
            return f"{self.repository}:{self.gpu_tag}"
        return f"{self.repository}:{self.tag}"


#: mambaorg/micromamba: Debian 12 slim with micromamba; user mambauser 57439:57439.
#: Pin taken 2026-12-02 from mamba-org/micromamba-docker: CHANGELOG.md (newest entry, 13 May
#: 2026: micromamba 2.6.1) and .github/workflows/push_latest.yml (tags VERSION-debian12-slim
#: for the debian:12-slim base).
MICROMAMBA = BaseImage(
    key="micromamba",
    repository="mambaorg/micromamba",
    tag="2.6.1-debian12-slim",
)

#: The SageMaker Distribution image: sagemaker-user 1000:100, no ENTRYPOINT of its own.
#: Pin taken 2026-12-02 from aws/sagemaker-distribution: the newest release, 4.6.0, that issue 7
#: and docs/platform-facts.md report build_artifacts/v4/ lists by December 2026 (the copy read
#: here, of 2026-08-21, goes up to build_artifacts/v4/v4.5/v4.5.0); support_policy.md supports
#: a patch release only until the next patch of its minor, so pin the newest patch of the
#: newest minor (4.x is supported until Oct 7th, 2027).
SAGEMAKER_DISTRIBUTION = BaseImage(
    key="sagemaker-distribution",
    repository="public.ecr.aws/sagemaker/sagemaker-distribution",
    tag="4.6.0-cpu",
    gpu_tag="4.6.0-gpu",
)

BASES = {b.key: b for b in (MICROMAMBA, SAGEMAKER_DISTRIBUTION)}

#: What the micromamba image ships and documents (mamba-org/micromamba-docker).
MAMBA_USER = "mambauser"
MAMBA_UID = 57439
MAMBA_ROOT_PREFIX = "/opt/conda"
MAMBA_USER_FILE = "/etc/arg_mamba_user"

#: conda-forge is the channel sagemaker-code-editor is published on.
CONDA_CHANNEL = "conda-forge"

#: Default sagemaker-code-editor (conda-forge) minor version for the micromamba base.
#: Taken 2026-12-02 from aws/sagemaker-distribution build_artifacts/v4/v4.4/v4.4.1/cpu.env.out
#: and v4.5/v4.5.0/cpu.env.out (sagemaker-code-editor-1.10.1): the version AWS ships.
DEFAULT_CODE_EDITOR_VERSION = "1.10"

#: Default jupyterlab (conda-forge) minor version for the micromamba base.
#: Taken 2026-12-06 from aws/sagemaker-distribution build_artifacts/v4/v4.5/v4.5.3/cpu.env.in
#: (``jupyterlab[version='>=4.5.11,<4.6.0']``): the JupyterLab AWS ships.
DEFAULT_JUPYTERLAB_VERSION = "4.5"

#: ipykernel (conda-forge) major version: the kernel the server's environment needs. The
#: distribution's cpu.env.in does not name it (it comes in as a dependency); major 6 is the
#: series JupyterLab 4 was released with (jupyterlab's own ``ipykernel>=6.5.0`` test requirement).
DEFAULT_IPYKERNEL_VERSION = "6"

#: Default Python for the micromamba environment.
#: Taken 2026-12-02 from the same cpu.env.out files (python-3.12.13): the Python AWS ships.
DEFAULT_PYTHON = "3.12"

#: The name Debian (and Ubuntu, Alpine, Fedora) give the group with Studio's GID, so
#: ``USER 1000:users`` means ``USER 1000:100`` (read by the checker).
GID_GROUP_NAME = "users"
