FROM python:3.12.12-slim-bookworm
USER 1000
#> foundry-byoc: FD302@2
