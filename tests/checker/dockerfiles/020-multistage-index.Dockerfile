FROM alpine:3.20.3
RUN echo built > /artifact
FROM python:3.12.12-slim-bookworm
COPY --from=0 /artifact /artifact
USER 5001
#> foundry-model: clean
