FROM python:3.12.12-slim-bookworm
RUN echo trailing backslash \\
USER 5001
#> foundry-model: clean
