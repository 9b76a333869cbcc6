FROM python:3.12.12-slim-bookworm
RUN mkdir -p /opt/palantir/sidecars/shared-volumes/shared \
 && chown -R 5001:5001 /opt/palantir/sidecars
USER 5001
#> foundry-sidecar: clean
