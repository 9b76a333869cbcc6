"""Validate the answers before anything is written, when cookiecutter is run directly.

(byoi validates before it renders, so then there is nothing to do here.)
"""

{% if not cookiecutter._byoi %}
import json
import sys

from generator.answers import AnswerError
from generator.render import answers_from_cookiecutter

try:
    answers_from_cookiecutter(json.loads({{ cookiecutter | tojson | tojson }}))
except AnswerError as err:
    sys.exit(f"error: {err}")
{% endif %}
