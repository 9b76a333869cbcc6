FROM python:3.12.12-slim-bookworm
RUN apt-get update && apt-get install -y
    curl
USER 5001
#> foundry-model: BY002@3
