{% set a = answers() %}
{% set f = a.foundry %}
#!/usr/bin/env bash
# Tries the built image the way Foundry uses it: starts the container with port {{ a.listen_port }}
# published, waits for GET {{ a.server.health }}, then POSTs a request to {{ a.server.predict }} and prints the answer.
#
# Usage: ./test-local.sh [REQUEST_JSON]
#   REQUEST_JSON  default: {"rows": [<one row of example values>]}
# Environment:
#   IMAGE_TAG  tag to try (default {{ a.image_tag }}; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
#   PORT       host port to publish on (default {{ a.listen_port }})
set -euo pipefail
cd "$(dirname "$0")"

image="{{ a.name }}:${IMAGE_TAG:-{{ a.image_tag }}}"
docker="${DOCKER:-docker}"
port="${PORT:-{{ a.listen_port }}}"
{% set example = {"str": '"example"', "int": "1", "float": "1.5", "bool": "true"} %}
example_request='{"rows": [{ {%- for c in a.inputs %}"{{ c.name }}": {{ example[c.type] }}{% if not loop.last %}, {% endif %}{% endfor -%} }]}'
request="${1:-$example_request}"
container=""

# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    if [[ -n "$container" ]]; then
        "$docker" rm -f "$container" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

container="$("$docker" run -d --platform {{ f.platform }} -p "$port:{{ a.listen_port }}" "$image")"
echo "started $image as ${container:0:12}; waiting for http://localhost:$port{{ a.server.health }}"
for _ in $(seq 60); do
    if curl -fsS "http://localhost:$port{{ a.server.health }}"; then
        echo
        break
    fi
    sleep 1
done
curl -fsS "http://localhost:$port{{ a.server.health }}" >/dev/null || {
    echo "the server did not come up; its log:" >&2
    "$docker" logs "$container" >&2
    exit 1
}

echo "POST {{ a.server.predict }} $request"
curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' -d "$request" "http://localhost:$port{{ a.server.predict }}"
echo
