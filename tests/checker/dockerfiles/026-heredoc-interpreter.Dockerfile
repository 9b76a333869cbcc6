FROM python:3.12.12-slim-bookworm
RUN <<EOF python3
import sys
print(sys.version)
EOF
RUN <<EOF bash -ex
echo strict bash
EOF
USER 5001
#> foundry-model: clean
