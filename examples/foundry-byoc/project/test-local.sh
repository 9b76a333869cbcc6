#!/usr/bin/env bash
# Tries the built image the way Foundry uses it: checks that it runs as user 5001 and
# passes Foundry's telemetry check (/bin/sh -c 'set -a && tee -a'), then runs the
# tool on input files in a mounted folder, as transform/byoc_transform.py does.
#
# Usage: ./test-local.sh [INPUT_FILE...]   (default: a small sample file)
# Environment:
#   IMAGE_TAG  tag to try (default 2.3.0; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
set -euo pipefail
cd "$(dirname "$0")"

image="cobol-transform:${IMAGE_TAG:-2.3.0}"
docker="${DOCKER:-docker}"
work="$(mktemp -d)"
# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    rm -rf "$work" 2>/dev/null || echo "could not remove $work (files of user 5001); remove it yourself" >&2
}
trap cleanup EXIT

uid="$("$docker" run --rm --platform linux/amd64 --entrypoint id "$image" -u)"
if [[ "$uid" != 5001 ]]; then
    echo "the image runs as user $uid; Foundry runs bring-your-own-container transforms only as 5001" >&2
    exit 1
fi
echo "runs as user $uid: ok"

"$docker" run --rm --platform linux/amd64 --entrypoint /bin/sh "$image" -c 'set -a && tee -a' </dev/null
echo "telemetry check (/bin/sh -c 'set -a && tee -a'): ok"

mkdir -p "$work/input" "$work/output"
if (($#)); then
    cp -- "$@" "$work/input/"
else
    printf 'alpha\nbeta\ngamma\n' >"$work/input/sample.txt"
fi
# The container runs as user 5001, which must be able to write the results.
chmod -R a+rwX "$work"
"$docker" run --rm --platform linux/amd64 -v "$work:/work" -e INPUT_DIR=/work/input -e OUTPUT_DIR=/work/output \
    --entrypoint /app/work.sh "$image"
echo "results:"
for file in "$work/output"/*; do
    echo "== ${file##*/}"
    cat "$file"
done
