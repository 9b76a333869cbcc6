FROM python:3.12.12-slim-bookworm
RUN <<FILE1 cat > /tmp/one && <<FILE2 cat > /tmp/two
first
FILE1
second
FILE2
USER 5001
#> foundry-model: clean
