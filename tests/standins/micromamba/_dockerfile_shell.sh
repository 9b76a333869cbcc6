#!/usr/bin/env bash
# Stand-in for /usr/local/bin/_dockerfile_shell.sh of mambaorg/micromamba
# (mamba-org/micromamba-docker): the image's SHELL, so every shell-form RUN of an image built
# on it goes through here. Reproduces its behaviour: the environment is activated only when
# the build sets MAMBA_DOCKERFILE_ACTIVATE=1 (e.g. `ARG MAMBA_DOCKERFILE_ACTIVATE=1`);
# DOCKERFILE_UMASK sets the umask; the command runs with `bash -o pipefail -c`.

set -ef -o pipefail

if [[ "${MAMBA_DOCKERFILE_ACTIVATE:-}" == "1" ]]; then
    # shellcheck source=/dev/null
    source _activate_current_env.sh
fi

if [[ -n "${DOCKERFILE_UMASK:-}" ]]; then
    umask "${DOCKERFILE_UMASK}"
fi

exec bash -o pipefail -c "$@"
