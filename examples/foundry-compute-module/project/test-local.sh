#!/usr/bin/env bash
# Tries the built image the way Foundry runs it, with no Foundry: byoi's local runtime plays
# Foundry's part (HTTPS with a throwaway CA, the auth token file, the job queue) and
# `byoi verify` runs the container against it, then checks, step by step: the schemas the
# module posts, a job per example function (add, hello), a malformed job answered with an
# error, 50 jobs in a row, and a clean stop on SIGTERM. Needs byoi (pip install byoi),
# openssl, and podman or docker on Linux (the container shares the host's loopback).
#
# Usage: ./test-local.sh
# Environment:
#   IMAGE_TAG  tag to try (default 0.1.0; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default: podman, else docker)
set -euo pipefail
cd "$(dirname "$0")"

image="scoring-module:${IMAGE_TAG:-0.1.0}"
if ! command -v byoi >/dev/null 2>&1; then
    echo "test-local.sh: error: byoi is not installed: pip install byoi" >&2
    exit 2
fi
engine=()
if [[ -n "${DOCKER:-}" ]]; then
    engine=(--engine "$DOCKER")
fi
# The example functions are add and hello: once you replace them, verify's calls of them fail.
byoi verify "$image" --target foundry-compute-module ${engine[@]+"${engine[@]}"}
