{% set a = answers() %}
{% set f = a.foundry %}
#!/usr/bin/env bash
# Tries the built image the way Foundry uses it: checks that it runs as user {{ a.uid }}{% if a.telemetry %} and
# passes Foundry's telemetry check ({{ f.telemetry_shell }} -c '{{ f.telemetry_check }}'){% endif %}, then runs the
# tool on input files in a mounted folder, as transform/byoc_transform.py does.
#
# Usage: ./test-local.sh [INPUT_FILE...]   (default: a small sample file)
# Environment:
#   IMAGE_TAG  tag to try (default {{ a.image_tag }}; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
set -euo pipefail
cd "$(dirname "$0")"

image="{{ a.name }}:${IMAGE_TAG:-{{ a.image_tag }}}"
docker="${DOCKER:-docker}"
work="$(mktemp -d)"
# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    rm -rf "$work" 2>/dev/null || echo "could not remove $work (files of user {{ a.uid }}); remove it yourself" >&2
}
trap cleanup EXIT

uid="$("$docker" run --rm --platform {{ f.platform }} --entrypoint id "$image" -u)"
if [[ "$uid" != {{ a.uid }} ]]; then
    echo "the image runs as user $uid; Foundry runs bring-your-own-container transforms only as {{ a.uid }}" >&2
    exit 1
fi
echo "runs as user $uid: ok"
{% if a.telemetry %}

"$docker" run --rm --platform {{ f.platform }} --entrypoint {{ f.telemetry_shell }} "$image" -c '{{ f.telemetry_check }}' </dev/null
echo "telemetry check ({{ f.telemetry_shell }} -c '{{ f.telemetry_check }}'): ok"
{% endif %}

mkdir -p "$work/input" "$work/output"
if (($#)); then
    cp -- "$@" "$work/input/"
else
    printf 'alpha\nbeta\ngamma\n' >"$work/input/sample.txt"
fi
# The container runs as user {{ a.uid }}, which must be able to write the results.
chmod -R a+rwX "$work"
"$docker" run --rm --platform {{ f.platform }} -v "$work:/work" -e INPUT_DIR=/work/input -e OUTPUT_DIR=/work/output \
    --entrypoint {{ a.work_script }} "$image"
echo "results:"
for file in "$work/output"/*; do
    echo "== ${file##*/}"
    cat "$file"
done
