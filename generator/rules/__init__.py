"""The checker's rules: one small function each, grouped by concern, listed in ``registry``.

The targets and levels are declared here, with no imports, so that the command line
can name them without loading any rule.
"""

#: Targets ``byoi check --target`` accepts (declared here rather than read from
#: generator.targets, so that checking never imports the templating machinery).
SAGEMAKER_CODE_EDITOR = "sagemaker-code-editor"
FOUNDRY_SIDECAR = "foundry-sidecar"
FOUNDRY_BYOC = "foundry-byoc"
FOUNDRY_MODEL = "foundry-model"
TARGETS = (SAGEMAKER_CODE_EDITOR, FOUNDRY_SIDECAR, FOUNDRY_BYOC, FOUNDRY_MODEL)

#: Finding levels, most severe first (hadolint's names).
LEVELS = ("error", "warning", "info", "style")
