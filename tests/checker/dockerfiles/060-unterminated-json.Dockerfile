FROM python:3.12.12-slim-bookworm
USER 5001
CMD ["python3", "-m", "http.server"
#> foundry-model: BY003@3
