#!/usr/bin/env bash
# Registers the pushed image with SageMaker Studio and offers it in JupyterLab:
#   1. create-image (only if the image does not exist yet), create-image-version for
#      IMAGE_URI (a new version on every run), then waits until the version is CREATED
#   2. create-app-image-config, or update-app-image-config, from sagemaker/app-image-config.json
#   3. adds this image to the domain's default JupyterLab images (or one user profile's),
#      replacing only its own older entry: every other team's image there is kept
#
# Usage: ./register.sh [options] IMAGE_URI      (build.sh prints IMAGE_URI)
#   --domain-id ID        the Studio domain, d-... (or set DOMAIN_ID)
#   --user-profile NAME   offer the image to this user profile only, instead of every user
#                         of the domain (or set USER_PROFILE)
#   --role-arn ARN        IAM role SageMaker uses to pull the image from ECR (or set ROLE_ARN);
#                         needed only while the SageMaker image "ds-jupyterlab" does not exist
#   --dry-run             change nothing: only read, and print the calls and JSON it would send
#   -h, --help            this text
# Needs the AWS CLI (v1 or v2) with the usual AWS_PROFILE / AWS_REGION. The list of images is
# merged by the CLI's own --query (JMESPath), so nothing else (jq, python) is needed.
set -euo pipefail
cd "$(dirname "$0")"

image_name="ds-jupyterlab"
config_name="ds-jupyterlab-config"
config_json="sagemaker/app-image-config.json"
domain_id="${DOMAIN_ID:-}"
user_profile="${USER_PROFILE:-}"
role_arn="${ROLE_ARN:-}"
dry_run=""
image_uri=""
# AWS CLI v2 would page describe output on a terminal.
export AWS_PAGER=""

fail() {
    echo "register.sh: error: $*" >&2
    exit 2
}

# Option values: refuse a missing one rather than take the next option as the value.
value() {
    [[ -n "${2:-}" && "${2:-}" != -* ]] || fail "$1 needs a value (see ./register.sh --help)"
}

while (($#)); do
    case "$1" in
        --domain-id) value "$1" "${2:-}"; domain_id="$2"; shift 2 ;;
        --domain-id=*) domain_id="${1#*=}"; shift ;;
        --user-profile) value "$1" "${2:-}"; user_profile="$2"; shift 2 ;;
        --user-profile=*) user_profile="${1#*=}"; shift ;;
        --role-arn) value "$1" "${2:-}"; role_arn="$2"; shift 2 ;;
        --role-arn=*) role_arn="${1#*=}"; shift ;;
        --dry-run) dry_run=yes; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${0##*/}"; exit 0 ;;
        -*) fail "unknown option '$1' (see ./register.sh --help)" ;;
        *)
            [[ -z "$image_uri" ]] || fail "unexpected argument '$1': give one IMAGE_URI (see ./register.sh --help)"
            image_uri="$1"; shift ;;
    esac
done
[[ -n "$image_uri" ]] || fail "give the IMAGE_URI that build.sh printed (see ./register.sh --help)"
[[ "$image_uri" == */*:* || "$image_uri" == */*@sha256:* ]] \
    || fail "IMAGE_URI '$image_uri' is not REGISTRY/REPOSITORY:TAG; give the one build.sh printed"
[[ -n "$domain_id" ]] || fail "set DOMAIN_ID, or give --domain-id, the Studio domain id (d-...)"

