"""The model of "sentiment-model": replace the example with yours (written by byoi 0.3.0).

server.py creates one Model when the container starts (before it answers /health),
then calls predict() with the rows of each request, and answers what it returns:
  input rows:  dicts with text (str)
  output rows: one dict per input row, with text (str), label (str), score (float)
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
            "text": row["text"],
            "label": "",  # your model's str here
            "score": 0.0,  # your model's float here
        }
