FROM python:3.12.12-slim-bookworm
RUN --mount=type=cache,target=/var/cache/apt \
    <<EOF
apt-get update
EOF
USER 5001
#> foundry-model: clean
