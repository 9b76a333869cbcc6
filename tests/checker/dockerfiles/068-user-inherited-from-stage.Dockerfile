FROM python:3.12.12-slim-bookworm AS base
USER 5001
FROM base AS final
RUN echo inherits the user
#> foundry-model: clean
