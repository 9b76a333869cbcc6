FROM python:3.12.12-slim-bookworm
USER 5001
CMD echo "[not json]" && python3 -m http.server 8080
#> foundry-model: clean
