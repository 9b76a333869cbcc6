FROM python:3.12.12-slim-bookworm
LABEL description="modèle de données — ünïcödé ✓"
RUN echo "日本語のテキスト"
USER 5001
#> foundry-model: clean
