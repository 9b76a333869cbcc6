FROM python:3.12.12-slim-bookworm
RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
USER 5001
#> foundry-model: clean
