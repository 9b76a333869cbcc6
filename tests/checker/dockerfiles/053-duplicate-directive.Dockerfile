# syntax=docker/dockerfile:1
# syntax=docker/dockerfile:1.7
FROM python:3.12.12-slim-bookworm
USER 5001
#> foundry-model: BY001@2
