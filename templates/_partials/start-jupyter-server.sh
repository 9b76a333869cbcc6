{% set a = answers() %}
{% set p = a.jupyterlab %}
#!/usr/bin/env bash
# Starts JupyterLab the way Studio expects (written by byoi {{ a.byoi_version }}), as the
# SageMaker Distribution's own start-jupyter-server does:
#   - on {{ p.host }}:{{ p.port }} (Studio's health check), under /<app type, lower-cased>/default;
#   - without a token or password (Studio authenticates users itself);
#   - accepting any origin (Studio's page reaches the server through Studio's proxy);
#   - in a shared space, in real-time collaboration mode when jupyter-collaboration is installed.
# Arguments given to the container are passed on to the server.
set -eo pipefail

# Studio sets SAGEMAKER_APP_TYPE (JupyterLab); the URL base path is its lower-cased form.
app_type="{{ "${" ~ p.app_type_env ~ ":-" ~ p.app_type_default ~ "}" }}"
export SAGEMAKER_APP_TYPE_LOWERCASE="${app_type,,}"
base_path="/${SAGEMAKER_APP_TYPE_LOWERCASE}/{{ p.app_name }}"

# Activate the environment that holds JupyterLab, the kernel and your packages.
eval "$(micromamba shell hook --shell bash)"
micromamba activate base
set -u

collaborative=()
if [[ "{{ "${" ~ p.space_type_env ~ ":-}" }}" == shared ]]; then
    # Shared spaces: several users edit the same notebooks, which needs jupyter-collaboration.
    if python -c 'import jupyter_collaboration' 2>/dev/null; then
        collaborative=(--collaborative)
    else
        echo "start-jupyter-server: shared space, but {{ p.collaboration_package }} is not installed:" \
            "starting without real-time collaboration (add {{ p.collaboration_package }} to the image for it)" >&2
    fi
fi

exec {{ p.server }} {{ p.server_subcommand }} \
    --ip {{ p.host }} \
    --port {{ p.port }} \
    "--ServerApp.base_url=$base_path" \
    --ServerApp.token='' \
    --ServerApp.password='' \
    --ServerApp.allow_origin='*' \
    ${collaborative[@]+"${collaborative[@]}"} \
    "$@"
