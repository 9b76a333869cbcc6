#!/usr/bin/env bash
# Stand-in for /usr/local/bin/_dockerfile_setup_root_prefix.sh of mambaorg/micromamba
# (mamba-org/micromamba-docker), run as root while the image is built. Reproduces its
# behaviour: $MAMBA_ROOT_PREFIX/conda-meta is created and the whole (still empty) root
# prefix made world-writable. /opt/conda itself is therefore root-owned with mode 0777, and
# whoever installs first owns what the install creates inside it.

set -euf -o pipefail

mkdir -p "${MAMBA_ROOT_PREFIX}/conda-meta"
chmod -R a+rwx "${MAMBA_ROOT_PREFIX}"
