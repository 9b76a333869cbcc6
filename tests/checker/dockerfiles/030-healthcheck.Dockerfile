FROM python:3.12.12-slim-bookworm
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8080/')"]
HEALTHCHECK NONE
HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1
USER 5001
#> foundry-model: clean
