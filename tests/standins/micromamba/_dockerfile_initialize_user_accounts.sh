#!/bin/bash
# Stand-in for /usr/local/bin/_dockerfile_initialize_user_accounts.sh of mambaorg/micromamba
# (mamba-org/micromamba-docker), run as root while the image is built. Reproduces its
# behaviour on Debian: the activation line in root's and /etc/skel's .bashrc; group
# $MAMBA_USER with GID $MAMBA_USER_GID and user $MAMBA_USER with UID $MAMBA_USER_ID, home
# /home/$MAMBA_USER and shell bash; the name in /etc/arg_mamba_user (checked by
# _entrypoint.sh); /home and that file made world-writable (a+rwx, recursively).

set -euf -o pipefail

echo "source /usr/local/bin/_activate_current_env.sh" >> ~/.bashrc
echo "source /usr/local/bin/_activate_current_env.sh" >> /etc/skel/.bashrc

if [[ "$(id -g "${MAMBA_USER}" 2>/dev/null)" != "${MAMBA_USER_GID}" ]]; then
    groupadd -g "${MAMBA_USER_GID}" "${MAMBA_USER}"
fi
if [[ "$(id -u "${MAMBA_USER}" 2>/dev/null)" != "${MAMBA_USER_ID}" ]]; then
    useradd -u "${MAMBA_USER_ID}" -g "${MAMBA_USER_GID}" -ms /bin/bash "${MAMBA_USER}"
fi

echo "${MAMBA_USER}" > /etc/arg_mamba_user
chmod -R a+rwx /home /etc/arg_mamba_user
