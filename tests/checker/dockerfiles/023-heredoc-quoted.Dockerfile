FROM python:3.12.12-slim-bookworm
RUN <<'EOF'
echo "$HOME is not expanded by the build"
EOF
RUN <<"EOF"
echo "neither is $PATH"
EOF
USER 5001
#> foundry-model: clean
