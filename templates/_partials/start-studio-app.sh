{% set a = answers() %}
#!/usr/bin/env bash
# The image's ENTRYPOINT (written by byoi {{ a.byoi_version }}): this image serves two Studio apps,
# and starts the server of the one Studio runs it for, from SAGEMAKER_APP_TYPE alone (Studio sets
# it in every space; unset, {{ a.app_types[a.own_app] }}), so `docker run` and `byoi verify` need no app image
# config. In Studio each app's app image config names that app's own entrypoint, which this
# script also just runs.
# Arguments given to the container are passed on to the server.
set -euo pipefail

case "{{ "${" ~ a.code_editor.app_type_env ~ ":-" ~ a.app_types[a.own_app] ~ "}" }}" in
{% for app in a.apps %}
    {{ a.app_types[app] }}) exec {{ a.app_entrypoints[app] }} "$@" ;;
{% endfor %}
    *)
        echo "start-studio-app: SAGEMAKER_APP_TYPE is '{{ "${" ~ a.code_editor.app_type_env ~ ":-}" }}'; this image serves{% for app in a.apps %} {{ a.app_types[app] }}{% if not loop.last %} and{% endif %}{% endfor %}" >&2
        exit 64 ;;
esac
