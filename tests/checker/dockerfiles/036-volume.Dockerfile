FROM python:3.12.12-slim-bookworm
VOLUME /data /cache
VOLUME ["/models"]
USER 5001
#> foundry-model: clean
