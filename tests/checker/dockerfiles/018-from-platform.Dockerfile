FROM --platform=linux/amd64 python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: clean
