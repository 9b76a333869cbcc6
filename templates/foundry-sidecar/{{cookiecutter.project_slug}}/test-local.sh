{% set a = answers() %}
{% set f = a.foundry %}
{% set s = a.sidecar %}
#!/usr/bin/env bash
{% if a.mode == "server" %}
# Tries the built image the way Foundry uses it in server mode: a host folder mounted as
# the shared volume, input files in it, then GET /health and POST /run on localhost:{{ a.listen_port }}.
{% else %}
# Tries the built image the way Foundry runs a sidecar in flags mode: a host folder mounted
# as the shared volume, input files copied in, {{ f.start_flag }} written; then it waits for
# {{ f.done_flag }}, shows the results and the log, writes {{ f.close_flag }} and waits for the container to exit.
{% endif %}
#
# Usage: ./test-local.sh [INPUT_FILE...]   (default: a small sample file)
# Environment:
#   IMAGE_TAG  tag to try (default {{ a.image_tag }}; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
#   WAIT       seconds to wait for the sidecar (default 600)
set -euo pipefail
cd "$(dirname "$0")"

image="{{ a.name }}:${IMAGE_TAG:-{{ a.image_tag }}}"
docker="${DOCKER:-docker}"
wait_seconds="${WAIT:-600}"
shared="$(mktemp -d)"
container=""

# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    if [[ -n "$container" ]]; then
        "$docker" rm -f "$container" >/dev/null 2>&1 || true
    fi
    rm -rf "$shared" 2>/dev/null || echo "could not remove $shared (files of user {{ a.uid }}); remove it yourself" >&2
}
trap cleanup EXIT

# The first lines of each result file.
show_results() {
    local file
    for file in "$shared/{{ s.output_subdir }}"/*; do
        [[ -f "$file" ]] || continue
        echo "== {{ s.output_subdir }}/${file##*/}"
        head -n 20 "$file"
    done
}

running() {
    [[ "$("$docker" inspect --format '{% raw %}{{.State.Running}}{% endraw %}' "$container")" == true ]]
}

# The container runs as user {{ a.uid }}, which must be able to write here, as on Foundry's volume.
mkdir -p "$shared/{{ s.input_subdir }}" "$shared/{{ s.output_subdir }}"
if (($#)); then
    cp -- "$@" "$shared/{{ s.input_subdir }}/"
else
    printf 'alpha\nbeta\ngamma\n' >"$shared/{{ s.input_subdir }}/sample.txt"
fi
chmod -R a+rwX "$shared"

{% if a.mode == "server" %}
container="$("$docker" run -d --platform {{ f.platform }} -p {{ a.listen_port }}:{{ a.listen_port }} \
    -v "$shared:{{ f.shared_dir }}" "$image")"
echo "started $image as ${container:0:12}; waiting for http://localhost:{{ a.listen_port }}/health"
deadline=$((SECONDS + wait_seconds))
until curl -fsS "http://localhost:{{ a.listen_port }}/health" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! running; then
        echo "the server did not come up; its log:" >&2
        "$docker" logs "$container" >&2
        exit 1
    fi
    sleep 1
done
echo "POST /run:"
reply="$(curl -sS -X POST -H 'Content-Type: application/json' -d '{"args": []}' "http://localhost:{{ a.listen_port }}/run")"
echo "$reply"
show_results
if [[ "$reply" != *'"exit_status": 0,'* ]]; then
    echo "the command failed; the container's log:" >&2
    "$docker" logs "$container" >&2
    exit 1
fi
{% else %}
container="$("$docker" run -d --platform {{ f.platform }} -v "$shared:{{ f.shared_dir }}" "$image")"
echo "started $image as ${container:0:12}; writing {{ f.start_flag }}"
touch "$shared/{{ f.start_flag }}"

deadline=$((SECONDS + wait_seconds))
until [[ -e "$shared/{{ f.done_flag }}" ]]; do
    if ((SECONDS >= deadline)) || ! running; then
        echo "no {{ f.done_flag }}; the container's log:" >&2
        "$docker" logs "$container" >&2
        exit 1
    fi
    sleep 1
done
echo "{{ f.done_flag }}:"
cat "$shared/{{ f.done_flag }}"
show_results
echo "{{ f.log_file }}:"
cat "$shared/{{ f.log_file }}"

echo "writing {{ f.close_flag }}"
touch "$shared/{{ f.close_flag }}"
status="$("$docker" wait "$container")"
echo "the sidecar exited with status $status"
exit "$status"
{% endif %}
