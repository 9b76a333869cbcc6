#!/usr/bin/env bash
# Stand-in for /usr/local/bin/_entrypoint.sh of mambaorg/micromamba (mamba-org/micromamba-docker),
# the image's ENTRYPOINT. Reproduces its behaviour:
#   - refuses to start (exit 1) when $MAMBA_USER differs from the name recorded in
#     /etc/arg_mamba_user, i.e. when an image renamed the user without updating that file;
#   - for a numeric `--user` with neither USER nor HOME set, uses $MAMBA_USER's name and home;
#   - activates $ENV_NAME (default base) through _activate_current_env.sh, then execs "$@".

set -ef -o pipefail

if [[ -f /etc/arg_mamba_user ]]; then
    recorded="$(cat /etc/arg_mamba_user)"
    if [[ "${MAMBA_USER:-}" != "$recorded" ]]; then
        echo "ERROR: This micromamba-docker image was built with" \
            "'ARG MAMBA_USER=${recorded}', but the corresponding" \
            "environment variable has been modified to 'MAMBA_USER=${MAMBA_USER:-}'." \
            "For instructions on how to properly change the username, please refer" \
            "to the documentation at <https://github.com/mamba-org/micromamba-docker>." >&2
        exit 1
    fi
fi

if [[ ! -v USER && ! -v HOME && $(id -u) -gt 0 ]]; then
    export USER="$MAMBA_USER"
    export HOME="/home/$USER"
fi

# shellcheck source=/dev/null
source _activate_current_env.sh

exec "$@"
