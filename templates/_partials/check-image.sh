{# After the build, before any push: the built image against the platform's rules. Shared by every build.sh. #}
{% set a = answers() %}

# The built image itself against the platform's rules, when byoi is installed: byoi
# check-image reads its user, architecture, layers and programs. An error-level finding
# stops here, before anything is pushed. BYOI_CHECK_IMAGE=0 skips the check.
if [[ "${BYOI_CHECK_IMAGE:-1}" != 0 ]] && command -v byoi >/dev/null 2>&1; then
    check_status=0
    byoi check-image "$image:$tag" --target {{ a.target }} || check_status=$?
    if ((check_status == 1)); then
        echo "build.sh: error: byoi check-image found errors in $image:$tag (above): fix them before pushing" >&2
        exit 1
    elif ((check_status != 0)); then
        echo "build.sh: warning: byoi check-image could not read $image:$tag, so it is not checked" >&2
    else
        echo "checked $image:$tag with byoi check-image"
    fi
fi