# Runs a call that changes something; with --dry-run only prints it (and any JSON file it sends).
change() {
    if [[ -z "$dry_run" ]]; then
        aws "$@" >/dev/null
        return
    fi
    echo "would run: aws $*"
    local arg
    for arg in "$@"; do
        if [[ "$arg" == file://* ]]; then
            cat "${arg#file://}"
        fi
    done
}

# Says what was done (a dry run did nothing).
done_() {
    [[ -n "$dry_run" ]] || echo "$*"
}

# Whether describe-NOUN NAME finds it; any error but "not found" (credentials, region) stops here.
exists() {
    local error
    if error="$(aws sagemaker "$@" 2>&1 >/dev/null)"; then
        return 0
    fi
    [[ "$error" == *"(ResourceNotFound)"* ]] || { echo "$error" >&2; exit 1; }
    return 1
}

# 1. The image and a new version of it.
if exists describe-image --image-name "$image_name"; then
    image_exists=yes
else
    image_exists=""
    [[ -n "$role_arn" ]] || fail "the SageMaker image $image_name does not exist yet: set ROLE_ARN, or give --role-arn, to create it"
    change sagemaker create-image --image-name "$image_name" --role-arn "$role_arn"
    done_ "created image $image_name"
fi

if [[ -n "$dry_run" ]]; then
    # The version create-image-version would make: one after the newest there is.
    latest=""
    if [[ -n "$image_exists" ]]; then
        latest="$(aws sagemaker describe-image-version --image-name "$image_name" \
            --query Version --output text 2>/dev/null || true)"
    fi
    [[ "$latest" =~ ^[0-9]+$ ]] || latest=0
    version=$((latest + 1))
    echo "would run: aws sagemaker create-image-version --image-name $image_name --base-image $image_uri"
    echo "(it would make version $version)"
else
    version_arn="$(aws sagemaker create-image-version --image-name "$image_name" --base-image "$image_uri" \
        --query ImageVersionArn --output text)"
    version="${version_arn##*/}"
    echo "created image version $version; waiting until it is CREATED"
    # Gives up after 180 polls 5 seconds apart (15 minutes).
    polls=0
    while :; do
        status="$(aws sagemaker describe-image-version --image-name "$image_name" --version-number "$version" \
            --query ImageVersionStatus --output text)"
        case "$status" in
            CREATED) break ;;
            CREATE_FAILED)
                echo "register.sh: error: image version $version failed:" >&2
                aws sagemaker describe-image-version --image-name "$image_name" --version-number "$version" \
                    --query FailureReason --output text >&2
                exit 1 ;;
        esac
        polls=$((polls + 1))
        if ((polls >= 180)); then
            echo "register.sh: error: image version $version is still $status after 15 minutes" >&2
            exit 1
        fi
        sleep 5
    done
fi

# 2. The app image config: how Studio starts a container of the image.
if exists describe-app-image-config --app-image-config-name "$config_name"; then
    change sagemaker update-app-image-config --cli-input-json "file://$config_json"
    done_ "updated app image config $config_name"
else
    change sagemaker create-app-image-config --cli-input-json "file://$config_json"
    done_ "created app image config $config_name"
fi

# 3. The JupyterLab images offered. An update sets the CustomImages list to exactly the list
# sent, so the JSON sent is built from what is there now: the other images and JupyterLab
# settings as they are, this image's entry added, or replaced (matched by ImageName).
entry="{ImageName: '$image_name', ImageVersionNumber: \`$version\`, AppImageConfigName: '$config_name'}"
merged() {
    local settings="$1.JupyterLabAppSettings"
    echo "merge($settings || \`{}\`, {CustomImages: [$settings.CustomImages[?ImageName != '$image_name'] || \`[]\`, [$entry]][]})"
}
update_json="$(mktemp)"
trap 'rm -f "$update_json"' EXIT
if [[ -n "$user_profile" ]]; then
    aws sagemaker describe-user-profile --domain-id "$domain_id" --user-profile-name "$user_profile" \
        --query "{DomainId: DomainId, UserProfileName: UserProfileName, UserSettings: {JupyterLabAppSettings: $(merged UserSettings)}}" \
        --output json >"$update_json"
    change sagemaker update-user-profile --cli-input-json "file://$update_json"
    where="user profile $user_profile of $domain_id"
else
    aws sagemaker describe-domain --domain-id "$domain_id" \
        --query "{DomainId: DomainId, DefaultUserSettings: {JupyterLabAppSettings: $(merged DefaultUserSettings)}}" \
        --output json >"$update_json"
    change sagemaker update-domain --cli-input-json "file://$update_json"
    where="domain $domain_id"
fi
if [[ -n "$dry_run" ]]; then
    echo "dry run: nothing was changed"
else
    echo "$where offers $image_name version $version in JupyterLab"
fi
