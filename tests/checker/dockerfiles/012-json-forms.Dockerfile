FROM python:3.12.12-slim-bookworm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN ["pip", "install", "--no-cache-dir", "flask"]
USER 5001
ENTRYPOINT ["python3", "-m"]
CMD ["http.server", "8080"]
#> foundry-model: clean
