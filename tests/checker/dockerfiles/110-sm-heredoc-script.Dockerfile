FROM mambaorg/micromamba:2.3.0-debian12-slim
COPY --chmod=0755 <<'EOF' /usr/local/bin/start
#!/bin/bash
set -e
exec sagemaker-code-editor --host 0.0.0.0 --port 8888 \
    --base-path /codeeditor/default
EOF
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["/usr/local/bin/start"]
#> sagemaker-code-editor: SM211@5
