FROM python:3.12.12-slim-bookworm
ENV ONLY_A_NAME
USER 5001
#> foundry-model: BY001@2
