FROM python:latest
USER 5001
#> foundry-model: BY102@1
