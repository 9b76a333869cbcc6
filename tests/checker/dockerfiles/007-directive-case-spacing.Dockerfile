#  SYNTAX = docker/dockerfile:1
#ESCAPE=`
FROM python:3.12.12-slim-bookworm
RUN echo a `
 && echo b
USER 5001
#> foundry-model: clean
