FROM python:3.12.12-slim-bookworm
USER 5001
EXPOSE 80
CMD ["python3", "-m", "http.server", "80"]
#> foundry-model: BY104@3
