#!/usr/bin/env bash
# Tries the built image the way Foundry uses it: starts the container with port 8501
# published, waits for GET /health, then POSTs a request to /predict and prints the answer.
#
# Usage: ./test-local.sh [REQUEST_JSON]
#   REQUEST_JSON  default: {"rows": [<one row of example values>]}
# Environment:
#   IMAGE_TAG  tag to try (default 0.3.0; build it first with ./build.sh)
#   DOCKER     docker-compatible client (default docker; podman works too)
#   PORT       host port to publish on (default 8501)
set -euo pipefail
cd "$(dirname "$0")"

image="sentiment-model:${IMAGE_TAG:-0.3.0}"
docker="${DOCKER:-docker}"
port="${PORT:-8501}"
example_request='{"rows": [{"text": "example"}]}'
request="${1:-$example_request}"
container=""

# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    if [[ -n "$container" ]]; then
        "$docker" rm -f "$container" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

container="$("$docker" run -d --platform linux/amd64 -p "$port:8501" "$image")"
echo "started $image as ${container:0:12}; waiting for http://localhost:$port/health"
for _ in $(seq 60); do
    if curl -fsS "http://localhost:$port/health"; then
        echo
        break
    fi
    sleep 1
done
curl -fsS "http://localhost:$port/health" >/dev/null || {
    echo "the server did not come up; its log:" >&2
    "$docker" logs "$container" >&2
    exit 1
}

echo "POST /predict $request"
curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' -d "$request" "http://localhost:$port/predict"
echo
