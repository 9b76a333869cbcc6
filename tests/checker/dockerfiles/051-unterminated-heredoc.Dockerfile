FROM python:3.12.12-slim-bookworm
RUN <<EOF
echo never closed
#> foundry-model: BY001@2
