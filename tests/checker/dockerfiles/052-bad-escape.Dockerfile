# escape=x
FROM python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: BY001@1
