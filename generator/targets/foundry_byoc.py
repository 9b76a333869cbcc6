"""Target ``foundry-byoc``: an image a bring-your-own-container (lightweight) transform runs in.

Foundry runs the transform's Python inside this image, as one fixed user id
(``FOUNDRY.byoc_uid``); the image itself needs no Python, only the tools the transform
calls. The project also holds the transform side, declared with
``.with_container(container_image=..., container_tag=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import IDENTITY, AnswerError, option, parse_name
from generator.platforms.foundry import FOUNDRY
from generator.targets.base import Target
from generator.targets.foundry_common import APP_DIR, FoundryAnswers, parse_uid
from generator.targets_catalog import SUMMARIES

#: The example tool the project ships and the transform side calls.
WORK_SCRIPT = f"{APP_DIR}/work.sh"


@dataclass(frozen=True)
class ByocAnswers(FoundryAnswers):
    """Answers for a bring-your-own-container transform image."""

    target: ClassVar[str] = "foundry-byoc"
    user_name: ClassVar[str] = "transform"
    needs_shell_because: ClassVar[str] = (
        "this image needs: its user is created with a RUN step, and its example tool is a shell script"
    )

    name: str = option("my-byoc", "image (and project) name", parse_name, group=IDENTITY)
    uid: int = option(
        FOUNDRY.byoc_uid,
        f"numeric user id the container runs as; bring-your-own-container transforms need {FOUNDRY.byoc_uid}",
        parse_uid,
        metavar="UID",
    )

    def check(self) -> None:
        """Foundry's rules, plus the one user id BYOC transforms run as."""
        if self.uid != FOUNDRY.byoc_uid:
            raise AnswerError(
                f"--uid {self.uid}: bring-your-own-container transforms run as user {FOUNDRY.byoc_uid} exactly; "
                f"drop --uid or give {FOUNDRY.byoc_uid}"
            )
        super().check()

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the tool's path."""
        ctx = super().context()
        ctx["work_script"] = WORK_SCRIPT
        ctx["exposed_ports"] = list(self.ports)
        ctx["paste_hint"] = [
            "use it from the transform: in transform/byoc_transform.py, "
            'IMAGE = "%s" and TAG = "%s" (.with_container(container_image=IMAGE, container_tag=TAG))'
        ]
        return ctx


TARGET = Target(
    name="foundry-byoc",
    summary=SUMMARIES["foundry-byoc"],
    answers=ByocAnswers,
    template="foundry-byoc",
)
