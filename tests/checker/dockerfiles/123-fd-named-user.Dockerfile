FROM python:3.12.12-slim-bookworm
RUN useradd --uid 5001 app
USER app
#> foundry-model: FD301@3
