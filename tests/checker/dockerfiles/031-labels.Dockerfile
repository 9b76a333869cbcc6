FROM python:3.12.12-slim-bookworm
LABEL org.opencontainers.image.title="my model" \
      org.opencontainers.image.version=1.0.0 version="1.0"
LABEL description This is the old form
USER 5001
#> foundry-model: clean
