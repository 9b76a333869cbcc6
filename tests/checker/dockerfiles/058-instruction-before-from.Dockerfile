ENV LANG=C.UTF-8
FROM python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: BY004@1
