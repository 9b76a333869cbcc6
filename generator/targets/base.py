"""What every target is, and the answers every target shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from generator import __version__, cacerts
from generator.answers import (
    ADVANCED,
    CONTENTS,
    IDENTITY,
    RANK_LAST,
    RANK_PIP_PACKAGES,
    EnvVar,
    build_answers,
    option,
    parse_ca_cert,
    parse_env,
    parse_name,
    parse_pip_spec,
    parse_tag,
    questions,
)
from generator.ci import CI_SYSTEMS, pipeline_context


def _plain(value: Any) -> Any:
    """A value as the answers file holds it: YAML scalars as they are, objects as text."""
    if value is None or isinstance(value, (bool, int, float, str, list)):
        return value
    return str(value)


@dataclass(frozen=True)
class CommonAnswers:
    """Answers every target asks for. Targets subclass this with their own fields."""

    target: ClassVar[str] = ""

    name: str = option("my-image", "image (and project) name", parse_name, group=IDENTITY)
    image_tag: str = option("0.1.0", "tag of the built image; never 'latest'", parse_tag, metavar="TAG", group=IDENTITY)
    pip_packages: tuple[str, ...] = option(
        (),
        "pip requirement to install (repeatable)",
        parse_pip_spec,
        flag="--pip-package",
        multiple=True,
        metavar="SPEC",
        group=CONTENTS,
        rank=RANK_PIP_PACKAGES,
    )
    env: tuple[EnvVar, ...] = option(
        (), "environment variable baked into the image (repeatable)", parse_env, multiple=True, metavar="KEY=VALUE"
    )
    ca_certs: tuple[Path, ...] = option(
        (),
        "extra CA certificate (PEM) trusted at build and run time, e.g. a TLS-inspecting proxy's (repeatable)",
        parse_ca_cert,
        flag="--ca-cert",
        multiple=True,
        metavar="FILE",
        path=True,
    )
    ci: str = option(
        "none",
        "CI pipeline to write: github (.github/workflows/image.yml), gitlab (.gitlab-ci.yml) or none",
        choices=CI_SYSTEMS,
        group=ADVANCED,
        rank=RANK_LAST,
    )

    def check(self) -> None:
        """Checks spanning several answers; subclasses extend it."""

    def context(self) -> dict[str, Any]:
        """What the templates see as ``a``: the answers as plain data, plus derived values."""
        ctx: dict[str, Any] = {}
        for q in questions(type(self)):
            value = getattr(self, q.name)
            if q.name == "ca_certs":
                continue
            if q.name == "env":
                value = [{"key": e.key, "value": e.value} for e in value]
            elif isinstance(value, tuple):
                value = list(value)
            ctx[q.name] = value
        ctx["target"] = self.target
        ctx["byoi_version"] = __version__
        ctx["ca_cert_files"] = cacerts.project_names(self.ca_certs)
        ctx["ca"] = {"image_dir": cacerts.IMAGE_DIR, "bundle": cacerts.SYSTEM_BUNDLE}
        ctx["pipeline"] = pipeline_context()
        return ctx

    def to_file(self) -> dict[str, Any]:
        """The answers as an answers file (``byoi.yaml``): defaults left out, certs as copied."""
        data: dict[str, Any] = {"target": self.target}
        for q in questions(type(self)):
            value = getattr(self, q.name)
            if value == q.default:
                continue
            if q.name == "ca_certs":
                value = cacerts.project_names(value)
            elif isinstance(value, tuple):
                value = [_plain(item) for item in value]
            data[q.name] = _plain(value)
        return data


@dataclass(frozen=True)
class Target:
    """A kind of project ``byoi new`` writes."""

    name: str
    summary: str
    answers: type[CommonAnswers]
    #: Folder under ``templates/`` holding the cookiecutter template.
    template: str

    def build(self, raw: dict[str, Any]) -> CommonAnswers:
        """Validate raw answers into this target's typed answers."""
        return build_answers(self.answers, raw)

    def defaults(self) -> CommonAnswers:
        """The answers when nothing is given."""
        return self.answers()
