FROM python:3.12.12-slim-bookworm
ENV PATH_EXTRA /opt/tools/bin with spaces
ENV LANG C.UTF-8
USER 5001
#> foundry-model: clean
