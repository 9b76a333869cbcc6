FROM python:3.12.12-slim-bookworm
USER 5001
CMD ["python3", 8080]
#> foundry-model: BY001@3
