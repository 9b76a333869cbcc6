{% set a = answers() %}
{% set f = a.foundry %}
{% if a.telemetry %}
# Foundry's telemetry runs {{ f.telemetry_shell }} with set and tee in the container: check them
# here (the check of Foundry's FAQ), so a base without them fails the build, not the run.
RUN {{ f.telemetry_check }} </dev/null

{% endif %}
{{ partial("ca-certs.Dockerfile") }}{{ partial("env.Dockerfile") }}{% if a.apt_packages %}
# Debian packages. Versions come with the base image's Debian release, whose security
# updates would break exact pins; pin one with --apt-package NAME=VERSION if you must.
{% if a.python_added %}
# python3 is added: {{ a.python_added }}, and {{ a.base_image }} has no Python.
{% endif %}
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
{% for p in a.apt_packages %}
        {{ p | shell_quote }} \
{% endfor %}
 && rm -rf /var/lib/apt/lists/*

{% endif %}
{% if a.pip_packages %}
# Python packages (the base image's python3), before your own files so that editing
# them re-runs no install; without pip's cache, which would only make the image bigger.
RUN python3 -m pip install --no-cache-dir \
{% for spec in a.pip_packages %}
        {{ spec | shell_quote }}{% if not loop.last %} \{% endif %}

{% endfor %}

{% endif %}
