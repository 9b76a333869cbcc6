FROM python:3.12.12-slim-bookworm
RUN echo "${name,,}" <<EOF
this line is not a heredoc body for BuildKit
EOF
USER 5001
#> foundry-model: BY002@3 BY002@4
