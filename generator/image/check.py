"""``byoi check-image``: read a built image and run the target's image rules on it.

Findings have the Dockerfile checker's shape (:class:`generator.check.Finding`): the
file is the image as the user named it, the line is 1 (an image has no lines), and
``ignored``/``override`` settings apply by code as they do for ``byoi check``.
"""

from __future__ import annotations

from generator.check import Finding
from generator.checkconfig import CheckConfig
from generator.image.archive import Image, read_image
from generator.image.rules import ImageContext, image_rules_for, keep
from generator.image.tree import Tree
from generator.rules import TARGETS


class ImageCheckError(ValueError):
    """Bad input: an unknown target. One line, exit status 2."""


def check_loaded(image: Image, target: str, config: CheckConfig | None = None) -> list[Finding]:
    """The findings of ``target``'s image rules on an image already read."""
    if target not in TARGETS:
        raise ImageCheckError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    config = config or CheckConfig()
    ctx = ImageContext(target, image, Tree(image.layers))
    findings = []
    for rule in image_rules_for(target):
        if rule.code in config.ignored:
            continue
        level = config.override.get(rule.code, rule.level)
        for message in rule.messages(ctx):
            findings.append(Finding(image.source, 1, 1, level, rule.code, message))
    return findings


def check_image(
    source: str,
    target: str,
    config: CheckConfig | None = None,
    env: dict[str, str] | None = None,
    engine: str | None = None,
) -> list[Finding]:
    """Read the image ``source`` names (archive, OCI layout or reference) and check it for ``target``."""
    if target not in TARGETS:
        raise ImageCheckError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return check_loaded(read_image(source, keep, env=env, engine=engine), target, config)
