FROM python:3.12.12-slim-bookworm AS base extra
USER 5001
#> foundry-model: BY004@1
