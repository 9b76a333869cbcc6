FROM python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: clean
