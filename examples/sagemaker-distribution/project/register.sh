#!/usr/bin/env bash
# Registers the pushed image with SageMaker Studio and offers it in a domain's Code Editor:
#   1. create-image (once) and create-image-version for the pushed tag, then wait until CREATED
#   2. create-app-image-config (or update it) from sagemaker/app-image-config.json
#   3. update-domain from sagemaker/update-domain.json, with the new version number
#
# Usage: ./register.sh IMAGE_URI      (build.sh prints it)
# Environment (plus the usual AWS_PROFILE / AWS_REGION):
#   ROLE_ARN   IAM role SageMaker uses to pull the image from ECR
#   DOMAIN_ID  the Studio domain (d-...)
set -euo pipefail
cd "$(dirname "$0")"

image_uri="${1:?usage: ./register.sh IMAGE_URI (build.sh prints it)}"
: "${ROLE_ARN:?set ROLE_ARN to the IAM role SageMaker uses to pull the image}"
: "${DOMAIN_ID:?set DOMAIN_ID to the Studio domain id (d-...)}"
image_name="scraping-editor"
config_name="scraping-editor-config"

if ! aws sagemaker describe-image --image-name "$image_name" >/dev/null 2>&1; then
    aws sagemaker create-image --image-name "$image_name" --role-arn "$ROLE_ARN" >/dev/null
    echo "created image $image_name"
fi

version_arn="$(aws sagemaker create-image-version --image-name "$image_name" --base-image "$image_uri" \
    --query ImageVersionArn --output text)"
version="${version_arn##*/}"
echo "created image version $version; waiting until it is CREATED"
while :; do
    status="$(aws sagemaker describe-image-version --image-name "$image_name" --version-number "$version" \
        --query ImageVersionStatus --output text)"
    case "$status" in
        CREATED) break ;;
        CREATE_FAILED)
            aws sagemaker describe-image-version --image-name "$image_name" --version-number "$version" \
                --query FailureReason --output text >&2
            exit 1 ;;
    esac
    sleep 5
done

if aws sagemaker describe-app-image-config --app-image-config-name "$config_name" >/dev/null 2>&1; then
    aws sagemaker update-app-image-config --cli-input-json file://sagemaker/app-image-config.json >/dev/null
    echo "updated app image config $config_name"
else
    aws sagemaker create-app-image-config --cli-input-json file://sagemaker/app-image-config.json >/dev/null
    echo "created app image config $config_name"
fi

# update-domain replaces the domain's list of Code Editor custom images: show it first.
echo "custom images of $DOMAIN_ID before the update:"
aws sagemaker describe-domain --domain-id "$DOMAIN_ID" \
    --query 'DefaultUserSettings.CodeEditorAppSettings.CustomImages' --output json
domain_json="$(mktemp)"
trap 'rm -f "$domain_json"' EXIT
sed -e "s/\"ImageVersionNumber\": [0-9]*/\"ImageVersionNumber\": $version/" sagemaker/update-domain.json > "$domain_json"
aws sagemaker update-domain --cli-input-json "file://$domain_json" --domain-id "$DOMAIN_ID" >/dev/null
echo "domain $DOMAIN_ID offers $image_name version $version in Code Editor"
