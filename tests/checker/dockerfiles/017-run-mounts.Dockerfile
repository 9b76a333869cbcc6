FROM python:3.12.12-slim-bookworm
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    --network=default \
    pip install -r /tmp/requirements.txt
RUN --mount=type=secret,id=token,required=true cat /run/secrets/token > /dev/null
USER 5001
#> foundry-model: clean
