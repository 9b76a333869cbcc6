FROM python:3.12.12-slim-bookworm
USER 5001
CMD ["python3", "-m", "http.server"] # trailing text BuildKit ignores
#> foundry-model: clean
