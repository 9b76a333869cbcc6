FROM python:3.12.12-slim-bookworm AS build
RUN pip install --no-cache-dir --target /app flask
FROM gcr.io/distroless/python3-debian12:nonroot
COPY --from=build /app /app
USER 65532
ENTRYPOINT ["python3", "-m", "flask"]
#> foundry-model: FD303@3
