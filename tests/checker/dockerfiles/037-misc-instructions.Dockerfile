FROM python:3.12.12-slim-bookworm
MAINTAINER someone@example.com
STOPSIGNAL SIGTERM
WORKDIR /opt
WORKDIR app
USER 5001
#> foundry-model: clean
