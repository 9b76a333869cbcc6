FROM python:3.12.12-slim-bookworm
RUN 3<<EOF cat /dev/fd/3
through fd 3
EOF
USER 5001
#> foundry-model: clean
