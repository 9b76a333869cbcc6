"""The targets ``byoi new`` can write: each one's name and one-line summary, in order.

Kept apart from the target modules, whose answer classes take most of a start-up to
import, so that ``byoi targets`` lists them at once. Each target module takes its
summary from here, and a test holds this list equal to :data:`generator.targets.TARGETS`.
"""

from __future__ import annotations

from generator.platforms.foundry import FOUNDRY

SUMMARIES: dict[str, str] = {
    "sagemaker-code-editor": "SageMaker Studio Code Editor custom image (micromamba or SageMaker Distribution base)",
    "sagemaker-jupyterlab": "SageMaker Studio JupyterLab custom image (micromamba or SageMaker Distribution base)",
    "foundry-sidecar": "Foundry transforms sidecar: flag-file protocol or localhost HTTP server, "
    "plus the transform side",
    "foundry-byoc": f"Foundry bring-your-own-container (lightweight) transform image, user {FOUNDRY.byoc_uid}, "
    "plus the transform side",
    "foundry-model": "Foundry container-backed model: a small HTTP inference server plus its ContainerModelAdapter",
    "foundry-compute-module": "Foundry compute module (functions mode) on Palantir's SDK, with a local runtime "
    "to try it",
}


def print_targets() -> int:
    """``byoi targets``: each target ``byoi new`` writes, with its summary."""
    width = max(len(n) for n in SUMMARIES)
    for name, summary in SUMMARIES.items():
        print(f"{name:<{width}}  {summary}")
    return 0
