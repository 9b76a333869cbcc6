{% set a = answers() %}
{% set placeholder = {"str": '""', "int": "0", "float": "0.0", "bool": "False"} %}
"""The model of "{{ a.name }}": replace the example with yours (written by byoi {{ a.byoi_version }}).

server.py creates one Model when the container starts (before it answers {{ a.server.health }}),
then calls predict() with the rows of each request, and answers what it returns:
  input rows:  dicts with {% for c in a.inputs %}{{ c.name }} ({{ c.type }}){% if not loop.last %}, {% endif %}{% endfor %}

  output rows: one dict per input row, with {% for c in a.outputs %}{{ c.name }} ({{ c.type }}){% if not loop.last %}, {% endif %}{% endfor %}

Values may be None.
Weights or other files: COPY them into the image (Dockerfile) and load them in __init__.
Libraries: add them with --pip-package (re-generate) or in the Dockerfile.
"""

from __future__ import annotations

from typing import Any


class Model:
    """Loaded once; predict() is called for one request at a time."""

    def __init__(self) -> None:
        # Load weights, tokenizers, lookup tables... here, once.
        pass

    def predict(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One output row per input row."""
        return [self.predict_row(row) for row in rows]

    def predict_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """The example: inputs passed through where names match, placeholders elsewhere."""
        return {
{% for c in a.outputs %}
{% if c.from_input %}
            "{{ c.name }}": row["{{ c.name }}"],
{% else %}
            "{{ c.name }}": {{ placeholder[c.type] }},  # your model's {{ c.type }} here
{% endif %}
{% endfor %}
        }
