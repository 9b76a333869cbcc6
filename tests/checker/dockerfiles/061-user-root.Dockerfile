FROM python:3.12.12-slim-bookworm
USER 5001
USER root
#> foundry-model: BY101@3
