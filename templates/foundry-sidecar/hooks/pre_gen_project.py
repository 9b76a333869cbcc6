"""Validate the answers before anything is written, when cookiecutter is run directly.

(byoi validates before it renders, so then there is nothing to do here.)
"""

{% if not cookiecutter._byoi %}
from generator.render import validate_for_cookiecutter

validate_for_cookiecutter({{ cookiecutter | tojson | tojson }})
{% endif %}
