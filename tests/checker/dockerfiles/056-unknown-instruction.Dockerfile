FROM python:3.12.12-slim-bookworm
RUNN echo typo
USER 5001
#> foundry-model: BY002@2
