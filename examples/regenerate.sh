#!/usr/bin/env bash
# Re-generates every example from its answers file. Run after changing a template, then
# read `git diff examples/`: the diff is what users will get.
set -euo pipefail
cd "$(dirname "$0")"
for answers in */answers.yaml; do
    example="${answers%/answers.yaml}"
    rm -rf "$example/project"
    byoi new --config "$answers" -o "$example/project" --no-input
done
