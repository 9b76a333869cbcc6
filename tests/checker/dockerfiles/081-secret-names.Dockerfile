FROM python:3.12.12-slim-bookworm
ARG GITHUB_TOKEN
ENV API_KEY=changeme DB_PASSWORD=hunter2
ENV MONKEY=not-a-secret KEYBOARD_LAYOUT=us
USER 5001
#> foundry-model: BY105@2 BY105@3 BY105@3
