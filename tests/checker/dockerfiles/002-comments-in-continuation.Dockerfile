FROM python:3.12.12-slim-bookworm
RUN set -eux; \
    # comments inside a continuation are dropped by BuildKit
    apt-get update; \
      # even indented ones
    apt-get install -y curl; \
    rm -rf /var/lib/apt/lists/*
USER 5001
#> foundry-model: clean
