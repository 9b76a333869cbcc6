{# Push $remote with $docker, then print it and its digest: shared by every build.sh. #}
push_log="$(mktemp)"
digest_file="$(mktemp)"
trap 'rm -f "$push_log" "$digest_file"' EXIT
# podman can write the pushed digest to a file; docker ends its push output with
# "TAG: digest: sha256:... size: N" and records the digest among the image's repo digests.
if "$docker" push --help 2>&1 | grep -q -e '--digestfile'; then
    "$docker" push --digestfile "$digest_file" "$remote" | tee "$push_log"
else
    "$docker" push "$remote" | tee "$push_log"
fi
digest="$(grep -o 'sha256:[0-9a-f]\{64\}' "$digest_file" || true)"
if [[ -z "$digest" ]]; then
    digest="$(grep -o 'digest: sha256:[0-9a-f]\{64\}' "$push_log" | tail -n 1 | cut -d ' ' -f 2 || true)"
fi
if [[ -z "$digest" ]]; then
    digest="$("$docker" image inspect --format '{% raw %}{{range .RepoDigests}}{{println .}}{{end}}{% endraw %}' "$remote" \
        | grep -F "${remote%:*}@" | grep -o 'sha256:[0-9a-f]\{64\}' | head -n 1 || true)"
fi
echo "pushed $remote"
echo "digest ${digest:-unknown}"
