FROM python:3.12.12-slim-bookworm
USER root
RUN pip install --no-cache-dir flask
USER 5001
#> foundry-model: clean
