ARG PLATFORM=linux/amd64
FROM --platform=$PLATFORM python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: clean
