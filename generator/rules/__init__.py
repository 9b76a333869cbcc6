"""The checker's rules: one small function each, grouped by concern, listed in ``registry``.

The targets and levels are declared here, with no imports, so that the command line
can name them without loading any rule.
"""

#: Targets ``byoi check --target`` accepts (declared here rather than read from
#: generator.targets, so that checking never imports the templating machinery).
SAGEMAKER_CODE_EDITOR = "sagemaker-code-editor"
SAGEMAKER_JUPYTERLAB = "sagemaker-jupyterlab"
FOUNDRY_SIDECAR = "foundry-sidecar"
FOUNDRY_BYOC = "foundry-byoc"
FOUNDRY_MODEL = "foundry-model"
FOUNDRY_COMPUTE_MODULE = "foundry-compute-module"
TARGETS = (
    SAGEMAKER_CODE_EDITOR,
    SAGEMAKER_JUPYTERLAB,
    FOUNDRY_SIDECAR,
    FOUNDRY_BYOC,
    FOUNDRY_MODEL,
    FOUNDRY_COMPUTE_MODULE,
)

#: Finding levels, most severe first (hadolint's names).
LEVELS = ("error", "warning", "info", "style")

#: Codes of the built-image rules (``byoi check-image``, generator/image/rules.py), declared
#: here so that one ``.byoi.yaml`` can silence both kinds without ``byoi check`` loading them.
IMAGE_RULE_CODES = tuple(f"IM4{n:02d}" for n in range(1, 17))
