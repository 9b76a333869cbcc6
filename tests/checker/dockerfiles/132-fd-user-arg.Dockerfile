FROM python:3.12.12-slim-bookworm
ARG APP_UID=5001
RUN useradd --uid "${APP_UID}" app
USER ${APP_UID}:${APP_UID}
#> foundry-byoc: clean
