FROM python:3.12.12-slim-bookworm
RUN --network=none -- echo after the end of flags
USER 5001
#> foundry-model: clean
