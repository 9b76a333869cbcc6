FROM python:3.12.12-slim-bookworm
ARG APP_UID
USER ${APP_UID:-5001}
#> foundry-model: clean
