# shellcheck shell=bash
# Sourced by micromamba whenever it activates the environment (conda's activate.d), as
# entrypoint-code-editor does before it starts Code Editor. The SageMaker Distribution
# image links its extensions into a space only on the space's first start; this links the
# ones a newer image adds on every later start too. Quiet; changes nothing else.
# (Written by byoi 0.3.0.)

# Link the extensions baked into the image (first argument) into a space's extensions
# folder on the EBS home (second argument), so that those a newer image adds, or updates,
# also load in existing spaces. Run before the server starts.
#
# The server (Code-OSS) loads the extensions that extensions.json in that folder lists, and
# builds that file from the folder's contents only when it is missing. At start-up it marks
# every folder the file does not list as removed (.obsolete) and deletes it at the next
# start. So linking a folder is not enough: this also adds the new image extensions to
# extensions.json, and drops the entries of an earlier image's versions, keeping every
# other entry as it is. (Deleting the file to have it rebuilt is not safe: code-server
# 4.100 rebuilt it with a folder it was deleting as marked removed, bringing back what the
# user had uninstalled.) What the user installed stays; an image extension the user
# uninstalled stays uninstalled (it is no longer listed, also after --uninstall-extension,
# which leaves the link); settings are not touched. The image extensions offered so far
# are kept in .byoi-image-extensions there: each is offered once. Nothing new, nothing
# written. Needs python3 (the environment's) to edit the JSON.
__byoi_link_image_extensions() {
    local image_dir="$1" home_dir="$2"
    local record="$home_dir/.byoi-image-extensions" manifest="$home_dir/extensions.json"
    local obsolete="$home_dir/.obsolete"
    local path name id other keep changed="" key
    local -A installed=() offered=() marked=() added=()

    # Names marked true in .obsolete: removed, not loaded, deleted at the next start.
    if [[ -f "$obsolete" ]]; then
        while IFS= read -r key; do
            marked["$key"]=1
        done < <(grep -o '"[^"]*": *true' "$obsolete" | cut -d'"' -f2)
    fi
    # What the server loads now: the folders extensions.json lists or, without it, every
    # folder not marked removed (what the server would write into a new extensions.json).
    if [[ -f "$manifest" ]]; then
        while IFS= read -r name; do
            installed["$name"]=1
        done < <(grep -o '"relativeLocation": *"[^"]*"' "$manifest" | cut -d'"' -f4)
    else
        for path in "$home_dir"/*/; do
            name="${path%/}"
            name="${name##*/}"
            [[ -e "$path" && -z "${marked[${name,,}]:-}" ]] && installed["$name"]=1
        done
    fi
    if [[ ! -e "$record" ]]; then
        # First run: what an earlier start script linked counts as offered already.
        : >"$record"
        for path in "$home_dir"/*; do
            if [[ -L "$path" && "$(readlink "$path")" == "$image_dir"/* ]]; then
                echo "${path##*/}" >>"$record"
            fi
        done
    fi
    while IFS= read -r name; do
        [[ -n "$name" ]] && offered["$name"]=1
    done <"$record"

    # Links to extensions of an earlier image that this one no longer has (an extension
    # updated or dropped) would dangle: remove them, and the server's entry with them.
    for path in "$home_dir"/*; do
        if [[ -L "$path" && ! -e "$path" && "$(readlink "$path")" == "$image_dir"/* ]]; then
            rm -f -- "$path"
            [[ -n "${installed[${path##*/}]:-}" ]] && changed=1
        fi
    done

    for path in "$image_dir"/*/; do
        path="${path%/}"
        name="${path##*/}"     # publisher.name-1.2.3
        id="${name%%-[0-9]*}"  # publisher.name
        if [[ ! -f "$path/package.json" || -n "${offered[$name]:-}" ]]; then
            continue
        fi
        offered["$name"]=1
        echo "$name" >>"$record"
        keep=1
        # Another version of it in the space: one the user installed wins, and one of an
        # earlier image that the user uninstalled means the user does not want it.
        for other in "$home_dir/$id"-[0-9]*; do
            if [[ -e "$other" && "$(readlink "$other")" != "$image_dir"/* && -n "${installed[${other##*/}]:-}" ]]; then
                keep=""
            fi
        done
        for other in "${!offered[@]}"; do
            if [[ "$other" != "$name" && "${other%%-[0-9]*}" == "$id" && -z "${installed[$other]:-}" ]]; then
                keep=""
            fi
        done
        [[ -n "$keep" ]] || continue
        [[ -e "$home_dir/$name" || -L "$home_dir/$name" ]] || ln -s -- "$path" "$home_dir/$name"
        if [[ -z "${installed[$name]:-}" ]]; then
            added["$name"]=1
            changed=1
        fi
    done
    [[ -n "$changed" && -f "$manifest" ]] || return 0
    if ! command -v python3 >/dev/null 2>&1; then
        echo "byoi: no python3 on PATH: image extensions linked but not added to $manifest" >&2
        return 0
    fi
    # Add the new ones to extensions.json and drop the entries whose folder is gone, keeping
    # every other entry as it is (the user's extensions and their metadata); un-mark the
    # added ones in .obsolete. Each file is replaced in one step (rename), and neither is
    # written when either cannot be read.
    if ! python3 - "$home_dir" "${!added[@]}" <<'PYTHON'
import json, os, sys, time
home, added = sys.argv[1], sys.argv[2:]
def load(name, default):
    try:
        with open(os.path.join(home, name), encoding="utf-8") as file:
            return json.load(file)
    except FileNotFoundError:
        return default
def save(name, value):
    path = os.path.join(home, name)
    with open(path + ".byoi-tmp", "w", encoding="utf-8") as file:
        json.dump(value, file, separators=(",", ":"))
    os.replace(path + ".byoi-tmp", path)
obsolete = load(".obsolete", None)
entries = [e for e in load("extensions.json", []) if os.path.exists(os.path.join(home, e.get("relativeLocation", "")))]
for name in added:
    with open(os.path.join(home, name, "package.json"), encoding="utf-8") as file:
        manifest = json.load(file)
    entries.append({
        "identifier": {"id": f"{manifest['publisher']}.{manifest['name']}".lower()},
        "version": manifest["version"],
        "location": {"$mid": 1, "path": os.path.join(home, name), "scheme": "file"},
        "relativeLocation": name,
        "metadata": {"installedTimestamp": int(time.time() * 1000), "source": "vsix"},
    })
save("extensions.json", entries)
if obsolete is not None:
    save(".obsolete", {key: value for key, value in obsolete.items() if key not in {n.lower() for n in added}})
PYTHON
    then
        # A start never fails over this: the server starts with the extensions it had.
        echo "byoi: could not update $manifest; new image extensions are not loaded" >&2
    fi
}

if [[ -n "${BASH_VERSION:-}" && -d "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions" ]]; then
    __byoi_link_image_extensions "/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions" "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions" 2>/dev/null || true
fi
unset -f __byoi_link_image_extensions
