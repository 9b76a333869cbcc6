FROM python:3.12.12-slim-bookworm
RUN install -d -o 5001 -g 5001 /opt/palantir/sidecars/shared-volumes/shared
USER 5001
#> foundry-sidecar: clean
