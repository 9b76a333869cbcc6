{% set a = answers() %}
#!/usr/bin/env bash
# Builds the image for linux/amd64 (the only platform Studio runs; on Apple Silicon a
# plain build gives "exec format error" in Studio) and, given an ECR repository, pushes it.
#
# Usage: ./build.sh [ECR_REPOSITORY_URI]
#   ECR_REPOSITORY_URI  e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/{{ a.name }}
#                       (or set ECR_REPOSITORY_URI); without it the image is only built.
# Environment:
#   IMAGE_TAG  tag to use (default {{ a.image_tag }}; "git" uses the git revision); never "latest"
#   DOCKER     the docker-compatible client to use (default docker; podman works too)
set -euo pipefail
cd "$(dirname "$0")"

image="{{ a.name }}"
tag="${IMAGE_TAG:-{{ a.image_tag }}}"
docker="${DOCKER:-docker}"

if [[ "$tag" == git ]]; then
    tag="$(git rev-parse --short=12 HEAD)"
fi
# 'latest' in any case names no fixed image. (No ${tag,,}: macOS still ships bash 3.2.)
if [[ "$(tr '[:upper:]' '[:lower:]' <<<"$tag")" == latest ]]; then
    echo "build.sh: error: refusing the tag 'latest': it names no fixed image; set IMAGE_TAG to a version" >&2
    exit 2
fi

"$docker" build --platform linux/amd64 --tag "$image:$tag" .
echo "built $image:$tag"
{{ partial("check-image.sh") }}
repository="${1:-${ECR_REPOSITORY_URI:-}}"
if [[ -z "$repository" ]]; then
    exit 0
fi

registry="${repository%%/*}"
if [[ "$registry" == *.dkr.ecr.*.amazonaws.com ]]; then
    # The password goes from aws straight to docker's stdin: never on disk or in the image.
    region="$(cut -d. -f4 <<< "$registry")"
    aws ecr get-login-password --region "$region" | "$docker" login --username AWS --password-stdin "$registry"
fi

remote="$repository:$tag"
"$docker" tag "$image:$tag" "$remote"
{{ partial("push.sh") }}echo "register it with: ./register.sh $repository:$tag"
