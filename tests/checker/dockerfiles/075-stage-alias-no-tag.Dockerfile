FROM python:3.12.12-slim-bookworm AS base
FROM base
USER 5001
#> foundry-model: clean
