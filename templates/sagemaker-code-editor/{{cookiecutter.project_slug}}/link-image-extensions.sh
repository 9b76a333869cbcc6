{% set a = answers() %}
{% set p = a.platform %}
# shellcheck shell=bash
# Sourced by micromamba whenever it activates the environment (conda's activate.d), as
# entrypoint-code-editor does before it starts Code Editor. The SageMaker Distribution
# image links its extensions into a space only on the space's first start; this links the
# ones a newer image adds on every later start too. Quiet; changes nothing else.
# (Written by byoi {{ a.byoi_version }}.)

{{ partial("link-image-extensions.sh") }}
if [[ -n "${BASH_VERSION:-}" && -d "{{ p.home_extensions_dir }}" ]]; then
    __byoi_link_image_extensions "{{ p.extensions_dir }}" "{{ p.home_extensions_dir }}" 2>/dev/null || true
fi
unset -f __byoi_link_image_extensions
