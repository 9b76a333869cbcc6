"""Drop files this combination of answers does not use."""

from pathlib import Path

{% set a = answers() %}
UNUSED = [{% if a.base == "micromamba" %}"link-image-extensions.sh"{% else %}"start-code-editor"{% endif %}]

for name in UNUSED:
    Path(name).unlink()
