# shellcheck shell=bash
# Stand-in for /usr/local/bin/_activate_current_env.sh of mambaorg/micromamba
# (mamba-org/micromamba-docker). Only ever sourced (by _entrypoint.sh, by _dockerfile_shell.sh
# when MAMBA_DOCKERFILE_ACTIVATE=1, and from ~/.bashrc). Reproduces its behaviour: nothing when
# MAMBA_SKIP_ACTIVATE=1; otherwise load the micromamba shell hook, the conda/mamba hooks when
# the environment has them, and activate $ENV_NAME.

if [[ "${MAMBA_SKIP_ACTIVATE:-}" == "1" ]]; then
    return
fi

eval "$("${MAMBA_EXE}" shell hook --shell=bash)"

__conda_setup="$('conda' 'shell.bash' 'hook' 2> /dev/null)" || true
if [[ -n "${__conda_setup}" ]]; then
    eval "$__conda_setup"
elif [[ -f "${CONDA_PREFIX:-}/etc/profile.d/conda.sh" ]]; then
    # shellcheck source=/dev/null
    . "${CONDA_PREFIX}/etc/profile.d/conda.sh"
fi
unset __conda_setup

if [[ -f "${CONDA_PREFIX:-}/etc/profile.d/mamba.sh" ]]; then
    # shellcheck source=/dev/null
    . "${CONDA_PREFIX}/etc/profile.d/mamba.sh"
fi

conda activate "${ENV_NAME}" 2>/dev/null \
    || mamba activate "${ENV_NAME}" 2>/dev/null \
    || micromamba activate "${ENV_NAME}"
