FROM python:3.12.12-slim-bookworm
ENV APP_HOME="/opt/my app" \
    GREETING='hello world' \
    ESCAPED=one\ two \
    EMPTY=""
ENV COMBINED="${APP_HOME}/bin:$PATH"
USER 5001
#> foundry-model: clean
