{% set a = answers() %}
#!/usr/bin/env bash
# Builds the image "{{ a.name }}" for {{ a.platform.platform }} (the only platform Studio runs; on Apple Silicon a
# plain build gives "exec format error" in Studio) and, given an ECR repository, pushes it.
#
# Usage: ./build.sh [--base-image REF] [ECR_REPOSITORY_URI]
#   ECR_REPOSITORY_URI  e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/{{ a.name }}
#                       (or set ECR_REPOSITORY_URI); without it the image is only built
#   --base-image REF    build FROM REF instead of {{ a.base_image_ref }}, e.g. the same
#                       image through a registry mirror or pull-through cache; pinned, never "latest"
#   -h, --help          this text
# Environment:
#   IMAGE_TAG  tag to build (default {{ a.image_tag }}; "git": the git revision); never "latest"
#   DOCKER     docker-compatible client (default docker; podman works too)
set -euo pipefail
cd "$(dirname "$0")"

image="{{ a.name }}"
tag="${IMAGE_TAG:-{{ a.image_tag }}}"
docker="${DOCKER:-docker}"
base_image=""
repository="${ECR_REPOSITORY_URI:-}"

fail() {
    echo "build.sh: error: $*" >&2
    exit 2
}

# 'latest' in any case names no fixed image. (No ${x,,}: macOS still ships bash 3.2.)
is_latest() {
    [[ "$(tr '[:upper:]' '[:lower:]' <<<"$1")" == latest ]]
}

repository_given=""
while (($#)); do
    case "$1" in
        --base-image) base_image="${2:-}"; [[ -n "$base_image" ]] || fail "--base-image needs a REF"; shift 2 ;;
        --base-image=*) base_image="${1#*=}"; [[ -n "$base_image" ]] || fail "--base-image needs a REF"; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${0##*/}"; exit 0 ;;
        -*) fail "unknown option '$1' (see ./build.sh --help)" ;;
        *)
            [[ -z "$repository_given" ]] || fail "unexpected argument '$1': give one ECR_REPOSITORY_URI (see ./build.sh --help)"
            repository="$1"; repository_given=yes; shift ;;
    esac
done

if [[ "$tag" == git ]]; then
    tag="$(git rev-parse --short=12 HEAD)"
fi
if is_latest "$tag"; then
    fail "refusing the tag 'latest': it names no fixed image; set IMAGE_TAG to a version"
fi

build_args=()
if [[ -n "$base_image" ]]; then
    # The tag is what follows the last ':' after the last '/' (a registry may have a :port).
    base_name="${base_image##*/}"
    if [[ "$base_image" != *@sha256:* && "$base_name" != *:* ]]; then
        fail "--base-image $base_image has no tag; pin one, e.g. REF:1.2.3"
    fi
    if [[ "$base_image" != *@sha256:* ]] && is_latest "${base_name##*:}"; then
        fail "--base-image $base_image: 'latest' names no fixed image; pin a version"
    fi
    build_args=(--build-arg "BASE_IMAGE=$base_image")
fi

# ${build_args[@]+...}: an empty array is "unbound" to bash 3.2 under set -u.
"$docker" build --platform {{ a.platform.platform }} ${build_args[@]+"${build_args[@]}"} --tag "$image:$tag" .
echo "built $image:$tag"
{{ partial("check-image.sh") }}

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
