#!/usr/bin/env bash
# Tries the built image the way Foundry runs a sidecar in flags mode: a host folder mounted
# as the shared volume, input files copied in, start_flag written; then it waits for
# done_flag, shows the results and the log, writes close_flag and waits for the container to exit.
#
# Usage: ./test-local.sh [INPUT_FILE...]   (default: a small sample file)
# Environment:
#   IMAGE_TAG  tag to try (default 1.0.0; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
#   WAIT       seconds to wait for the sidecar (default 600)
set -euo pipefail
cd "$(dirname "$0")"

image="json-sidecar:${IMAGE_TAG:-1.0.0}"
docker="${DOCKER:-docker}"
wait_seconds="${WAIT:-600}"
shared="$(mktemp -d)"
container=""

# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    if [[ -n "$container" ]]; then
        "$docker" rm -f "$container" >/dev/null 2>&1 || true
    fi
    rm -rf "$shared" 2>/dev/null || echo "could not remove $shared (files of user 5001); remove it yourself" >&2
}
trap cleanup EXIT

# The first lines of each result file.
show_results() {
    local file
    for file in "$shared/output"/*; do
        [[ -f "$file" ]] || continue
        echo "== output/${file##*/}"
        head -n 20 "$file"
    done
}

running() {
    [[ "$("$docker" inspect --format '{{.State.Running}}' "$container")" == true ]]
}

# The container runs as user 5001, which must be able to write here, as on Foundry's volume.
mkdir -p "$shared/input" "$shared/output"
if (($#)); then
    cp -- "$@" "$shared/input/"
else
    printf 'alpha\nbeta\ngamma\n' >"$shared/input/sample.txt"
fi
chmod -R a+rwX "$shared"

container="$("$docker" run -d --platform linux/amd64 -v "$shared:/opt/palantir/sidecars/shared-volumes/shared" "$image")"
echo "started $image as ${container:0:12}; writing start_flag"
touch "$shared/start_flag"

deadline=$((SECONDS + wait_seconds))
until [[ -e "$shared/done_flag" ]]; do
    if ((SECONDS >= deadline)) || ! running; then
        echo "no done_flag; the container's log:" >&2
        "$docker" logs "$container" >&2
        exit 1
    fi
    sleep 1
done
echo "done_flag:"
cat "$shared/done_flag"
show_results
echo "logfile:"
cat "$shared/logfile"

echo "writing close_flag"
touch "$shared/close_flag"
status="$("$docker" wait "$container")"
echo "the sidecar exited with status $status"
exit "$status"
