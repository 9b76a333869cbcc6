FROM python:3.12.12-slim-bookworm AS build
RUN pip wheel --no-deps -w /wheels flask
FROM python:3.12.12-slim-bookworm
COPY --from=build --chown=5001:5001 --chmod=0644 --link /wheels /wheels
COPY --chown="5001:5001" requirements.txt /app/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /tmp/
USER 5001
#> foundry-model: clean
