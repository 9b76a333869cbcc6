# shellcheck shell=bash
# Sourced by micromamba whenever it activates the environment (conda's activate.d), as
# entrypoint-code-editor does before it starts Code Editor. The SageMaker Distribution
# image links its extensions into a space only on the space's first start; this links the
# ones a newer image adds on every later start too. Quiet; changes nothing else.
# (Written by byoi 0.1.0.)

# Link the extensions baked into the image (first argument) into a space's extensions
# folder on the EBS home (second argument), so that the extensions a newer image adds also
# appear in existing spaces. Extensions the user installed are left alone (another version
# of the same extension wins over the image's), and an image extension the user removed
# stays removed: the names linked so far are kept in .byoi-image-extensions there.
__byoi_link_image_extensions() {
    local image_dir="$1" home_dir="$2" record link ext name id
    record="$home_dir/.byoi-image-extensions"
    if [[ ! -e "$record" ]]; then
        # First run: what an earlier start script linked counts as offered already.
        : > "$record"
        for link in "$home_dir"/*; do
            if [[ -L "$link" && "$(readlink "$link")" == "$image_dir"/* ]]; then
                echo "${link##*/}" >> "$record"
            fi
        done
    fi
    # Drop links to extensions of an earlier image that this image no longer has.
    for link in "$home_dir"/*; do
        if [[ -L "$link" && ! -e "$link" && "$(readlink "$link")" == "$image_dir"/* ]]; then
            rm -f -- "$link"
        fi
    done
    for ext in "$image_dir"/*/; do
        ext="${ext%/}"
        name="${ext##*/}"      # publisher.name-1.2.3
        id="${name%%-[0-9]*}"  # publisher.name
        if [[ ! -d "$ext" || -e "$home_dir/$name" || -L "$home_dir/$name" ]]; then
            continue
        fi
        if grep -qxF -- "$name" "$record" || compgen -G "$home_dir/$id-[0-9]*" >/dev/null; then
            continue
        fi
        ln -s -- "$ext" "$home_dir/$name"
        echo "$name" >> "$record"
    done
}

if [[ -n "${BASH_VERSION:-}" && -d "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions" ]]; then
    __byoi_link_image_extensions "/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions" "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions" 2>/dev/null || true
fi
unset -f __byoi_link_image_extensions
