FROM python:3.12.12-slim-bookworm
USER 0:100
#> foundry-model: BY101@2
