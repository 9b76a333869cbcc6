FROM python:3.12.12-slim-bookworm
RUN mkdir -p /opt/palantir/sidecars/shared-volumes/shared
USER 5001
#> foundry-sidecar: FD304@1
