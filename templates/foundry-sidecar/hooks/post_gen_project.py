"""Drop files this combination of answers does not use."""

from pathlib import Path

{% set a = answers() %}
UNUSED = [
{% if a.mode == "server" %}
    "entrypoint.sh",
{% else %}
    "server.py",
{% endif %}
{% if not a.uses_work_script %}
    "work.sh",
{% endif %}
]

for name in UNUSED:
    Path(name).unlink()
