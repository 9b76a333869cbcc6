FROM python:3.12.12-slim-bookworm
ONBUILD COPY . /app
ONBUILD RUN pip install --no-cache-dir -r /app/requirements.txt
ONBUILD run echo lower-case
USER 5001
#> foundry-model: clean
