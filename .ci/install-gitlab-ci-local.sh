#!/usr/bin/env bash
# Installs gitlab-ci-local (npm), which tests/test_ci.py runs every generated .gitlab-ci.yml
# with (its shell executor evaluates the pipeline's rules: and runs the jobs' scripts), into
# .ci/gitlab-ci-local/node_modules, at the versions package-lock.json pins. It needs Node.js
# 18 or later, npm, rsync and git; as root on Debian the missing ones come from apt.
set -euo pipefail
cd "$(dirname "$0")/gitlab-ci-local"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v git >/dev/null 2>&1 || missing+=(git)
if ((${#missing[@]})); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "install-gitlab-ci-local.sh: missing ${missing[*]}; install them and run again" >&2
        exit 1
    fi
fi
npm ci --no-audit --no-fund --loglevel=error
echo "gitlab-ci-local $(node_modules/.bin/gitlab-ci-local --version) in $PWD/node_modules/.bin"
