# syntax=docker/dockerfile:1.7
# escape=\
FROM python:3.12.12-slim-bookworm
RUN echo a \
 && echo b
USER 5001
#> foundry-model: clean
