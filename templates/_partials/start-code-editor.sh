{% set a = answers() %}
{% set p = a.code_editor %}
#!/usr/bin/env bash
# Starts SageMaker Code Editor the way Studio expects (written by byoi {{ a.byoi_version }}):
#   - on {{ p.host }}:{{ p.port }} (Studio's health check), without a connection token (Studio
#     authenticates users itself), under /<app type, lower-cased>/default;
#   - with its server data on the EBS home, so settings and the extensions a user
#     installs survive restarts and image updates;
#   - with the extensions baked into this image linked into that server data on every
#     start, so a newer image's extensions also appear in existing spaces.
# Arguments given to the container are passed on to the server.
set -eo pipefail

# Studio sets SAGEMAKER_APP_TYPE (CodeEditor); the URL base path is its lower-cased form.
app_type="{{ "${" ~ p.app_type_env ~ ":-" ~ p.app_type_default ~ "}" }}"
base_path="/${app_type,,}/{{ p.app_name }}"
# Exported as the distribution's entrypoint-code-editor does: the server's built-in SageMaker
# extensions (session-expiry warnings, extensions sync) activate only when it is set.
export SAGEMAKER_APP_TYPE_LOWERCASE="${app_type,,}"

image_extensions="{{ p.extensions_dir }}"
server_data="{{ p.home_server_data_dir }}"
user_data="{{ p.home }}/sagemaker-code-editor-user-data"
extensions="${server_data}/extensions"

{{ partial("link-image-extensions.sh") }}
# Activate the environment that holds the server and your packages.
eval "$(micromamba shell hook --shell bash)"
micromamba activate base
set -u

mkdir -p "$extensions" "$user_data"
__byoi_link_image_extensions "$image_extensions" "$extensions"

exec {{ p.server }} \
    --host {{ p.host }} \
    --port {{ p.port }} \
    {{ p.auth_flag }} \
    --base-path "$base_path" \
    --server-data-dir "$server_data" \
    --extensions-dir "$extensions" \
    --user-data-dir "$user_data" \
    "$@"
