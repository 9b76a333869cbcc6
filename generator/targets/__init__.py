"""The targets ``byoi new`` can write: one module a target, found here by name."""

from __future__ import annotations

from generator.targets.base import Target
from generator.targets.foundry_byoc import TARGET as FOUNDRY_BYOC
from generator.targets.foundry_compute_module import TARGET as FOUNDRY_COMPUTE_MODULE
from generator.targets.foundry_model import TARGET as FOUNDRY_MODEL
from generator.targets.foundry_sidecar import TARGET as FOUNDRY_SIDECAR
from generator.targets.sagemaker_code_editor import TARGET as SAGEMAKER_CODE_EDITOR
from generator.targets.sagemaker_jupyterlab import TARGET as SAGEMAKER_JUPYTERLAB

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        SAGEMAKER_CODE_EDITOR,
        SAGEMAKER_JUPYTERLAB,
        FOUNDRY_SIDECAR,
        FOUNDRY_BYOC,
        FOUNDRY_MODEL,
        FOUNDRY_COMPUTE_MODULE,
    )
}

__all__ = ["TARGETS", "Target"]
