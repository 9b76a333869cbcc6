FROM python:3.12.12-slim-bookworm
ENV APP_UID=5001
USER ${APP_UID}
#> foundry-model: clean
