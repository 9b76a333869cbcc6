"""The CI pipeline a project may get (``--ci github|gitlab|none``): what its files pin.

The templates (``templates/_partials/ci-github.yml`` and ``ci-gitlab.yml``) read these
values as ``answers().pipeline``. Every third-party GitHub action is pinned by the full
commit SHA of a release tag (GitHub's security hardening guide: a tag can be moved, a
commit cannot), with the tag beside it in the file. To refresh a pin: take the newest
release tag of the action's repository, ``git rev-parse TAG^{commit}`` in a clone, and
change both values below (tests/test_ci.py reads the SHAs from the generated files and
requires 40 hex digits and a version comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.platforms import foundry

#: The answer's choices; ``none`` writes no CI file.
CI_SYSTEMS = ("none", "github", "gitlab")

#: The pipeline's install of byoi, in a shell line: the release tag ``v<version>`` (the version that
#: wrote the project) of the byoi git repository the team installs byoi from, which the CI variable
#: ``BYOI_REPOSITORY`` names (byoi is installed from a clone of its repository, README). An unset
#: variable stops the job with this line's message rather than fetching from a guessed host.
BYOI_INSTALL = (
    'pip install "byoi @ git+${BYOI_REPOSITORY:?set the CI variable BYOI_REPOSITORY to the git URL of '
    'your byoi repository (README.md, CI)}@v${BYOI_VERSION}"'
)


@dataclass(frozen=True)
class Action:
    """A GitHub action pinned by commit, with the release tag that commit is and the repository it is from."""

    name: str
    sha: str
    version: str
    source: str

    def as_dict(self) -> dict[str, str]:
        """What the templates see: ``uses`` (name@sha) and ``version``, for the comment."""
        return {"uses": f"{self.name}@{self.sha}", "version": self.version, "source": self.source}


# Each SHA is ``git rev-parse <tag>^{commit}`` in a clone of the action's repository,
# taken on 2026-12-06 (the newest release tag then).
ACTIONS = {
    "checkout": Action(
        "actions/checkout",
        "3d3c42e5aac5ba805825da76410c181273ba90b1",
        "v7.0.1",
        "github.com/actions/checkout",
    ),
    "setup_python": Action(
        "actions/setup-python",
        "5fda3b95a4ea91299a34e894583c3862153e4b97",
        "v7.0.0",
        "github.com/actions/setup-python",
    ),
    "upload_sarif": Action(
        "github/codeql-action/upload-sarif",
        "8aad20d150bbac5944a9f9d289da16a4b0d87c1e",
        "v4.36.2",
        "github.com/github/codeql-action",
    ),
    "aws_credentials": Action(
        "aws-actions/configure-aws-credentials",
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
        "v6.2.3",
        "github.com/aws-actions/configure-aws-credentials",
    ),
}

#: GitHub's hosted runner: a fixed Ubuntu release rather than ``ubuntu-latest``, which moves.
GITHUB_RUNNER = "ubuntu-24.04"
#: Python for byoi in CI (byoi supports 3.10 and later).
PYTHON_VERSION = "3.12"
#: GitLab job image: the Python image byoi already pins for Foundry (podman comes from apt).
GITLAB_IMAGE = foundry.DEFAULT_BASE_IMAGE
#: The AWS CLI installed in GitLab's SageMaker jobs (v1, from PyPI): the version byoi's tests run.
AWSCLI_VERSION = "1.46.3"
#: Report file of ``byoi check --format gitlab`` in GitLab (its code quality widget reads it).
GITLAB_REPORT = "gl-code-quality-report.json"


def pipeline_context() -> dict[str, Any]:
    """The values every CI template reads, as ``answers().pipeline``."""
    return {
        "byoi_install": BYOI_INSTALL,
        "actions": {key: action.as_dict() for key, action in ACTIONS.items()},
        "runner": GITHUB_RUNNER,
        "python_version": PYTHON_VERSION,
        "gitlab_image": GITLAB_IMAGE,
        "awscli_version": AWSCLI_VERSION,
        "gitlab_report": GITLAB_REPORT,
    }
